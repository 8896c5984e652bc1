"""The templates API (/api/v1/workflows/templates/): read-only; a person reads what they may start, admins
everything; the detail carries the current version's form and route."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.groups.models import Membership
from portal.workflows.models import ProcessTemplate
from portal.workflows.services import templates as services
from tests.groups.factories import WorkgroupFactory
from tests.utils import client_as
from tests.workflows.factories import SIMPLE_FIELDS, SIMPLE_STEPS, ProcessTemplateFactory

pytestmark = pytest.mark.django_db

LIST = reverse("workflows-template-list")


def _detail(template) -> str:
    return reverse("workflows-template-detail", args=[template.pk])


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


@pytest.fixture
def restricted(org):
    group = WorkgroupFactory(name="Buyers")
    Membership.objects.create(group=group, user=org.developer)
    sales = services.template_create(
        actor=org.admin,
        name="Sales bonus",
        fields=SIMPLE_FIELDS,
        steps=SIMPLE_STEPS,
        starters_everyone=False,
        start_departments=[org.sales],
    )
    buyers = services.template_create(
        actor=org.admin,
        name="Purchase",
        fields=SIMPLE_FIELDS,
        steps=SIMPLE_STEPS,
        starters_everyone=False,
        start_groups=[group],
    )
    old = services.template_create(
        actor=org.admin, name="Old form", fields=SIMPLE_FIELDS, steps=SIMPLE_STEPS, is_active=False
    )
    return sales, buyers, old


def test_each_person_reads_what_they_may_start(org, restricted):
    builtins = set(ProcessTemplate.objects.filter(key__isnull=False).values_list("name", flat=True))
    assert _names(client_as(org.east_rep).get(LIST)) == builtins | {"Sales bonus"}
    assert _names(client_as(org.developer).get(LIST)) == builtins | {"Purchase"}
    assert _names(client_as(org.admin).get(LIST)) == builtins | {"Sales bonus", "Purchase", "Old form"}


def test_detail_carries_the_current_form_and_route(org):
    payment = ProcessTemplate.objects.get(key="payment")
    response = client_as(org.east_rep).get(_detail(payment))
    assert response.status_code == 200
    body = response.json()
    assert (body["key"], body["kind"], body["version"], body["is_active"]) == ("payment", "payment", 1, True)
    assert body["fields"][1] == {
        "key": "amount",
        "label": "Amount",
        "type": "money",
        "required": True,
        "help": "",
        "choices": [],
        "purpose": "amount",
    }
    assert [s["key"] for s in body["steps"]] == ["supervisor", "cfo", "accountant"]
    cfo = body["steps"][1]
    assert cfo["rule"] == {"kind": "role", "role": "cfo"}
    assert cfo["condition"] == {"field": "amount", "op": "gt", "value": "100000"}
    assert cfo["deadline"] is None and body["steps"][0]["deadline"] == {"workdays": 1}

    # A new version is what the API shows from then on.
    steps = [s for s in payment.current_version.steps if s["key"] != "cfo"]
    services.template_version_save(
        actor=org.admin, template=payment, fields=payment.current_version.fields, steps=steps
    )
    body = client_as(org.east_rep).get(_detail(payment)).json()
    assert body["version"] == 2 and [s["key"] for s in body["steps"]] == ["supervisor", "accountant"]


def test_templates_a_person_may_not_start_answer_404(org, restricted):
    sales, buyers, old = restricted
    assert client_as(org.developer).get(_detail(sales)).status_code == 404
    assert client_as(org.east_rep).get(_detail(buyers)).status_code == 404
    assert client_as(org.east_rep).get(_detail(old)).status_code == 404
    assert client_as(org.admin).get(_detail(old)).status_code == 200
    assert client_as(org.admin).get(reverse("workflows-template-detail", args=[999_999])).status_code == 404
    assert client_as(None).get(LIST).status_code in (401, 403)


def test_the_api_is_read_only(org):
    payment = ProcessTemplate.objects.get(key="payment")
    admin = client_as(org.admin)
    assert admin.post(LIST, {"name": "X"}, format="json").status_code == 405
    assert admin.patch(_detail(payment), {"name": "X"}, format="json").status_code == 405
    assert admin.delete(_detail(payment)).status_code == 405
    payment.refresh_from_db()
    assert payment.name == "Outgoing payment"


@pytest.mark.parametrize("who", ["east_rep", "admin"])
def test_list_query_budget(org, who, django_assert_max_num_queries):
    client = client_as(getattr(org, who))
    client.get(LIST)  # the session and the company, cached by the first call
    ProcessTemplateFactory.create_batch(2)
    with django_assert_max_num_queries(6) as few:
        assert len(client.get(LIST).json()["results"]) == 7
    ProcessTemplateFactory.create_batch(30)
    with django_assert_max_num_queries(6) as many:
        assert client.get(LIST).json()["count"] == 37
    assert len(many.captured_queries) == len(few.captured_queries)
