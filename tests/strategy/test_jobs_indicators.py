"""The indicator jobs: the nightly computing (locked, safe to repeat), the reminders of missing manual values
(once per indicator and period), and the "values to enter" counter: the incremental path equals the rebuild."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.notifications.counters import counters_get, counters_rebuild_all, counters_store
from portal.notifications.models import Notification, UserCounter
from strategy.jobs import indicator_values_remind_job, indicators_compute_job
from strategy.models import IndicatorValue, KpiScore
from strategy.registrations.indicators import VALUES_TO_ENTER
from strategy.services import indicators as services
from tests.strategy.factories_indicators import (
    IndicatorFactory,
    KpiCardFactory,
    Points,
    card_line,
    formula_indicator,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 4, 3)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a: TODAY)
    return TODAY


def test_the_nightly_job_computes_values_and_scores_and_repeats_safely(org, today):
    with Points().registered() as points:
        points.set(4, department=org.root, month=datetime.date(2025, 3, 1))
        points.set(9, person=org.east_rep, month=datetime.date(2025, 3, 1))
        indicator = formula_indicator(owner=org.ceo)
        per_person = formula_indicator(
            owner=org.ceo, subject_kind="person", formula="test.points(person)", default_target=Decimal(10)
        )
        card = KpiCardFactory(person=org.east_rep)
        card_line(card, per_person)
        assert indicators_compute_job() > 0
        assert indicator.values.get(period_start=datetime.date(2025, 3, 1)).value == 4
        assert IndicatorValue.objects.filter(indicator=per_person).count() == 0  # computed per holder only
        march = KpiScore.objects.get(card=card, period_start=datetime.date(2025, 3, 1))
        assert march.score == Decimal("90.00")
        assert indicators_compute_job() == 0


def test_owners_are_reminded_once_per_period(org, today):
    indicator = IndicatorFactory(owner=org.sales_rep, name="Leads")
    IndicatorFactory(owner=org.east_rep, name="Done")
    services.indicator_value_enter(
        actor=org.east_rep,
        indicator=IndicatorFactory(owner=org.east_rep, name="Entered", starts_on=datetime.date(2025, 3, 1)),
        period=datetime.date(2025, 3, 1),
        value=1,
    )
    assert indicator_values_remind_job() == 2  # Leads and Done; Entered has March's value
    assert indicator_values_remind_job() == 0
    reminders = Notification.objects.filter(kind="strategy.indicator_value_missing")
    assert sorted(reminders.values_list("recipient_id", flat=True)) == sorted(
        [org.sales_rep.pk, org.east_rep.pk]
    )
    assert "Leads" in reminders.get(recipient=org.sales_rep).title
    assert counters_get(org.sales_rep)[VALUES_TO_ENTER] == 3  # January to March
    assert indicator.pk


def test_values_to_enter_incremental_equals_rebuild(org, today, django_capture_on_commit_callbacks):
    first = IndicatorFactory(owner=org.sales_rep)
    IndicatorFactory(owner=org.sales_rep, period="quarter")
    IndicatorFactory(owner=org.east_rep, starts_on=datetime.date(2025, 2, 1))
    people = [org.sales_rep.pk, org.east_rep.pk]
    counters_store(people, [VALUES_TO_ENTER])
    with django_capture_on_commit_callbacks(execute=True):
        services.indicator_value_enter(
            actor=org.sales_rep, indicator=first, period=datetime.date(2025, 1, 1), value=3
        )
    incremental = dict(
        UserCounter.objects.filter(key=VALUES_TO_ENTER, user_id__in=people).values_list("user_id", "value")
    )
    assert incremental == {org.sales_rep.pk: 2 + 1, org.east_rep.pk: 2}
    UserCounter.objects.filter(key=VALUES_TO_ENTER).delete()
    counters_rebuild_all()
    rebuilt = dict(
        UserCounter.objects.filter(key=VALUES_TO_ENTER, user_id__in=people).values_list("user_id", "value")
    )
    assert rebuilt == incremental


def test_values_to_enter_follows_the_register(org, today, django_capture_on_commit_callbacks):
    from strategy.services import indicators as register
    from tests.strategy.factories_indicators import make_strategy_manager

    manager = make_strategy_manager(org.it_head)
    with django_capture_on_commit_callbacks(execute=True):
        indicator = register.indicator_create(
            actor=manager, name="Leads", owner=org.sales_rep, starts_on=datetime.date(2025, 1, 1)
        )
    assert counters_get(org.sales_rep)[VALUES_TO_ENTER] == 3
    with django_capture_on_commit_callbacks(execute=True):
        register.indicator_update(actor=manager, indicator=indicator, owner=org.east_rep)
    assert (counters_get(org.sales_rep)[VALUES_TO_ENTER], counters_get(org.east_rep)[VALUES_TO_ENTER]) == (
        0,
        3,
    )
    with django_capture_on_commit_callbacks(execute=True):
        register.indicator_delete(actor=manager, indicator=indicator)
    assert counters_get(org.east_rep)[VALUES_TO_ENTER] == 0
