"""Factories and helpers of the goal, project and orphan-work tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Permission

from strategy.choices import GoalAudience, GoalHorizon, GoalStatus, Rag
from strategy.models import Goal, GoalProjectLink, GoalTaskLink, ProjectStatusNote
from tests.people.factories import UserFactory

YEAR = datetime.date.today().year


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    title = factory.Sequence(lambda n: f"Goal {n}")
    horizon = GoalHorizon.ANNUAL
    period_start = datetime.date(YEAR, 1, 1)
    period_end = datetime.date(YEAR, 12, 31)
    owner = factory.SubFactory(UserFactory)
    status = GoalStatus.ACTIVE
    weight = Decimal("1")
    audience = GoalAudience.COMPANY


class GoalTaskLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoalTaskLink

    goal = factory.SubFactory(GoalFactory)


class GoalProjectLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoalProjectLink

    goal = factory.SubFactory(GoalFactory)
    weight = Decimal("1")


class StatusNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectStatusNote

    author = factory.SubFactory(UserFactory)
    week = factory.LazyFunction(
        lambda: datetime.date.today() - datetime.timedelta(days=datetime.date.today().weekday())
    )
    rag = Rag.GREEN
    text = "On track."


def make_strategy_manager(user):
    """Give `user` the strategy managers' permission (what admins give in the admin)."""
    user.user_permissions.add(
        Permission.objects.get(codename="manage_strategy", content_type__app_label="strategy")
    )
    for attr in ("_perm_cache", "_user_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)
    return user
