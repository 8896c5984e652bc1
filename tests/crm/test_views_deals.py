"""Deal pages: the Kanban (columns, sums in SQL, a constant number of queries, more cards, the move), the deal
page, create (prefilled), edit with line items, delete."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from djmoney.money import Money

from crm.choices import StageKind
from crm.models import Deal, Pipeline
from crm.selectors import deals as deal_selectors
from tests.crm.factories import CompanyFactory, DealFactory, PipelineFactory, ProductFactory
from tests.utils import count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def crm_roles(db):
    """The default CRM roles, even after a live-server test flushed the database."""
    from tests.crm.test_permissions_deals import default_roles

    return default_roles()


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pipeline():
    """The default pipeline (the one made by the migrations steps aside)."""
    Pipeline.objects.update(is_default=False)
    return PipelineFactory(is_default=True)


def _stage(pipeline, kind, n=0):
    return list(pipeline.stages.filter(kind=kind).order_by("sort"))[n]


def test_kanban_columns_with_counts_and_sums_per_currency(org, pipeline, monkeypatch):
    monkeypatch.setattr(deal_selectors, "KANBAN_PAGE", 2)
    first = _stage(pipeline, StageKind.OPEN)
    for amount in ("10.10", "20.20", "30.30"):
        DealFactory(pipeline=pipeline, stage=first, responsible=org.east_rep, amount=Money(amount, "USD"))
    DealFactory(pipeline=pipeline, stage=first, responsible=org.east_rep, amount=Money("5", "EUR"))
    DealFactory(pipeline=pipeline, stage=first, responsible=org.developer, amount=Money("999", "USD"))
    page = client_as(org.east_rep).get(reverse("crm:deal_kanban"))
    assert page.status_code == 200
    columns = {c.stage.pk: c for c in page.context["columns"]}
    column = columns[first.pk]
    assert column.count == 4 and len(column.deals) == 2
    assert sorted(str(m) for m in column.sums) == sorted([str(Money("60.60", "USD")), str(Money("5", "EUR"))])
    assert [c.stage.kind for c in page.context["columns"]] == ["open", "open", "won", "lost"]
    more = client_as(org.east_rep).get(column.load_url)
    assert more.status_code == 200 and more.content.decode().count("<article") == 2


def test_kanban_query_count_does_not_grow(org, pipeline):
    client = client_as(org.east_rep)
    stages = list(pipeline.stages.all())
    for n in range(10):
        DealFactory(
            pipeline=pipeline, stage=stages[n % 2], responsible=org.east_rep, company=CompanyFactory()
        )
    url = reverse("crm:deal_kanban")
    client.get(url)
    small = count_queries(lambda: client.get(url))
    for n in range(50):
        DealFactory(
            pipeline=pipeline,
            stage=stages[n % 4],
            responsible=org.east_rep,
            company=CompanyFactory(),
            lost_reason="x" if stages[n % 4].kind == StageKind.LOST else "",
            stage_kind=stages[n % 4].kind,
        )
    big = count_queries(lambda: client.get(url))
    assert big == small, (small, big)
    assert big <= 20


def test_kanban_move_answers_the_card_and_the_column_numbers(org, pipeline):
    deal = DealFactory(pipeline=pipeline, responsible=org.east_rep, amount=Money("100", "USD"))
    target = _stage(pipeline, StageKind.OPEN, 1)
    client = client_as(org.east_rep)
    response = client.post(
        reverse("crm:deal_move", args=[deal.pk]), {"stage": target.pk}, HTTP_ACCEPT="application/json"
    )
    body = response.json()
    assert (
        response.status_code == 200 and body["stage"] == target.pk and f'data-id="{deal.pk}"' in body["html"]
    )
    assert body["columns"][str(target.pk)]["count"] == 1
    lost = _stage(pipeline, StageKind.LOST)
    response = client.post(
        reverse("crm:deal_move", args=[deal.pk]), {"stage": lost.pk}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "lost_reason"
    deal.refresh_from_db()
    assert deal.stage == target


def test_the_deal_page(org, pipeline):
    deal = DealFactory(pipeline=pipeline, responsible=org.east_rep, title="Office chairs")
    page = client_as(org.east_rep).get(reverse("crm:deal", args=[deal.pk]))
    text = page.content.decode()
    assert (
        page.status_code == 200
        and "Office chairs" in text
        and "crm-stage-bar" in text
        and "crm-timeline" in text
    )
    assert client_as(org.developer).get(reverse("crm:deal", args=[deal.pk])).status_code == 404


def test_create_prefilled_and_saved_with_lines(org, pipeline):
    company = CompanyFactory(responsible=org.east_rep)
    client = client_as(org.east_rep)
    page = client.get(reverse("crm:deal_create") + f"?company={company.pk}&pipeline={pipeline.pk}")
    assert page.status_code == 200 and page.context["form"].initial["company"] == company.pk
    product = ProductFactory(price=Money("2.50", "USD"))
    data = {
        "title": "Pens",
        "pipeline": pipeline.pk,
        "stage": "",
        "amount": "",
        "currency": "USD",
        "company": company.pk,
        "responsible": org.east_rep.pk,
        "probability": "",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": product.pk,
        "lines-0-quantity": "4",
        "lines-0-discount": "0",
        "lines-1-quantity": "1",
        "lines-1-discount": "0",
    }
    response = client.post(reverse("crm:deal_create"), data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    deal = Deal.objects.get(title="Pens")
    assert (
        deal.amount == Money(Decimal("10.00"), "USD") and deal.company == company and deal.lines.count() == 1
    )


def test_edit_and_delete(org, pipeline):
    deal = DealFactory(pipeline=pipeline, responsible=org.east_rep, amount=Money("1", "USD"))
    client = client_as(org.east_rep)
    assert client.get(reverse("crm:deal_edit", args=[deal.pk])).status_code == 200
    data = {
        "title": "Renamed",
        "amount": "7.00",
        "currency": "USD",
        "responsible": org.east_rep.pk,
        "observers": [org.sales_rep.pk],
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-quantity": "1",
        "lines-0-discount": "0",
    }
    response = client.post(reverse("crm:deal_edit", args=[deal.pk]), data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    deal.refresh_from_db()
    assert deal.title == "Renamed" and deal.amount == Money("7", "USD")
    assert list(deal.observer_links.values_list("user_id", flat=True)) == [org.sales_rep.pk]
    assert client.post(reverse("crm:deal_delete", args=[deal.pk])).status_code == 302
    assert not Deal.objects.filter(pk=deal.pk).exists()
