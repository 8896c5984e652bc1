"""Factories and helpers of the indicator and KPI tests: indicators, goals to link them to, a strategy manager,
and a test metric whose numbers the test sets (`points`)."""

from __future__ import annotations

import contextlib
import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Permission

from portal.core.metrics import SUBJECT_ARGS
from portal.core.registry import Metric, registry
from strategy.models import Goal, Indicator, IndicatorFormula, KpiCard, KpiCardLine
from strategy.models.indicators import period_start
from tests.people.factories import UserFactory

FIRST = datetime.date(2025, 1, 1)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Indicator {n}")
    owner = factory.SubFactory(UserFactory)
    unit = "%"
    period = "month"
    starts_on = FIRST
    default_target = Decimal(100)
    visibility = "company"

    @factory.post_generation
    def versioned(self, create, extracted, **kwargs):
        if create and self.formula and not self.formula_version:
            self.formula_version = 1
            self.save(update_fields=["formula_version"])
            IndicatorFormula.objects.create(indicator=self, version=1, text=self.formula)


def formula_indicator(**kwargs) -> Indicator:
    kwargs.setdefault("source", "formula")
    kwargs.setdefault("formula", "test.points(department)")
    kwargs.setdefault("subject_kind", "company")
    return IndicatorFactory(**kwargs)


def goal(owner, **kwargs) -> Goal:
    values = {
        "title": "Grow",
        "horizon": "annual",
        "period_start": datetime.date(2025, 1, 1),
        "period_end": datetime.date(2027, 12, 31),
        "owner": owner,
        "audience": "company",
    }
    values.update(kwargs)
    return Goal.objects.create(**values)


def make_strategy_manager(user):
    user.user_permissions.add(Permission.objects.get(codename="manage_strategy"))
    # Permissions are cached per person: a fresh object asks again.
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user.pk)


class KpiCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KpiCard

    name = factory.Sequence(lambda n: f"Card {n}")
    holder_kind = "person"
    person = factory.SubFactory(UserFactory)
    period = "month"


def card_line(card, indicator, weight=1, cap=100, target=None) -> KpiCardLine:
    return KpiCardLine.objects.create(
        card=card, indicator=indicator, weight=Decimal(str(weight)), cap=Decimal(str(cap)), target=target
    )


class Points:
    """The numbers of the test metric `test.points(person|department)`: {(person, department, month start):
    value}; each `compute` call is counted, and the drill-down lists one row per point."""

    def __init__(self):
        self.table: dict[tuple, Decimal] = {}
        self.calls = 0

    def set(self, value, *, person=None, department=None, month=FIRST):
        self.table[(getattr(person, "pk", person), getattr(department, "pk", department), month)] = (
            None if value is None else Decimal(str(value))
        )

    def compute(self, calls, start, end):
        self.calls += 1
        month = period_start("month", start)
        return {args: self.table.get((*args, month)) for args in calls}

    def drill_down(self, args, start, end, user):
        value = self.table.get((*args, period_start("month", start)))
        if value is None:
            return []
        return [(f"point {n + 1}", "") for n in range(int(value))]

    @contextlib.contextmanager
    def registered(self):
        metric = Metric(
            key="test.points",
            label="Points",
            args=SUBJECT_ARGS,
            compute=self.compute,
            drill_down=self.drill_down,
            unit="pts",
        )
        with registry.metrics.override(metric):
            yield self


def page_client(user):
    """Django's test client signed in as `user` (posts forms as forms, unlike the API client)."""
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client
