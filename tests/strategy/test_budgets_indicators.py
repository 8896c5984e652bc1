"""Query budgets: the indicator register and the API list at 10 and 1,000 indicators, the indicator page and its
values at 10 and 1,000 values, the KPI card page at a few and many holders: the same number of queries."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from strategy.models import Indicator, IndicatorGoal, IndicatorValue, IndicatorValueRevision, KpiScore
from strategy.models.indicators import period_end, period_previous, period_start
from tests.people.factories import UserFactory
from tests.strategy.factories_indicators import (
    IndicatorFactory,
    KpiCardFactory,
    card_line,
    goal,
    page_client,
)
from tests.utils import assert_query_budget, client_as

pytestmark = pytest.mark.django_db

REGISTER_BUDGET = 14
PAGE_BUDGET = 18
_names = itertools.count()


def _indicators(org, count: int, aim) -> None:
    made = Indicator.objects.bulk_create(
        [
            Indicator(
                name=f"Bulk {next(_names)}",
                owner=org.sales_rep,
                visibility="goals" if n % 2 else "company",
                starts_on=datetime.date(2020, 1, 1),
                last_value=Decimal(n),
                last_status="red" if n % 3 else "green",
                last_period=datetime.date(2025, 1, 1),
            )
            for n in range(count)
        ]
    )
    IndicatorGoal.objects.bulk_create([IndicatorGoal(indicator=i, goal=aim) for i in made])


def test_the_register_does_not_grow_with_indicators(org):
    aim = goal(org.ceo)
    _indicators(org, 10, aim)
    client = page_client(org.east_rep)
    url = reverse("strategy:indicator_list")
    client.get(url)  # warm the per-process caches
    assert_query_budget(lambda: client.get(url), lambda: _indicators(org, 1000, aim), budget=REGISTER_BUDGET)
    api = client_as(org.east_rep)
    assert_query_budget(
        lambda: api.get("/api/v1/strategy/indicators/"),
        lambda: _indicators(org, 50, aim),
        budget=REGISTER_BUDGET,
    )


def _values(indicator: Indicator, count: int) -> None:
    """`count` more monthly values (and two revisions each) before the earliest one there is."""
    earliest = indicator.values.order_by("period_start").first()
    start = (
        period_previous("month", earliest.period_start)
        if earliest
        else period_start("month", timezone.localdate())
    )
    rows = []
    for _n in range(count):
        rows.append(
            IndicatorValue(
                indicator=indicator,
                period_start=start,
                period_end=period_end("month", start),
                value=Decimal(_n),
                status="amber",
                changed_by=indicator.owner,
                changed_at=timezone.now(),
            )
        )
        start = period_previous("month", start)
    IndicatorValue.objects.bulk_create(rows)
    IndicatorValueRevision.objects.bulk_create(
        [
            IndicatorValueRevision(
                value=row, kind=kind, new_value=row.value, actor=indicator.owner, created_at=timezone.now()
            )
            for row in rows
            for kind in ("entered", "corrected")
        ]
    )
    Indicator.objects.filter(pk=indicator.pk).update(starts_on=start)
    indicator.refresh_from_db()


def test_the_indicator_page_does_not_grow_with_values(org):
    aim = goal(org.ceo)
    indicator = IndicatorFactory(owner=org.sales_rep, visibility="goals")
    IndicatorGoal.objects.create(indicator=indicator, goal=aim)
    _values(indicator, 10)
    client = page_client(org.sales_rep)
    url = indicator.get_absolute_url()
    client.get(url)
    assert_query_budget(lambda: client.get(url), lambda: _values(indicator, 1000), budget=PAGE_BUDGET)
    api = client_as(org.sales_rep)
    assert_query_budget(
        lambda: api.get(f"/api/v1/strategy/indicators/{indicator.pk}/values/"),
        lambda: _values(indicator, 100),
        budget=PAGE_BUDGET,
    )


@pytest.mark.parametrize("viewer", ["admin", "sales_head"])
def test_the_kpi_card_page_does_not_grow_with_holders(org, viewer):
    manager = getattr(org, viewer)
    indicator = IndicatorFactory(owner=org.sales_head)
    card = KpiCardFactory(
        holder_kind="department", person=None, department=org.east, include_subdepartments=True
    )
    card_line(card, indicator)
    period = datetime.date(2025, 1, 1)

    def scores(count):
        people = [UserFactory(department=org.east) for _n in range(count)]
        KpiScore.objects.bulk_create(
            [
                KpiScore(card=card, person=p, period_start=period, period_end=period_end("month", period),
                         score=Decimal(50), lines=[], computed_at=timezone.now())
                for p in people
            ]
        )  # fmt: skip

    scores(3)
    client = page_client(manager)
    url = card.get_absolute_url() + "?period=2025-01-01"
    client.get(url)
    assert_query_budget(lambda: client.get(url), lambda: scores(40), budget=PAGE_BUDGET)
    assert client.get(url).content.decode().count(">Confirm<") == 43  # the supervisor and the manager confirm
