"""The indicator and KPI API: the register with the page's filters, a formula refused field by field in the shared
error shape, values entered and corrected, recompute, drill-down, metrics, KPI cards and scores, the schema."""

from __future__ import annotations

from decimal import Decimal

import pytest

from strategy.models import Indicator, KpiScore
from strategy.services import indicators as services
from tests.strategy.factories_indicators import (
    FIRST,
    IndicatorFactory,
    Points,
    formula_indicator,
    make_strategy_manager,
)
from tests.utils import client_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(org):
    return make_strategy_manager(org.it_head)


@pytest.fixture
def points():
    with Points().registered() as points:
        yield points


def test_the_register_takes_the_page_filters(org):
    red = IndicatorFactory(name="Churn", owner=org.sales_rep)
    IndicatorFactory(name="Revenue", owner=org.sales_rep)
    services.indicator_value_enter(actor=org.sales_rep, indicator=red, period=FIRST, value=1)
    client = client_as(org.east_rep)
    names = [row["name"] for row in client.get("/api/v1/strategy/indicators/").json()["results"]]
    assert names == ["Churn", "Revenue"]
    rows = client.get("/api/v1/strategy/indicators/?status=red").json()["results"]
    assert [row["name"] for row in rows] == ["Churn"] and rows[0]["last_status"] == "red"


def test_a_bad_formula_answers_400_on_its_field(org, manager, points):
    response = client_as(manager).post(
        "/api/v1/strategy/indicators/",
        {"name": "X", "owner": org.ceo.pk, "source": "formula", "formula": "__import__('os')"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["fields"]["formula"]
    created = client_as(manager).post(
        "/api/v1/strategy/indicators/",
        {"name": "X", "owner": org.ceo.pk, "source": "formula", "formula": "test.points(department)",
         "starts_on": "2025-01-01", "visibility": "company"},
    )  # fmt: skip
    assert created.status_code == 201 and created.json()["formula_version"] == 1
    changed = client_as(manager).patch(
        f"/api/v1/strategy/indicators/{created.json()['id']}/", {"formula": "test.points(department) * 2"}
    )
    assert changed.json()["formula_version"] == 2


def test_values_are_entered_corrected_and_keep_their_history(org):
    indicator = IndicatorFactory(owner=org.sales_rep)
    client = client_as(org.sales_rep)
    url = f"/api/v1/strategy/indicators/{indicator.pk}/values/"
    assert client.post(url, {"period": "2025-01-10", "value": "5"}).status_code == 201
    refused = client.post(url, {"period": "2025-01-10", "value": "6"})
    assert refused.status_code == 400 and "reason" in refused.json()["error"]["fields"]
    corrected = client.post(url, {"period": "2025-01-10", "value": "6", "reason": "Recount"})
    assert corrected.status_code == 201
    history = client.get(url).json()[0]["revisions"]
    assert [(r["kind"], r["reason"]) for r in history] == [("corrected", "Recount"), ("entered", "")]
    assert client_as(org.east_rep).post(url, {"period": "2025-02-10", "value": "1"}).status_code == 403


def test_recompute_drill_down_and_metrics(org, manager, points):
    points.set(2, department=org.root, month=FIRST)
    indicator = formula_indicator(owner=org.ceo)
    services.values_compute([indicator], [FIRST])
    services.indicator_update(actor=manager, indicator=indicator, formula="test.points(department) * 5")
    client = client_as(manager)
    response = client.post(f"/api/v1/strategy/indicators/{indicator.pk}/recompute/", {"since": "2025-01-01"})
    assert response.status_code == 200 and response.json()["changed"] >= 1
    value = indicator.values.get(period_start=FIRST)
    assert (value.value, value.formula_version) == (10, 2)
    sections = client.get(f"/api/v1/strategy/values/{value.pk}/records/").json()
    assert sections[0]["value"] == "2.0000" and len(sections[0]["rows"]) == 2
    keys = [metric["key"] for metric in client.get("/api/v1/strategy/metrics/").json()]
    assert "test.points" in keys


def test_kpi_cards_and_scores(org, manager, points):
    calls = formula_indicator(
        owner=org.ceo, subject_kind="person", formula="test.points(person)", default_target=Decimal(10)
    )
    client = client_as(manager)
    created = client.post(
        "/api/v1/strategy/kpi-cards/",
        {"name": "East", "holder_kind": "department", "department": org.east.pk, "period": "month",
         "lines": [{"indicator": calls.pk, "weight": "2", "cap": "120"}]},
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    card_id = created.json()["id"]
    points.set(12, person=org.east_rep, month=FIRST)
    computed = client.post(f"/api/v1/strategy/kpi-cards/{card_id}/compute/", {"period": "2025-01-01"})
    assert computed.json()["changed"] == 2
    mine = client_as(org.east_rep).get("/api/v1/strategy/kpi-scores/").json()["results"]
    assert [(row["person"], row["score"]) for row in mine] == [(org.east_rep.pk, "120.00")]
    score = KpiScore.objects.get(person=org.east_rep)
    assert client_as(org.east_rep).post(f"/api/v1/strategy/kpi-scores/{score.pk}/confirm/").status_code == 403
    confirmed = client_as(org.sales_head).post(f"/api/v1/strategy/kpi-scores/{score.pk}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert client_as(org.developer).get(f"/api/v1/strategy/kpi-cards/{card_id}/").status_code == 404


def test_the_schema_documents_the_strategy_api(org):
    schema = client_as(org.admin).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for route in (
        "/api/v1/strategy/indicators/",
        "/api/v1/strategy/indicators/{id}/values/",
        "/api/v1/strategy/indicators/{id}/recompute/",
        "/api/v1/strategy/values/{id}/records/",
        "/api/v1/strategy/metrics/",
        "/api/v1/strategy/kpi-cards/",
        "/api/v1/strategy/kpi-scores/{id}/confirm/",
    ):
        assert route in paths, route
    params = {p["name"] for p in paths["/api/v1/strategy/indicators/"]["get"]["parameters"]}
    assert {"q", "source", "status", "goal"} <= params
    assert Indicator.objects.count() == 0
