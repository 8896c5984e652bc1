"""The deals, pipelines and products API: create with lines, move with the error shape, filters, rights."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from crm.choices import StageKind
from crm.models import Deal
from tests.crm.factories import DealFactory, PipelineFactory, ProductFactory
from tests.utils import client_as, count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def crm_roles(db):
    from tests.crm.test_permissions_deals import default_roles

    return default_roles()


def test_create_with_lines_and_move(org):
    pipeline = PipelineFactory()
    first = pipeline.stages.order_by("sort").first()
    product = ProductFactory(price=Money("12.50", "USD"))
    api = client_as(org.east_rep)
    response = api.post(
        "/api/v1/crm/deals/",
        {
            "title": "API deal",
            "stage": first.pk,
            "currency": "USD",
            "lines": [{"product": product.pk, "quantity": "2"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "25.00" and body["lines"][0]["total"] == "25.00"
    lost = pipeline.stages.get(kind=StageKind.LOST)
    refused = api.post(f"/api/v1/crm/deals/{body['id']}/move/", {"stage": lost.pk}, format="json")
    assert refused.status_code == 400 and "lost_reason" in refused.json()["error"]["fields"]
    moved = api.post(
        f"/api/v1/crm/deals/{body['id']}/move/", {"stage": lost.pk, "lost_reason": "Price"}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["stage_kind"] == "lost"


def test_lines_in_another_currency_are_refused(org):
    deal = DealFactory(responsible=org.east_rep, amount=Money("1", "USD"))
    product = ProductFactory(price=Money("3", "EUR"))
    response = client_as(org.east_rep).put(
        f"/api/v1/crm/deals/{deal.pk}/lines/",
        {"lines": [{"product": product.pk, "quantity": 1}]},
        format="json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    assert not deal.lines.exists()


def test_list_shows_only_visible_deals_with_a_constant_query_count(org):
    pipeline = PipelineFactory()
    DealFactory(pipeline=pipeline, responsible=org.developer)
    for _ in range(3):
        DealFactory(pipeline=pipeline, responsible=org.east_rep)
    api = client_as(org.east_rep)
    response = api.get(f"/api/v1/crm/deals/?pipeline={pipeline.pk}")
    assert response.status_code == 200 and response.json()["count"] == 3
    before = count_queries(lambda: api.get(f"/api/v1/crm/deals/?pipeline={pipeline.pk}"))
    for _ in range(12):
        DealFactory(pipeline=pipeline, responsible=org.east_rep)
    after = count_queries(lambda: api.get(f"/api/v1/crm/deals/?pipeline={pipeline.pk}"))
    assert after == before
    assert Deal.objects.count() == 16


def test_pipelines_are_read_with_their_stages(org):
    pipeline = PipelineFactory(name="Store orders")
    response = client_as(org.east_rep).get("/api/v1/crm/pipelines/")
    found = next(p for p in response.json() if p["id"] == pipeline.pk)
    assert [s["kind"] for s in found["stages"]] == ["open", "open", "won", "lost"]
