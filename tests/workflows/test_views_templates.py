"""The template pages (portal admins): the list with its query budget, the editor round trip (what the page
shows is what it posts back, a conditional step added by POST becomes a new version, bad input shows its
errors next to the rows and stores nothing), the versions and the roles pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from portal.workflows.choices import ProcessStatus, TemplateKind
from portal.workflows.models import Process, ProcessRole, ProcessTemplate, TemplateVersion
from tests.workflows.factories import ProcessTemplateFactory

pytestmark = pytest.mark.django_db


class _FormReader(HTMLParser):
    """The values a browser would post from one form of a page (without the <template> rows)."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.in_template = form_id, False, 0
        self.pairs: list[tuple[str, str]] = []
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "template":
            self.in_template += 1
        if self.in_template:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.pairs.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.pairs.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select = {"name": name, "options": [], "chosen": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": attrs.get("value"), "text": ""}
            if "selected" in attrs:
                self._select["chosen"].append(self._option)
            self._select["options"].append(self._option)
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "text": ""}

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "template":
            self.in_template -= 1
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            chosen = self._select["chosen"] or self._select["options"][:1]
            for option in chosen:
                value = option["value"] if option["value"] is not None else option["text"]
                self.pairs.append((self._select["name"], value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.pairs.append((self._textarea["name"], self._textarea["text"].lstrip("\n")))
            self._textarea = None
        elif tag == "form":
            self.inside = False


def form_data(html: str, form_id: str = "wf-template-editor") -> dict[str, list[str]]:
    reader = _FormReader(form_id)
    reader.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in reader.pairs:
        data.setdefault(name, []).append(value)
    return data


def _one(data: dict, name: str) -> str:
    return data[name][0]


def _set(data: dict, name: str, value) -> None:
    data[name] = value if isinstance(value, list) else [str(value)]


def page_client(user) -> Client:
    """Django's client: posts forms as a browser does (the API client would send JSON)."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(org):
    return page_client(org.admin)


def _edit_url(template) -> str:
    return reverse("workflows:template_edit", args=[template.pk])


def test_the_editor_shows_the_payment_template(admin_client):
    payment = ProcessTemplate.objects.get(key="payment")
    response = admin_client.get(_edit_url(payment))
    assert response.status_code == 200
    html = response.content.decode()
    data = form_data(html)
    assert _one(data, "name") == payment.name
    assert _one(data, "fields-TOTAL_FORMS") == "5" and _one(data, "steps-TOTAL_FORMS") == "3"
    assert [_one(data, f"fields-{i}-key") for i in range(5)] == [
        "counterparty",
        "amount",
        "purpose",
        "due_date",
        "invoice",
    ]
    assert _one(data, "steps-1-rule") == "role" and _one(data, "steps-1-role") == "cfo"
    assert (_one(data, "steps-1-condition_field"), _one(data, "steps-1-condition_op")) == ("amount", "gt")
    assert _one(data, "steps-1-condition_value") == "100000"
    assert _one(data, "steps-0-deadline") == "1" and _one(data, "steps-0-deadline_unit") == "workdays"
    assert data["steps-0-actions"] == ["approve", "reject", "return", "comment"]
    assert _one(data, "starters_everyone") == "1"
    accountant = ProcessRole.objects.get(key="accountant")
    assert data["viewer_roles"] == [str(accountant.pk)]
    # The empty rows the script copies, and the script itself (no inline code).
    assert 'id="wf-steps-empty"' in html and "steps-__prefix__-rule" in html
    assert "workflows/template_editor.js" in html
    assert " onclick=" not in html and "<script>" not in html


def test_posting_the_page_back_unchanged_makes_no_version(admin_client):
    payment = ProcessTemplate.objects.get(key="payment")
    data = form_data(admin_client.get(_edit_url(payment)).content.decode())
    response = admin_client.post(_edit_url(payment), data, follow=True)
    assert response.status_code == 200
    assert "did not change: still version 1" in response.content.decode()
    assert payment.versions.count() == 1


def test_adding_a_conditional_step_makes_a_new_version(admin_client, org):
    payment = ProcessTemplate.objects.get(key="payment")
    first = payment.current_version
    Process.objects.create(
        template=payment,
        version=first,
        kind=payment.kind,
        title="Pay the rent",
        requester=org.east_rep,
        status=ProcessStatus.RUNNING,
        submitted_at=first.created_at,
    )
    data = form_data(admin_client.get(_edit_url(payment)).content.decode())
    # A fourth step, as the script adds it: the empty row's inputs under the next number.
    _set(data, "steps-TOTAL_FORMS", 4)
    new = {
        "name": "Head of IT for big sums",
        "kind": "approval",
        "rule": "department_head",
        "department": org.it.pk,
        "mode": "any",
        "condition_field": "amount",
        "condition_op": "gte",
        "condition_value": "250000",
        "deadline": "8",
        "deadline_unit": "hours",
        "actions": ["approve", "reject"],
        "ORDER": "4",
        "DELETE": "False",
        "levels": "2",
    }
    for name, value in new.items():
        _set(data, f"steps-3-{name}", value)
    _set(data, "comment", "IT approves big purchases")

    response = admin_client.post(_edit_url(payment), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    payment.refresh_from_db()
    version = payment.current_version
    assert version.number == 2 and version.comment == "IT approves big purchases"
    assert version.steps[3] == {
        "key": "step4",
        "name": "Head of IT for big sums",
        "kind": "approval",
        "rule": {"kind": "department_head", "department": org.it.pk},
        "mode": "any",
        "condition": {"field": "amount", "op": "gte", "value": "250000"},
        "deadline": {"hours": 8},
        "actions": ["approve", "reject"],
    }
    assert version.steps[:3] == first.steps
    assert version.fields == first.fields
    page = admin_client.get(_edit_url(payment)).content.decode()
    assert "Saved as version 2; 1 running process keeps version 1." in page
    assert Process.objects.get(title="Pay the rent").version == first


def test_rows_move_and_go_by_their_order_and_delete_inputs(admin_client):
    payment = ProcessTemplate.objects.get(key="payment")
    data = form_data(admin_client.get(_edit_url(payment)).content.decode())
    # Accountant first, supervisor second, the CFO step removed; the invoice field removed.
    _set(data, "steps-2-ORDER", 1)
    _set(data, "steps-0-ORDER", 2)
    _set(data, "steps-1-DELETE", "on")
    _set(data, "fields-4-DELETE", "on")
    response = admin_client.post(_edit_url(payment), data)
    assert response.status_code == 302
    payment.refresh_from_db()
    assert [s["key"] for s in payment.current_version.steps] == ["accountant", "supervisor"]
    assert [f["key"] for f in payment.current_version.fields] == [
        "counterparty",
        "amount",
        "purpose",
        "due_date",
    ]


def test_bad_input_shows_errors_next_to_the_rows_and_stores_nothing(admin_client):
    payment = ProcessTemplate.objects.get(key="payment")
    name = payment.name
    data = form_data(admin_client.get(_edit_url(payment)).content.decode())
    _set(data, "name", "Renamed meanwhile")
    _set(data, "steps-2-rule", "person")  # no person chosen
    _set(data, "steps-1-condition_value", "a lot")  # the amount compared with words
    _set(data, "fields-2-key", "counterparty")  # a code twice

    response = admin_client.post(_edit_url(payment), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing is saved" in html
    assert "choose the person." in html  # step 3's row
    assert "compare Amount with a number." in html
    assert "the code counterparty is used twice." in html
    # The messages sit in their rows, without the "Step n:" prefix the service gives them.
    assert "Step 3: choose the person." not in html
    assert html.count("data-wf-row-errors") >= 3
    # What was typed is shown again.
    again = form_data(html)
    assert _one(again, "name") == "Renamed meanwhile" and _one(again, "steps-2-rule") == "person"
    payment.refresh_from_db()
    assert payment.name == name and payment.versions.count() == 1


def test_a_wrong_row_of_a_formset_is_marked_and_nothing_is_stored(admin_client):
    payment = ProcessTemplate.objects.get(key="payment")
    data = form_data(admin_client.get(_edit_url(payment)).content.decode())
    _set(data, "steps-1-deadline", "-3")
    _set(data, "steps-1-person", "999999")
    response = admin_client.post(_edit_url(payment), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ensure this value is greater than or equal to 0." in html
    assert "Select a valid choice." in html
    assert ProcessTemplate.objects.get(pk=payment.pk).versions.count() == 1


def test_create_a_template(admin_client, org):
    page = admin_client.get(reverse("workflows:template_create"))
    assert page.status_code == 200
    data = form_data(page.content.decode())
    _set(data, "name", "Training request")
    _set(data, "kind", TemplateKind.CUSTOM)
    _set(data, "icon", "bi-mortarboard")
    data.pop("starters_everyone", None)
    _set(data, "start_departments", [str(org.sales.pk)])
    _set(data, "fields-TOTAL_FORMS", 2)
    for name, value in {
        "key": "course",
        "label": "Course",
        "type": "choice",
        "choices": "Python\nDjango",
    }.items():
        _set(data, f"fields-1-{name}", value)
    _set(data, "fields-1-ORDER", 2)
    response = admin_client.post(reverse("workflows:template_create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    template = ProcessTemplate.objects.get(name="Training request")
    assert response.url == _edit_url(template)
    assert not template.starters_everyone and list(template.start_departments.all()) == [org.sales]
    assert template.current_version.number == 1
    assert template.current_version.fields[1] == {
        "key": "course",
        "label": "Course",
        "type": "choice",
        "required": False,
        "choices": ["Python", "Django"],
    }
    assert template.current_version.steps[0]["rule"] == {"kind": "supervisor"}


def test_create_with_nobody_to_start_it_is_refused(admin_client):
    data = form_data(admin_client.get(reverse("workflows:template_create")).content.decode())
    _set(data, "name", "Nobody's")
    data.pop("starters_everyone", None)
    before = ProcessTemplate.objects.count()
    response = admin_client.post(reverse("workflows:template_create"), data)
    assert response.status_code == 400
    assert "Choose who may start it" in response.content.decode()
    assert ProcessTemplate.objects.count() == before


def test_versions_and_a_read_only_version(admin_client, org):
    payment = ProcessTemplate.objects.get(key="payment")
    data = form_data(admin_client.get(_edit_url(payment)).content.decode())
    _set(data, "steps-1-condition_value", "200000")
    _set(data, "comment", "CFO from 200,000")
    assert admin_client.post(_edit_url(payment), data).status_code == 302
    page = admin_client.get(reverse("workflows:template_versions", args=[payment.pk])).content.decode()
    assert "Version 2" in page and "Version 1" in page and "CFO from 200,000" in page
    assert str(org.admin) in page
    first = admin_client.get(reverse("workflows:template_version", args=[payment.pk, 1]))
    assert first.status_code == 200
    html = first.content.decode()
    assert "if Amount &gt; 100000" in html and "Role: Financial director" in html
    assert "The requester&#x27;s supervisor" in html and "1 working day" in html
    second = admin_client.get(reverse("workflows:template_version", args=[payment.pk, 2])).content.decode()
    assert "if Amount &gt; 200000" in second
    assert admin_client.get(reverse("workflows:template_version", args=[payment.pk, 3])).status_code == 404


def test_delete_a_template_without_processes(admin_client, org):
    template = ProcessTemplateFactory(name="Scratch")
    url = reverse("workflows:template_delete", args=[template.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url).status_code == 302
    assert not ProcessTemplate.objects.filter(name="Scratch").exists()
    payment = ProcessTemplate.objects.get(key="payment")
    Process.objects.create(
        template=payment,
        version=payment.current_version,
        kind=payment.kind,
        title="Paid",
        requester=org.east_rep,
        status=ProcessStatus.APPROVED,
        submitted_at=payment.created_at,
    )
    response = admin_client.post(reverse("workflows:template_delete", args=[payment.pk]))
    assert response.status_code == 400 and "deactivate it instead" in response.content.decode()
    assert ProcessTemplate.objects.filter(pk=payment.pk).exists()


def _make_templates(count: int, org) -> None:
    for n in range(count):
        template = ProcessTemplateFactory(name=f"Extra {n}", starters_everyone=False)
        template.start_departments.add(org.sales)
        template.viewer_roles.add(ProcessRole.objects.get(key="hr"))
        Process.objects.create(
            template=template,
            version=template.current_version,
            kind=template.kind,
            title=f"Request {n}",
            requester=org.east_rep,
            status=ProcessStatus.RUNNING,
            submitted_at=template.created_at,
        )


def test_template_list_query_budget(admin_client, org, django_assert_max_num_queries):
    url = reverse("workflows:template_list")
    _make_templates(3, org)
    admin_client.get(url)  # the company and the session, cached by the first page
    with django_assert_max_num_queries(14) as few:
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(re.findall(r'id="wf-template-\d+"', response.content.decode())) == 5 + 3
    _make_templates(27, org)
    with django_assert_max_num_queries(14) as many:
        response = admin_client.get(url)
    assert len(re.findall(r'id="wf-template-\d+"', response.content.decode())) == 5 + 30
    assert len(many.captured_queries) == len(few.captured_queries)
    html = response.content.decode()
    assert "Extra 26" in html and "Sales" in html


def test_template_list_filters(admin_client):
    ProcessTemplate.objects.filter(key="trip").update(is_active=False)

    def listed(**filters) -> set[str]:
        html = admin_client.get(reverse("workflows:template_list"), filters).content.decode()
        ids = re.findall(r'id="wf-template-(\d+)"', html)
        return set(ProcessTemplate.objects.filter(pk__in=ids).values_list("key", flat=True))

    assert listed() == {"leave", "payment", "contract", "expense", "trip"}
    assert listed(active="0") == {"trip"}
    assert listed(active="1") == {"leave", "payment", "contract", "expense"}
    assert listed(kind="payment") == {"payment"}
    assert listed(q="contr") == {"contract"}


# --- roles pages ----------------------------------------------------------------------------------------


def test_role_pages_round_trip(admin_client, org):
    listing = admin_client.get(reverse("workflows:role_list"))
    assert listing.status_code == 200
    assert "Outgoing payment" in listing.content.decode()  # the accountant's routes
    response = admin_client.post(
        reverse("workflows:role_create"),
        {
            "name": "Buyer",
            "key": "buyer",
            "description": "Buys",
            "members": [org.sales_rep.pk, org.it_head.pk],
        },
    )
    assert response.status_code == 302
    role = ProcessRole.objects.get(key="buyer")
    assert set(role.members.all()) == {org.sales_rep, org.it_head}
    edit = reverse("workflows:role_edit", args=[role.pk])
    page = admin_client.get(edit).content.decode()
    assert org.sales_rep.full_name in page  # the picker's chips are labelled
    response = admin_client.post(edit, {"name": "Purchaser", "key": "changed", "members": [org.it_head.pk]})
    assert response.status_code == 302
    role.refresh_from_db()
    assert (role.name, role.key) == ("Purchaser", "buyer")  # the code stays
    assert list(role.members.all()) == [org.it_head]
    bad = admin_client.post(reverse("workflows:role_create"), {"name": "Again", "key": "buyer"})
    assert bad.status_code == 400 and "A role with this code exists already." in bad.content.decode()
    delete = reverse("workflows:role_delete", args=[role.pk])
    assert admin_client.get(delete).status_code == 200
    assert admin_client.post(delete).status_code == 302
    assert not ProcessRole.objects.filter(key="buyer").exists()
    builtin = ProcessRole.objects.get(key="cfo")
    refused = admin_client.post(reverse("workflows:role_delete", args=[builtin.pk]))
    assert refused.status_code == 400 and ProcessRole.objects.filter(key="cfo").exists()


def test_role_list_query_budget(admin_client, org, django_assert_max_num_queries):
    from tests.workflows.factories import ProcessRoleFactory

    ProcessRoleFactory.create_batch(2, members=[org.sales_rep, org.it_head])
    admin_client.get(reverse("workflows:role_list"))  # the company and the session, cached by the first page
    with django_assert_max_num_queries(12) as few:
        assert admin_client.get(reverse("workflows:role_list")).status_code == 200
    ProcessRoleFactory.create_batch(20, members=[org.sales_rep, org.it_head, org.ceo])
    with django_assert_max_num_queries(12) as many:
        html = admin_client.get(reverse("workflows:role_list")).content.decode()
    assert len(re.findall(r'id="wf-role-\d+"', html)) == 4 + 22
    assert len(many.captured_queries) == len(few.captured_queries)


def test_version_numbers_never_repeat(admin_client):
    payment = ProcessTemplate.objects.get(key="payment")
    for value in ("200000", "300000"):
        data = form_data(admin_client.get(_edit_url(payment)).content.decode())
        _set(data, "steps-1-condition_value", value)
        assert admin_client.post(_edit_url(payment), data).status_code == 302
    assert list(TemplateVersion.objects.filter(template=payment).values_list("number", flat=True)) == [
        3,
        2,
        1,
    ]
