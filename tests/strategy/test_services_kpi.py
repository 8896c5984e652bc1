"""KPI cards: holders, weighted and capped scores, per-person formulas evaluated once for every holder in a
constant number of queries, confirmation by the supervisor, the payroll export's content."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from portal.core.audit import AuditLog
from portal.core.errors import Invalid, NotAllowed, NotFound
from strategy.exports import kpi_scores_xlsx
from strategy.models import KpiScore
from strategy.selectors import kpi as selectors
from strategy.services import indicators as indicator_services
from strategy.services import kpi as services
from tests.people.factories import UserFactory
from tests.strategy.factories_indicators import (
    FIRST,
    IndicatorFactory,
    KpiCardFactory,
    Points,
    card_line,
    formula_indicator,
    make_strategy_manager,
)

pytestmark = pytest.mark.django_db

JAN = FIRST


@pytest.fixture
def manager(org):
    return make_strategy_manager(org.it_head)


@pytest.fixture
def points():
    with Points().registered() as points:
        yield points


def per_person(**kwargs):
    return formula_indicator(subject_kind="person", formula="test.points(person)", **kwargs)


def test_the_score_is_the_weighted_mean_of_capped_achievements(org, manager, points):
    calls = per_person(owner=org.sales_head, name="Calls", default_target=Decimal(100))
    plan = IndicatorFactory(owner=org.sales_head, name="Plan", default_target=Decimal(200))
    indicator_services.indicator_value_enter(actor=org.sales_head, indicator=plan, period=JAN, value=100)
    card = KpiCardFactory(holder_kind="person", person=org.sales_rep)
    card_line(card, calls, weight=3, cap=120)
    card_line(card, plan, weight=1, cap=100)
    points.set(150, person=org.sales_rep, month=JAN)
    assert services.kpi_scores_compute(period=JAN) == 1
    score = KpiScore.objects.get()
    # Calls: 150 / 100 = 1.5, capped at 1.2, weight 3; plan: 100 / 200 = 0.5, weight 1 -> (3.6 + 0.5) / 4.
    assert score.score == Decimal("102.50")
    lines = {line["name"]: line for line in score.lines}
    assert (lines["Calls"]["achievement"], lines["Calls"]["counted"]) == ("1.5000", "1.2000")
    assert lines["Plan"]["counted"] == "0.5000"
    # A line's own target wins over the indicator's.
    card.lines.filter(indicator=plan).update(target=Decimal(100))
    services.kpi_scores_compute(period=JAN)
    score.refresh_from_db()
    assert score.score == Decimal("115.00")  # (3.6 + 1) / 4


def test_a_missing_value_counts_nothing_and_says_so(org, points):
    card = KpiCardFactory(person=org.sales_rep)
    card_line(card, IndicatorFactory(owner=org.sales_head, name="Plan"), weight=1)
    services.kpi_scores_compute(period=JAN)
    score = KpiScore.objects.get()
    assert score.score == 0 and score.lines[0]["error"]


def test_holders_by_position_and_department(org):
    org.east_rep.position = "Account manager"
    org.east_rep.save(update_fields=["position"])
    by_position = KpiCardFactory(holder_kind="position", person=None, position="Account manager")
    by_department = KpiCardFactory(holder_kind="department", person=None, department=org.sales)
    with_sub = KpiCardFactory(
        holder_kind="department", person=None, department=org.sales, include_subdepartments=True
    )
    holders = services.kpi_holders([by_position, by_department, with_sub])
    assert holders[by_position.pk] == [org.east_rep.pk]
    assert set(holders[by_department.pk]) == {org.sales_head.pk, org.sales_rep.pk}
    assert set(holders[with_sub.pk]) == {
        org.sales_head.pk, org.sales_rep.pk, org.east_head.pk, org.east_rep.pk, org.field_rep.pk,
    }  # fmt: skip


def test_many_people_cost_the_same_queries_and_one_evaluation_per_formula(org, points, django_db_blocker):
    calls = per_person(owner=org.sales_head, default_target=Decimal(10))
    plan = IndicatorFactory(owner=org.sales_head, default_target=Decimal(10))
    card = KpiCardFactory(
        holder_kind="department", person=None, department=org.east, include_subdepartments=True
    )
    card_line(card, calls)
    card_line(card, plan)
    second = KpiCardFactory(holder_kind="position", person=None, position="Specialist")
    card_line(second, calls)

    def run() -> int:
        points.calls = 0
        with CaptureQueriesContext(connection) as queries:
            services.kpi_scores_compute(period=JAN)
        assert points.calls == 1  # one formula, one evaluation, whatever the number of people and cards
        return len(queries)

    few = run()
    for n in range(30):
        person = UserFactory(department=org.east if n % 2 else org.field)
        points.set(n, person=person, month=JAN)
    KpiScore.objects.all().delete()
    many = run()
    assert many == few
    assert KpiScore.objects.filter(card=card).count() == 30 + 3


def test_the_supervisor_confirms_and_the_score_freezes(org, manager, points, monkeypatch):
    calls = per_person(owner=org.sales_head, default_target=Decimal(10))
    card = KpiCardFactory(person=org.east_rep)
    card_line(card, calls)
    points.set(5, person=org.east_rep, month=JAN)
    services.kpi_scores_compute(period=JAN)
    score = KpiScore.objects.get()
    with pytest.raises(NotAllowed):
        services.kpi_score_confirm(actor=org.east_rep, score=score)  # not one's own
    with pytest.raises(NotFound):
        services.kpi_score_confirm(actor=org.developer, score=score)
    services.kpi_score_confirm(actor=org.sales_head, score=score)  # the head above the person's department
    score.refresh_from_db()
    assert (score.status, score.confirmed_by) == ("confirmed", org.sales_head)
    assert AuditLog.objects.filter(action="strategy.kpi_score.confirm", target_id=str(score.pk)).exists()
    points.set(10, person=org.east_rep, month=JAN)
    services.kpi_scores_compute(period=JAN)
    score.refresh_from_db()
    assert score.score == Decimal("50.00")
    with pytest.raises(Invalid):
        services.kpi_card_delete(actor=manager, card=card)


def test_only_managers_make_cards_and_lines_are_checked(org, manager):
    indicator = IndicatorFactory(owner=org.sales_head)
    with pytest.raises(NotAllowed):
        services.kpi_card_create(
            actor=org.sales_head, name="X", holder_kind="person", person=org.sales_rep, lines=[]
        )
    with pytest.raises(Invalid) as refused:
        services.kpi_card_create(
            actor=manager, name="X", holder_kind="person", person=org.sales_rep, lines=[]
        )
    assert "lines" in refused.value.fields
    with pytest.raises(Invalid):
        services.kpi_card_create(
            actor=manager,
            name="X",
            holder_kind="person",
            person=org.sales_rep,
            lines=[{"indicator": indicator, "weight": 0}],
        )
    card = services.kpi_card_create(
        actor=manager,
        name="Sales manager",
        holder_kind="person",
        person=org.sales_rep,
        lines=[{"indicator": indicator, "weight": 2, "cap": 120}],
    )
    assert list(card.lines.values_list("indicator_id", "weight", "cap")) == [(indicator.pk, 2, 120)]


def test_who_sees_a_card_and_its_scores(org, points):
    card = KpiCardFactory(person=org.east_rep)
    card_line(card, per_person(owner=org.ceo))
    services.kpi_scores_compute(period=JAN)
    for viewer in (org.east_rep, org.east_head, org.sales_head, org.ceo, org.admin):
        assert selectors.kpi_card_get(user=viewer, pk=card.pk) == card
        assert selectors.kpi_score_list(user=viewer).count() == 1
    for viewer in (org.developer, org.sales_rep):
        with pytest.raises(NotFound):
            selectors.kpi_card_get(user=viewer, pk=card.pk)
        assert selectors.kpi_score_list(user=viewer).count() == 0


def test_the_payroll_export_holds_every_score_of_the_month(org, manager, points):
    calls = per_person(owner=org.sales_head, name="Calls", default_target=Decimal(100))
    card = KpiCardFactory(name="=Sales", holder_kind="department", person=None, department=org.east)
    card_line(card, calls, weight=1, cap=120)
    points.set(80, person=org.east_rep, month=JAN)
    points.set(130, person=org.east_head, month=JAN)
    services.kpi_scores_compute(period=JAN)
    quarterly = KpiCardFactory(name="Quarter", person=org.east_rep, period="quarter")
    card_line(quarterly, calls)
    services.kpi_scores_compute(period=JAN, card_ids=[quarterly.pk])  # ends in March: not January's pay
    data = kpi_scores_xlsx(selectors.kpi_payroll_scores(user=manager, month=datetime.date(2025, 1, 17)))
    book = load_workbook(io.BytesIO(data))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Person" and len(rows) == 3
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email[org.east_rep.email][6] == 80
    assert by_email[org.east_head.email][6] == 120  # capped
    assert by_email[org.east_rep.email][4] == "=Sales"  # text, not a formula
    assert book.worksheets[0].cell(row=2, column=5).data_type == "s"
    lines = list(book.worksheets[1].iter_rows(values_only=True))
    assert [row[3] for row in lines[1:]] == ["Calls", "Calls"]
    assert sorted(row[4] for row in lines[1:]) == [80, 130]


def test_the_supervisor_confirms_all_of_their_people_at_once(org, points):
    card = KpiCardFactory(
        holder_kind="department", person=None, department=org.sales, include_subdepartments=True
    )
    card_line(card, per_person(owner=org.ceo))
    services.kpi_scores_compute(period=JAN)
    assert (
        services.kpi_scores_confirm_all(actor=org.east_head, card=card, period=JAN) == 2
    )  # east_rep, field_rep
    confirmed = set(KpiScore.objects.filter(status="confirmed").values_list("person_id", flat=True))
    assert confirmed == {org.east_rep.pk, org.field_rep.pk}
    assert services.kpi_scores_confirm_all(actor=org.east_head, card=card, period=JAN) == 0
    with pytest.raises(Invalid):
        services.kpi_scores_confirm_all(actor=org.sales_head, card=card, period=datetime.date(2100, 1, 1))


def test_a_card_never_names_an_indicator_its_viewer_cannot_see(org, manager, points, client):
    """The card is the east rep's; one line's indicator is restricted to its owner. The rep, their supervisor and
    the export read the score and what the hidden line counted, never that indicator's name, value or target."""
    secret = per_person(
        owner=org.ceo, name="Board secret", visibility="restricted", default_target=Decimal(100)
    )
    open_one = IndicatorFactory(owner=org.sales_head, name="Open plan", default_target=Decimal(10))
    indicator_services.indicator_value_enter(actor=org.sales_head, indicator=open_one, period=JAN, value=5)
    card = KpiCardFactory(name="Rep card", person=org.east_rep)
    card_line(card, secret, weight=1, cap=100, target=Decimal(77))
    card_line(card, open_one, weight=1, cap=100)
    points.set(40, person=org.east_rep, month=JAN)
    services.kpi_scores_compute(period=JAN)
    for viewer in (org.east_rep, org.east_head):
        client.force_login(viewer)
        page = client.get(f"{card.get_absolute_url()}?period=2025-01").content.decode()
        assert "Board secret" not in page and "Open plan" in page and "An indicator you cannot see" in page
        score = KpiScore.objects.get()
        assert ">77<" not in page and f">{score.score}<" in page
        api_card = client.get(f"/api/v1/strategy/kpi-cards/{card.pk}/").json()
        assert [line["indicator"] for line in api_card["lines"]] == [None, open_one.pk]
        assert api_card["lines"][0]["target"] is None and api_card["lines"][0]["hidden"] is True
        listed = client.get("/api/v1/strategy/kpi-scores/").json()["results"]
        assert [line["name"] for line in listed[0]["lines"]] == ["An indicator you cannot see", "Open plan"]
        assert (
            listed[0]["lines"][0]["value"] is None and listed[0]["lines"][0]["counted"] == "0.5195"
        )  # 40 / 77
        export = client.get(reverse("strategy:kpi_export") + "?month=2025-01")
        lines = list(load_workbook(io.BytesIO(export.content)).worksheets[1].iter_rows(values_only=True))
        assert [row[3] for row in lines[1:]] == ["An indicator you cannot see", "Open plan"]
    # The stored score is untouched, and a strategy manager reads every name.
    assert [line["name"] for line in KpiScore.objects.get().lines] == ["Board secret", "Open plan"]
    client.force_login(manager)
    assert "Board secret" in client.get(f"{card.get_absolute_url()}?period=2025-01").content.decode()


def test_errors_are_stored_in_one_language_and_read_in_the_readers(org, manager, points, client):
    from django.utils import translation

    calls = per_person(owner=org.sales_head, name="Calls", default_target=Decimal(100))
    card = KpiCardFactory(person=org.east_rep)
    card_line(card, calls)
    with translation.override("ru"):  # a Russian manager computes on demand
        services.kpi_scores_compute(period=JAN, actor=manager)
    assert KpiScore.objects.get().lines[0]["error"] == "no value for test.points(person)"
    org.east_rep.language = "ru"
    org.east_rep.save(update_fields=["language"])
    client.force_login(org.east_rep)
    page = client.get(f"{card.get_absolute_url()}?period=2025-01").content.decode()
    assert "no value for" not in page and "test.points(person)" in page
