"""The indicator pages: the register with its filters, an indicator's chart data and values, entering and
correcting a value, the formula error on the form, recomputing, the drill-down fragment; hidden is 404."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from strategy.models import Indicator, IndicatorValue
from strategy.services import indicators as services
from tests.strategy.factories_indicators import (
    FIRST,
    IndicatorFactory,
    Points,
    formula_indicator,
    make_strategy_manager,
)
from tests.strategy.factories_indicators import page_client as client_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(org):
    return make_strategy_manager(org.it_head)


@pytest.fixture
def points():
    with Points().registered() as points:
        yield points


def test_the_register_lists_and_filters(org):
    red = IndicatorFactory(name="Churn", owner=org.sales_rep, default_target=Decimal(100))
    IndicatorFactory(name="Revenue", owner=org.sales_rep)
    services.indicator_value_enter(actor=org.sales_rep, indicator=red, period=FIRST, value=10)
    client = client_as(org.east_rep)
    page = client.get(reverse("strategy:indicator_list")).content.decode()
    assert "Churn" in page and "Revenue" in page
    page = client.get(reverse("strategy:indicator_list") + "?status=red").content.decode()
    assert "Churn" in page and "Revenue" not in page
    rows = client.get(reverse("strategy:indicator_list") + "?q=rev", HTTP_HX_REQUEST="true").content.decode()
    assert "Revenue" in rows and "<html" not in rows


def test_the_indicator_page_carries_its_chart(org):
    indicator = IndicatorFactory(owner=org.sales_rep, default_target=Decimal(100), baseline=Decimal(50))
    services.indicator_value_enter(actor=org.sales_rep, indicator=indicator, period=FIRST, value=80)
    response = client_as(org.sales_rep).get(indicator.get_absolute_url())
    assert response.status_code == 200
    data = json.loads(response.context["chart"] and json.dumps(response.context["chart"]))
    assert data["labels"][0] == "2025-01"
    assert data["actual"][0] == 80.0 and data["target"][0] == 100.0
    # Green from 100 % and amber from 90 % of the way from the baseline 50 to the target 100.
    assert (data["green"][0], data["amber"][0]) == (100.0, 95.0)
    assert 'id="indicator-chart-data"' in response.content.decode()
    assert "<script>" not in response.content.decode()


def test_the_owner_enters_and_corrects_a_value_on_the_page(org):
    indicator = IndicatorFactory(owner=org.sales_rep)
    client = client_as(org.sales_rep)
    url = reverse("strategy:indicator_value_enter", args=[indicator.pk])
    assert client.post(url, {"period": FIRST.isoformat(), "value": "12"}).status_code == 302
    refused = client.post(url, {"period": FIRST.isoformat(), "value": "15"})
    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    client.post(url, {"period": FIRST.isoformat(), "value": "15", "reason": "Typo"})
    assert IndicatorValue.objects.get().value == 15


def test_a_bad_formula_is_refused_on_the_form(org, manager, points):
    response = client_as(manager).post(
        reverse("strategy:indicator_create"),
        {
            "name": "Bad",
            "period": "month",
            "direction": "higher",
            "starts_on": "2025-01-01",
            "green_from": "100",
            "amber_from": "90",
            "owner": org.sales_rep.pk,
            "source": "formula",
            "formula": "test.points(person) +",
            "subject_kind": "company",
            "visibility": "company",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["formula"]
    assert not Indicator.objects.exists()


def test_recompute_from_a_period_on_the_page(org, manager, points):
    points.set(2, department=org.root, month=FIRST)
    indicator = formula_indicator(owner=org.ceo)
    services.values_compute([indicator], [FIRST])
    services.indicator_update(actor=manager, indicator=indicator, formula="test.points(department) * 10")
    response = client_as(manager).post(
        reverse("strategy:indicator_recompute", args=[indicator.pk]), {"since": FIRST.isoformat()}
    )
    assert response.status_code == 302
    assert indicator.values.get(period_start=FIRST).value == 20


def test_the_drill_down_fragment_lists_the_records(org, points):
    points.set(3, department=org.root, month=FIRST)
    indicator = formula_indicator(owner=org.ceo)
    services.values_compute([indicator], [FIRST])
    value = indicator.values.get()
    url = reverse("strategy:indicator_value_drill_down", args=[indicator.pk, value.pk])
    fragment = client_as(org.east_rep).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.count("point ") == 3 and "<html" not in fragment


def test_a_hidden_indicator_is_404_everywhere(org, points):
    indicator = formula_indicator(owner=org.ceo, visibility="restricted")
    points.set(1, department=org.root, month=FIRST)
    services.values_compute([indicator], [FIRST])
    value = indicator.values.get()
    client = client_as(org.developer)
    for url in (
        indicator.get_absolute_url(),
        reverse("strategy:indicator_value_drill_down", args=[indicator.pk, value.pk]),
        f"/api/v1/strategy/indicators/{indicator.pk}/",
        f"/api/v1/strategy/values/{value.pk}/records/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        "Indicator" not in client.get(reverse("strategy:indicator_list")).content.decode().split("<tbody")[1]
    )


def test_kpi_pages_and_the_export(org, manager, points):
    from tests.strategy.factories_indicators import KpiCardFactory, card_line

    card = KpiCardFactory(name="Sales team", person=org.east_rep)
    card_line(card, formula_indicator(owner=org.ceo, subject_kind="person", formula="test.points(person)"))
    client = client_as(manager)
    assert "Sales team" in client.get(reverse("strategy:kpi_card_list")).content.decode()
    response = client.post(reverse("strategy:kpi_card_compute", args=[card.pk]), {"period": "2025-01-01"})
    assert response.status_code == 302
    page = client.get(card.get_absolute_url() + "?period=2025-01-01").content.decode()
    assert str(org.east_rep) in page
    export = client.get(reverse("strategy:kpi_export") + "?month=2025-01")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    assert datetime.date(2025, 1, 1)


def test_a_manager_makes_a_kpi_card_on_the_page(org, manager):
    from strategy.models import KpiCard

    indicator = IndicatorFactory(owner=org.sales_head, name="Plan")
    client = client_as(manager)
    assert client.get(reverse("strategy:kpi_card_create")).status_code == 200
    data = {
        "name": "Account managers",
        "holder_kind": "position",
        "position": "Account manager",
        "period": "quarter",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-indicator": indicator.pk,
        "lines-0-weight": "2",
        "lines-0-cap": "120",
    }
    assert client.post(reverse("strategy:kpi_card_create"), data).status_code == 302
    card = KpiCard.objects.get()
    assert (card.holder_kind, card.position, card.period) == ("position", "Account manager", "quarter")
    assert list(card.lines.values_list("indicator_id", "weight", "cap")) == [(indicator.pk, 2, 120)]
    refused = client.post(reverse("strategy:kpi_card_create"), {**data, "position": ""})
    assert refused.status_code == 400 and refused.context["form"].errors["position"]


def test_global_search_finds_only_indicators_one_may_see(org):
    from portal.core.search import search_all

    IndicatorFactory(name="Churn of key accounts", owner=org.sales_rep, visibility="company")
    IndicatorFactory(name="Churn secret", owner=org.ceo, visibility="restricted")
    found = dict(search_all(user=org.east_rep, query="churn"))
    titles = [hit.title for provider, hits in search_all(user=org.east_rep, query="churn") for hit in hits
              if provider.key == "indicators"]  # fmt: skip
    assert titles == ["Churn of key accounts"] and found
    mine = [hit.title for provider, hits in search_all(user=org.ceo, query="secret") for hit in hits
            if provider.key == "indicators"]  # fmt: skip
    assert mine == ["Churn secret"]
