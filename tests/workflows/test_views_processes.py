"""The process pages: starting one (bad input shows errors and stores nothing), its page with the route picture,
the history and the action box, one-click decisions from the home page's "waiting for me" list (htmx), withdraw,
edit and resubmit, a new version of a contract's draft, the downloads, the lists with their tabs, filters and
exports, and the query budgets of the lists and of the page."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from portal.workflows.models import Process, ProcessAction, ProcessFile, ProcessRole, ProcessTemplate
from portal.workflows.services.processes import process_act, process_start
from tests.people.factories import UserFactory
from tests.utils import assert_query_budget
from tests.workflows.factories import AbsenceTypeFactory, LeaveAllowanceFactory, process_laid

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def client_as(user) -> Client:
    """A browser-like client (forms posted as multipart, as pages post them) signed in as `user`."""
    client = Client()
    client.force_login(user)
    return client


def _file(name="invoice.pdf", content=b"%PDF-1.4\n% an invoice\n"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def template(key: str) -> ProcessTemplate:
    return ProcessTemplate.objects.get(key=key)


@pytest.fixture
def accountant(org):
    person = UserFactory(email="accountant@acme.test", department=org.it)
    role = ProcessRole.objects.get(key="accountant")
    role.members.add(person)
    return person


def payment(requester, *, amount="1200.00", counterparty="Paper & Co", invoice=True) -> Process:
    data = {
        "counterparty": counterparty,
        "amount": {"amount": amount, "currency": "USD"},
        "purpose": "Paper for the printers",
        "due_date": "2030-01-31",
    }
    return process_start(
        actor=requester,
        template=template("payment"),
        data=data,
        uploads={"invoice": [_file()]} if invoice else None,
    )


PAYMENT_POST = {
    "counterparty": "Paper & Co",
    "amount_0": "1200",
    "amount_1": "USD",
    "purpose": "Paper for the printers",
    "due_date": "2030-01-31",
}


# --- starting -----------------------------------------------------------------------------------------------


def test_the_start_page_draws_the_templates_form(org):
    response = client_as(org.east_rep).get(reverse("workflows:process_start", args=[template("payment").pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for name in (
        'name="counterparty"',
        'name="amount_0"',
        'name="amount_1"',
        'name="due_date"',
        'name="invoice"',
    ):
        assert name in html
    assert 'enctype="multipart/form-data"' in html


def test_bad_input_shows_the_errors_and_stores_nothing(org):
    client = client_as(org.east_rep)
    url = reverse("workflows:process_start", args=[template("payment").pk])
    before = (Process.objects.count(), ProcessFile.objects.count(), ProcessAction.objects.count())
    response = client.post(
        url,
        {**PAYMENT_POST, "amount_0": "lots", "counterparty": "", "invoice": _file(content=b"")},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-error-for="counterparty"' in html
    assert 'data-error-for="amount"' in html
    assert 'data-error-for="invoice"' in html
    assert 'id="wf-form-errors"' in html
    assert (Process.objects.count(), ProcessFile.objects.count(), ProcessAction.objects.count()) == before


def test_a_valid_form_starts_the_process_and_leads_to_its_page(org):
    client = client_as(org.east_rep)
    response = client.post(
        reverse("workflows:process_start", args=[template("payment").pk]),
        {**PAYMENT_POST, "invoice": _file()},
    )
    process = Process.objects.get()
    assert response.status_code == 302 and response["Location"] == process.get_absolute_url()
    assert process.requester == org.east_rep and process.status == "running"
    assert str(process.amount.amount) == "1200.00" and process.counterparty == "Paper & Co"
    assert process.files.get().name == "invoice.pdf"
    assert process.data["invoice"] == [process.files.get().pk]


def test_a_template_one_may_not_start_is_404(org):
    restricted = template("payment")
    restricted.starters_everyone = False
    restricted.save(update_fields=["starters_everyone"])
    restricted.start_departments.add(org.it)
    url = reverse("workflows:process_start", args=[restricted.pk])
    assert client_as(org.east_rep).get(url).status_code == 404
    assert client_as(org.developer).get(url).status_code == 200


def test_the_leave_form_shows_the_balance_and_refreshes_it_as_the_dates_change(org):
    LeaveAllowanceFactory(user=org.east_rep, year=2031, days=3)
    leave = template("leave")
    client = client_as(org.east_rep)
    page = client.get(reverse("workflows:process_start", args=[leave.pk])).content.decode()
    assert 'id="wf-balance"' in page and "hx-get" in page
    partial = client.get(
        reverse("workflows:process_start", args=[leave.pk]),
        {"balance": "1", "period_0": "2031-03-03", "period_1": "2031-03-14"},
        **HTMX,
    ).content.decode()
    assert "Vacation left in 2031: 3 working days" in partial
    assert "this request: 10 working days" in partial and "data-balance-warning" in partial


def test_a_leave_request_beyond_the_balance_is_sent_with_a_warning(org):
    LeaveAllowanceFactory(user=org.east_rep, year=2031, days=3)
    vacation = AbsenceTypeFactory(key="vacation")
    client = client_as(org.east_rep)
    response = client.post(
        reverse("workflows:process_start", args=[template("leave").pk]),
        {"absence_type": vacation.pk, "period_0": "2031-03-03", "period_1": "2031-03-14"},
        follow=True,
    )
    assert response.status_code == 200
    assert Process.objects.filter(kind="leave", requester=org.east_rep).count() == 1
    assert "you have 3 left this year" in response.content.decode()


# --- the page -------------------------------------------------------------------------------------------------


def test_the_page_shows_the_route_picture(org, accountant):
    process = payment(org.east_rep)
    response = client_as(org.east_rep).get(process.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    route = html[html.index('id="wf-route"') : html.index("</ol>", html.index('id="wf-route"'))]
    states = [part.split('"')[0] for part in route.split('data-state="')[1:]]
    # sent, supervisor (current), financial director (skipped: 1,200 is under 100,000), accountant, decision
    assert states == ["start", "current", "skipped", "future", "end"]
    current = route[route.index('data-state="current"') :]
    current = current[: current.index("data-state=", 10)]
    assert 'aria-current="step"' in route
    assert str(org.east_head) in current and "Waiting for:" in current and "since" in current
    assert "Skipped: its condition does not hold" in route
    assert "Financial director" in route and "Accountant" in route
    # the form as entered, its file as a permission-checked download, the history
    invoice = process.files.get()
    assert reverse("workflows:file_download", args=[invoice.pk]) in html
    assert 'data-action="start"' in html
    # the requester may withdraw and comment, not decide
    assert 'id="wf-withdraw"' in html and 'id="wf-approve"' not in html and 'id="wf-comment"' in html


def test_the_approver_decides_on_the_page_and_the_route_moves_on(org, accountant):
    process = payment(org.east_rep)
    client = client_as(org.east_head)
    page = client.get(process.get_absolute_url()).content.decode()
    assert 'id="wf-approve"' in page and 'id="wf-reject"' in page and 'id="wf-return"' in page

    refused = client.post(
        reverse("workflows:process_act", args=[process.pk]), {"action": "reject"}, follow=True
    )
    assert "Say why in a comment." in refused.content.decode()
    process.refresh_from_db()
    assert process.status == "running"

    client.post(
        reverse("workflows:process_act", args=[process.pk]),
        {"action": "approve", "comment": "Fine", "step": process.current_step_id},
    )
    process.refresh_from_db()
    assert process.current_step.key == "accountant"
    html = client_as(org.east_rep).get(process.get_absolute_url()).content.decode()
    route = html[html.index('id="wf-route"') :]
    assert [part.split('"')[0] for part in route.split('data-state="')[1:6]] == [
        "start",
        "done",
        "skipped",
        "current",
        "end",
    ]
    assert str(accountant) in route[route.index('data-state="current"') :]
    assert "Fine" in html  # the history's comment


def test_already_decided_is_said_clearly(org, accountant):
    process = payment(org.east_rep)
    step = process.current_step_id
    process_act(actor=org.east_head, process=process, action="approve")
    response = client_as(org.east_head).post(
        reverse("workflows:process_act", args=[process.pk]), {"action": "approve", "step": step}, follow=True
    )
    html = response.content.decode()
    assert "Already decided: Approved by" in html and str(org.east_head.full_name) in html
    assert ProcessAction.objects.filter(process=process, kind="approve").count() == 1


# --- one click from the home page --------------------------------------------------------------------------


def test_approve_from_the_home_list_with_htmx(org, accountant):
    process = payment(org.east_rep)
    client = client_as(org.east_head)
    home = client.get(reverse("workflows:home")).content.decode()
    assert f'id="wf-waiting-{process.pk}"' in home and "data-approve" in home
    assert 'data-counter-keys="workflows_waiting"' in home

    response = client.post(
        reverse("workflows:process_act", args=[process.pk]),
        {"action": "approve", "from": "list", "step": process.current_step_id},
        **HTMX,
    )
    assert response.status_code == 200
    row = response.content.decode()
    assert row.startswith("<li") and f'id="wf-waiting-{process.pk}"' in row
    assert 'data-act-done="approve"' in row and "data-approve" not in row
    process.refresh_from_db()
    assert process.current_step.key == "accountant"
    assert f'id="wf-waiting-{process.pk}"' not in client.get(reverse("workflows:home")).content.decode()


def test_reject_from_the_list_needs_a_comment(org, accountant):
    process = payment(org.east_rep)
    client = client_as(org.east_head)
    url = reverse("workflows:process_act", args=[process.pk])
    row = client.post(url, {"action": "reject", "from": "list", "comment": " "}, **HTMX).content.decode()
    assert "data-act-error" in row and "Say why in a comment." in row and "data-approve" in row
    process.refresh_from_db()
    assert process.status == "running"

    row = client.post(url, {"action": "return", "from": "list", "comment": "Attach the contract"}, **HTMX)
    assert 'data-act-done="return"' in row.content.decode()
    process.refresh_from_db()
    assert process.status == "returned"
    assert process.actions.get(kind="return").comment == "Attach the contract"


def test_the_list_tells_the_loser_who_decided_first(org, accountant):
    process = payment(org.east_rep)
    step = process.current_step_id
    process_act(actor=org.east_head, process=process, action="approve")
    row = client_as(org.east_head).post(
        reverse("workflows:process_act", args=[process.pk]),
        {"action": "approve", "from": "list", "step": step},
        **HTMX,
    )
    assert "Already decided" in row.content.decode()


# --- the requester's actions -----------------------------------------------------------------------------


def test_withdraw(org, accountant):
    process = payment(org.east_rep)
    response = client_as(org.east_rep).post(reverse("workflows:process_withdraw", args=[process.pk]))
    assert response.status_code == 302
    process.refresh_from_db()
    assert process.status == "withdrawn" and process.finished_at is not None


def test_edit_and_resubmit_after_a_return(org, accountant):
    process = payment(org.east_rep)
    process_act(actor=org.east_head, process=process, action="return", comment="Wrong amount")
    client = client_as(org.east_rep)
    url = reverse("workflows:process_resubmit", args=[process.pk])
    page = client.get(url).content.decode()
    assert 'value="Paper &amp; Co"' in page and 'value="1200.00"' in page and "Wrong amount" in page
    assert "Kept unless you choose new files" in page

    bad = client.post(url, {**PAYMENT_POST, "amount_0": ""})
    assert bad.status_code == 400
    process.refresh_from_db()
    assert process.status == "returned" and process.round == 1

    response = client.post(url, {**PAYMENT_POST, "amount_0": "900", "resubmit_comment": "Fixed"})
    assert response.status_code == 302
    process.refresh_from_db()
    assert process.status == "running" and process.round == 2
    assert str(process.amount.amount) == "900.00"
    assert process.data["invoice"] == [process.files.get().pk]  # the invoice was kept
    assert process.actions.filter(kind="resubmit", comment="Fixed").exists()


def test_resubmit_is_only_the_requesters(org, accountant):
    process = payment(org.east_rep)
    process_act(actor=org.east_head, process=process, action="return", comment="Again")
    assert (
        client_as(org.east_head).get(reverse("workflows:process_resubmit", args=[process.pk])).status_code
        == 404
    )


def test_a_new_version_of_the_contracts_draft_starts_the_approval_again(org):
    contract = process_start(
        actor=org.east_rep,
        template=template("contract"),
        data={
            "counterparty": "Client Ltd",
            "subject": "Support",
            "amount": {"amount": "5000", "currency": "EUR"},
        },
        uploads={"draft": [_file("draft-v1.pdf")]},
    )
    client = client_as(org.east_rep)
    page = client.get(contract.get_absolute_url()).content.decode()
    assert 'id="wf-revise-form"' in page
    response = client.post(
        reverse("workflows:process_file", args=[contract.pk]), {"file": _file("draft-v2.pdf", b"%PDF-1.4 v2")}
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.round == 2
    newest = contract.files.order_by("-version").first()
    assert newest.name == "draft-v2.pdf" and newest.version == 2 and contract.data["draft"] == [newest.pk]
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "Earlier versions" in page and "draft-v1.pdf" in page


def test_files_download_for_those_who_see_the_process(org, accountant):
    process = payment(org.east_rep)
    url = reverse("workflows:file_download", args=[process.files.get().pk])
    response = client_as(org.east_rep).get(url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client_as(org.east_head).get(url).status_code == 200
    assert client_as(org.developer).get(url).status_code == 404


# --- lists -------------------------------------------------------------------------------------------------


def test_the_tabs_and_filters_of_the_list(org, accountant):
    mine = payment(org.east_rep, counterparty="Paper & Co", amount="1200.00")
    big = payment(org.field_rep, counterparty="Steel Inc", amount="250000.00")
    other = payment(org.developer, counterparty="Cloud Hosting", amount="50.00")
    client = client_as(org.east_head)
    url = reverse("workflows:process_list")

    def shown(**params):
        html = client.get(url, params).content.decode()
        return {p.pk for p in (mine, big, other) if f'data-process="{p.pk}"' in html}

    assert shown(scope="mine") == set()
    assert shown(scope="waiting") == {mine.pk, big.pk}
    assert shown(scope="all") == {mine.pk, big.pk}  # the developer's is outside east_head's sub-tree
    assert shown(scope="all", amount_min="1000", amount_max="2000") == {mine.pk}
    assert shown(scope="all", q="steel") == {big.pk}
    # the filter form sends its empty inputs too: they mean "any"
    assert shown(scope="all", q="steel", status="", template="", kind="", department="", amount_min="") == {
        big.pk
    }
    assert shown(scope="all", department=org.field.pk) == {big.pk}
    assert shown(scope="all", department=org.east.pk) == {mine.pk, big.pk}
    assert shown(scope="all", status="approved") == set()
    assert client_as(org.east_rep).get(url, {"scope": "mine"}).content.decode().count("data-process=") == 1
    # the accountant sees every payment (the template's viewer role)
    html = client_as(accountant).get(url, {"scope": "all"}).content.decode()
    assert all(f'data-process="{p.pk}"' in html for p in (mine, big, other))


def test_the_export_follows_the_filters(org, accountant):
    payment(org.east_rep, counterparty="=HYPERLINK(1)", amount="1200.00")
    payment(org.field_rep, counterparty="Steel Inc", amount="250000.00")
    client = client_as(org.east_head)
    response = client.get(
        reverse("workflows:process_export"), {"format": "csv", "scope": "all", "amount_max": "5000"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Number", "Title", "Template"]
    assert len(rows) == 2 and rows[1][12] == "'=HYPERLINK(1)" and rows[1][7] == str(org.east_head)

    xlsx = client.get(reverse("workflows:process_export"), {"format": "xlsx", "scope": "waiting"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 3 and {row[12] for row in values[1:]} == {"=HYPERLINK(1)", "Steel Inc"}
    assert client.get(reverse("workflows:process_export"), {"format": "pdf"}).status_code == 404


# --- query budgets --------------------------------------------------------------------------------------------


def _lay(count: int, *, requester, approver, template_key="payment"):
    chosen = template(template_key)
    for _n in range(count):
        process_laid(requester=requester, approvers=[approver], template=chosen, title="Laid")


@pytest.mark.parametrize("scope", ["mine", "waiting", "all"])
def test_the_list_costs_the_same_at_3_and_at_30_processes(org, scope):
    client = client_as(org.east_head)
    url = reverse("workflows:process_list") + f"?scope={scope}"
    _lay(3, requester=org.east_rep, approver=org.east_head)
    _lay(3, requester=org.east_head, approver=org.sales_head)

    def grow():
        _lay(27, requester=org.east_rep, approver=org.east_head)
        _lay(27, requester=org.east_head, approver=org.sales_head)

    def fetch():
        response = client.get(url)
        assert response.status_code == 200

    fetch()  # the session's first read
    assert_query_budget(fetch, grow, budget=30)


def test_the_home_page_costs_the_same_at_3_and_at_30_processes(org):
    client = client_as(org.east_head)
    _lay(3, requester=org.east_rep, approver=org.east_head)
    _lay(3, requester=org.east_head, approver=org.sales_head)

    def grow():
        _lay(27, requester=org.east_rep, approver=org.east_head)
        _lay(27, requester=org.east_head, approver=org.sales_head)

    client.get(reverse("workflows:home"))  # the session's first read
    assert_query_budget(lambda: client.get(reverse("workflows:home")), grow, budget=30)


def test_the_detail_page_has_a_query_budget(org, accountant):
    process = payment(org.east_rep)
    client = client_as(org.east_head)

    def grow():
        for n in range(10):
            process_act(actor=org.east_rep, process=process, action="comment", comment=f"Note {n}")

    client.get(process.get_absolute_url())  # the session's first read
    assert_query_budget(lambda: client.get(process.get_absolute_url()), grow, budget=40)
