"""The indicator services: the register's rights and checks, manual values and their corrections, versioned
formulas recomputed only on request, achievement and colours, the goals' roll-up input, "in red", the beat."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.core.audit import AuditLog
from portal.core.errors import Invalid, NotAllowed, NotFound
from strategy.models import Indicator, IndicatorValue
from strategy.models.indicators import achievement_of, period_start, rag_of
from strategy.selectors import indicators as selectors
from strategy.services import indicators as services
from tests.strategy.factories_indicators import (
    FIRST,
    IndicatorFactory,
    Points,
    formula_indicator,
    goal,
    make_strategy_manager,
)

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = FIRST, datetime.date(2025, 2, 1), datetime.date(2025, 3, 1)


@pytest.fixture
def manager(org):
    return make_strategy_manager(org.it_head)


@pytest.fixture
def points():
    with Points().registered() as points:
        yield points


# --- achievement ------------------------------------------------------------------------------------------------


def test_achievement_follows_the_direction_and_the_baseline():
    assert achievement_of(value=80, target=100, baseline=None, direction="higher") == Decimal("0.8")
    assert achievement_of(value=50, target=40, baseline=None, direction="lower") == Decimal("0.8")
    assert achievement_of(value=0, target=40, baseline=None, direction="lower") == 1
    # From a baseline of 60 to a target of 100, 80 is half-way; below the baseline counts 0.
    assert achievement_of(value=80, target=100, baseline=60, direction="higher") == Decimal("0.5")
    assert achievement_of(value=50, target=100, baseline=60, direction="higher") == 0
    # Lower is better from a baseline of 10 days to a target of 2: 6 days is half-way.
    assert achievement_of(value=6, target=2, baseline=10, direction="lower") == Decimal("0.5")
    assert achievement_of(value=None, target=100, baseline=None, direction="higher") is None
    assert rag_of(Decimal("0.95"), green_from=Decimal(100), amber_from=Decimal(90)) == "amber"
    assert rag_of(Decimal("0.5"), green_from=Decimal(100), amber_from=Decimal(90)) == "red"
    assert rag_of(Decimal("1.2"), green_from=Decimal(100), amber_from=Decimal(90)) == "green"


# --- the register ---------------------------------------------------------------------------------------------


def test_only_strategy_managers_create_and_the_formula_is_checked(org, manager, points):
    with pytest.raises(NotAllowed):
        services.indicator_create(actor=org.sales_head, name="Sales", owner=org.sales_rep)
    with pytest.raises(Invalid) as refused:
        services.indicator_create(
            actor=manager,
            name="Bad",
            owner=org.sales_rep,
            source="formula",
            formula="test.nothing(department)",
        )
    assert "formula" in refused.value.fields
    with pytest.raises(Invalid) as refused:
        services.indicator_create(
            actor=manager, name="Bad", owner=org.sales_rep, source="formula", formula="().__class__"
        )
    assert "formula" in refused.value.fields
    assert not Indicator.objects.exists()
    indicator = services.indicator_create(
        actor=manager,
        name="Points",
        owner=org.sales_rep,
        source="formula",
        formula="test.points(department) * 2",
        starts_on=datetime.date(2025, 1, 15),
    )
    assert indicator.formula_version == 1
    assert indicator.starts_on == JAN  # the first day of its period
    assert list(indicator.formulas.values_list("version", "text")) == [(1, "test.points(department) * 2")]
    assert AuditLog.objects.filter(action="strategy.indicator.create", target_id=str(indicator.pk)).exists()


def test_amber_must_start_below_green(org, manager):
    with pytest.raises(Invalid) as refused:
        services.indicator_create(
            actor=manager, name="X", owner=org.sales_rep, green_from=Decimal(80), amber_from=Decimal(90)
        )
    assert "amber_from" in refused.value.fields


# --- manual values ----------------------------------------------------------------------------------------------


def test_the_owner_enters_values_and_a_correction_needs_a_reason(org, manager):
    indicator = IndicatorFactory(owner=org.sales_rep, default_target=Decimal(100))
    with pytest.raises(NotAllowed):
        services.indicator_value_enter(actor=org.east_rep, indicator=indicator, period=JAN, value=5)
    value = services.indicator_value_enter(actor=org.sales_rep, indicator=indicator, period=JAN, value="95")
    assert (value.value, value.achievement, value.status) == (Decimal(95), Decimal("0.95"), "amber")
    with pytest.raises(Invalid) as refused:
        services.indicator_value_enter(actor=org.sales_rep, indicator=indicator, period=JAN, value=120)
    assert "reason" in refused.value.fields
    services.indicator_value_enter(
        actor=org.sales_rep,
        indicator=indicator,
        period=datetime.date(2025, 1, 20),
        value=120,
        reason="Late deal",
    )
    value.refresh_from_db()
    assert (value.value, value.status) == (Decimal(120), "green")
    history = list(
        value.revisions.order_by("created_at", "id").values_list("kind", "old_value", "new_value", "reason")
    )
    assert history == [
        ("entered", None, Decimal(95), ""),
        ("corrected", Decimal(95), Decimal(120), "Late deal"),
    ]
    assert value.revisions.filter(actor=org.sales_rep).count() == 2
    indicator.refresh_from_db()
    assert (indicator.last_period, indicator.last_value, indicator.last_status) == (
        JAN,
        Decimal(120),
        "green",
    )


def test_no_value_for_a_period_that_has_not_begun(org):
    indicator = IndicatorFactory(owner=org.sales_rep)
    next_year = timezone.localdate() + datetime.timedelta(days=400)
    with pytest.raises(Invalid):
        services.indicator_value_enter(actor=org.sales_rep, indicator=indicator, period=next_year, value=1)
    with pytest.raises(Invalid):
        services.indicator_value_enter(
            actor=org.sales_rep, indicator=indicator, period=datetime.date(2024, 12, 1), value=1
        )
    assert not IndicatorValue.objects.exists()


def test_a_target_change_recolours_the_stored_value(org, manager):
    indicator = IndicatorFactory(owner=org.sales_rep, default_target=Decimal(100))
    services.indicator_value_enter(actor=org.sales_rep, indicator=indicator, period=JAN, value=95)
    services.indicator_target_set(actor=manager, indicator=indicator, period=JAN, target=Decimal(190))
    value = IndicatorValue.objects.get(indicator=indicator, period_start=JAN)
    assert (value.target, value.achievement, value.status) == (Decimal(190), Decimal("0.5"), "red")
    assert list(selectors.indicator_red_list(user=org.ceo)) == [indicator]
    with pytest.raises(NotAllowed):
        services.indicator_target_set(actor=org.sales_rep, indicator=indicator, period=JAN, target=1)


# --- formulas -------------------------------------------------------------------------------------------------


def test_formulas_are_versioned_and_past_periods_recompute_only_on_request(org, manager, points):
    points.set(10, department=org.root, month=JAN)
    points.set(20, department=org.root, month=FEB)
    indicator = services.indicator_create(
        actor=manager, name="Points", owner=org.ceo, source="formula", formula="test.points(department)",
        starts_on=JAN,
    )  # fmt: skip
    services.values_compute([indicator], [JAN, FEB])
    assert dict(indicator.values.values_list("period_start", "value")) == {JAN: 10, FEB: 20}
    indicator = services.indicator_update(
        actor=manager, indicator=indicator, formula="test.points(department) * 3"
    )
    assert indicator.formula_version == 2
    # The stored values still say what version 1 gave.
    assert set(indicator.values.values_list("formula_version", flat=True)) == {1}
    assert dict(indicator.values.values_list("period_start", "value")) == {JAN: 10, FEB: 20}
    # The nightly beat leaves periods of an older version alone.
    services.indicators_compute_due(today=datetime.date(2025, 3, 10))
    assert dict(indicator.values.filter(period_start__lt=MAR).values_list("period_start", "value")) == {
        JAN: 10,
        FEB: 20,
    }
    changed = services.indicator_recompute(actor=manager, indicator=indicator, since=FEB)
    assert changed >= 1
    rows = {v.period_start: v for v in indicator.values.all()}
    assert (rows[JAN].value, rows[JAN].formula_version) == (10, 1)
    assert (rows[FEB].value, rows[FEB].formula_version) == (60, 2)
    revision = rows[FEB].revisions.order_by("-id").first()
    assert (revision.kind, revision.old_value, revision.new_value, revision.formula_version) == (
        "recomputed",
        Decimal(20),
        Decimal(60),
        2,
    )
    with pytest.raises(NotAllowed):
        services.indicator_recompute(actor=org.ceo, indicator=indicator, since=JAN)


def test_a_formula_without_data_stores_its_error(org, manager, points):
    indicator = formula_indicator(owner=org.ceo, formula="test.points(department) / 0")
    points.set(5, department=org.root, month=JAN)
    services.values_compute([indicator], [JAN])
    value = indicator.values.get()
    assert value.value is None and value.error and value.status == ""


def test_indicators_with_one_formula_are_evaluated_together(org, points):
    for department in (org.sales, org.east, org.it):
        points.set(3, department=department, month=JAN)
    indicators = [
        formula_indicator(owner=org.ceo, subject_kind="department", subject_department=d)
        for d in (org.sales, org.east, org.it)
    ]
    services.values_compute(indicators, [JAN])
    assert points.calls == 1
    assert IndicatorValue.objects.filter(value=3).count() == 3


def test_the_beat_is_safe_to_repeat(org, points):
    points.set(7, department=org.root, month=JAN)
    indicator = formula_indicator(owner=org.ceo)
    today = datetime.date(2025, 2, 10)
    first = services.indicators_compute_due(today=today)
    assert first == 2  # January (closed) and February (running)
    assert services.indicators_compute_due(today=today) == 0
    assert indicator.values.count() == 2


def test_drill_down_equals_the_value_and_uses_the_version_that_produced_it(org, manager, points):
    points.set(4, department=org.root, month=JAN)
    indicator = formula_indicator(owner=org.ceo)
    services.values_compute([indicator], [JAN])
    services.indicator_update(actor=manager, indicator=indicator, formula="test.points(department) + 100")
    value = indicator.values.get(period_start=JAN)
    sections = selectors.value_drill_down(user=org.ceo, value=value)
    assert [s.text for s in sections] == ["test.points(department)"]
    assert sections[0].value == value.value == 4
    assert len(sections[0].rows) == 4


# --- what the rest of the app reads -------------------------------------------------------------------------------


def test_goal_achievements_are_capped_and_weighted(org, manager):
    aim = goal(org.ceo)
    over = IndicatorFactory(owner=org.sales_rep, default_target=Decimal(100))
    under = IndicatorFactory(owner=org.sales_rep, default_target=Decimal(100))
    silent = IndicatorFactory(owner=org.sales_rep)
    services.indicator_update(actor=manager, indicator=over, goals={aim: 2})
    services.indicator_update(actor=manager, indicator=under, goals=[aim])
    services.indicator_update(actor=manager, indicator=silent, goals=[aim])
    services.indicator_value_enter(actor=org.sales_rep, indicator=over, period=JAN, value=150)
    services.indicator_value_enter(actor=org.sales_rep, indicator=under, period=JAN, value=40)
    assert selectors.goal_indicator_achievements([aim.pk]) == {
        aim.pk: [(Decimal(1), Decimal(2)), (Decimal("0.4"), Decimal(1))]
    }


def test_an_indicator_follows_its_goals_visibility(org, manager):
    hidden_goal = goal(org.sales_head, audience="restricted")
    indicator = IndicatorFactory(owner=org.sales_head, visibility="goals")
    services.indicator_update(actor=manager, indicator=indicator, goals=[hidden_goal])
    assert selectors.indicator_get(user=org.sales_head, pk=indicator.pk) == indicator
    assert selectors.indicator_get(user=org.ceo, pk=indicator.pk) == indicator  # the head above the owner
    with pytest.raises(NotFound):
        selectors.indicator_get(user=org.developer, pk=indicator.pk)
    restricted = IndicatorFactory(owner=org.sales_head, visibility="restricted")
    from portal.core.sharing import object_share

    object_share(actor=manager, obj=restricted, department=org.it)
    assert selectors.indicator_get(user=org.developer, pk=restricted.pk) == restricted
    with pytest.raises(NotFound):
        selectors.indicator_get(user=org.east_rep, pk=restricted.pk)


# --- values to enter --------------------------------------------------------------------------------------------


def test_values_to_enter_counts_closed_periods_without_a_value(org, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a: datetime.date(2025, 4, 10))
    indicator = IndicatorFactory(owner=org.sales_rep)
    IndicatorFactory(owner=org.sales_rep, period="quarter")
    formula_indicator(owner=org.sales_rep)  # computed, never entered
    assert selectors.values_to_enter([org.sales_rep.pk]) == {org.sales_rep.pk: 3 + 1}
    services.indicator_value_enter(actor=org.sales_rep, indicator=indicator, period=FEB, value=1)
    assert selectors.values_to_enter([org.sales_rep.pk, org.ceo.pk]) == {org.sales_rep.pk: 2 + 1}
    assert period_start("quarter", datetime.date(2025, 4, 10)) == datetime.date(2025, 4, 1)


def test_goals_given_as_a_list_keep_their_weights(org, manager):
    first, second = goal(org.ceo, title="First"), goal(org.ceo, title="Second")
    indicator = IndicatorFactory(owner=org.sales_rep)
    services.indicator_update(actor=manager, indicator=indicator, goals={first: 3})
    services.indicator_update(actor=manager, indicator=indicator, goals=[first, second])  # the page's form
    assert dict(indicator.goal_links.values_list("goal_id", "weight")) == {first.pk: 3, second.pk: 1}


@pytest.mark.parametrize(
    "formula",
    [
        "().__class__.__bases__[0].__subclasses__()",
        "__import__('os').system('true')",
        "test.points(department) ** 999999999",
        "(" * 200 + "1" + ")" * 200,
        "test.points(person)",  # a company indicator binds no person
        "test.points(department, department)",
    ],
)
def test_hostile_or_wrong_formulas_are_refused_not_run(org, manager, points, formula):
    with pytest.raises(Invalid) as refused:
        services.indicator_create(
            actor=manager, name="Hostile", owner=org.ceo, source="formula", formula=formula
        )
    assert refused.value.fields["formula"]
    assert points.calls == 0 and not Indicator.objects.exists()
