"""The goals' jobs: the recompute job takes ids and is safe to repeat; the nightly sweep applies every open
goal's rule (a manual value entered without an event) and takes a lock."""

from __future__ import annotations

from decimal import Decimal

import pytest

from strategy.choices import GoalHorizon, GoalStatus, ProgressRule
from strategy.jobs import goal_progress_recompute_job, goal_progress_sweep_job
from strategy.models import Goal
from tests.strategy.factories import GoalFactory

pytestmark = pytest.mark.django_db


def test_recompute_job_is_safe_to_repeat(org):
    top = GoalFactory(owner=org.ceo, horizon=GoalHorizon.STRATEGIC, progress_rule=ProgressRule.CHILDREN)
    leaf = GoalFactory(
        owner=org.ceo, parent=top, progress_rule=ProgressRule.MANUAL, manual_progress=Decimal("0.4")
    )
    assert set(goal_progress_recompute_job(goal_ids=[leaf.pk])) == {leaf.pk, top.pk}
    assert goal_progress_recompute_job(goal_ids=[leaf.pk]) == []
    assert goal_progress_recompute_job(goal_ids=[999_999_999]) == []


def test_sweep_recomputes_open_goals_and_leaves_dropped_ones(org):
    open_goal = GoalFactory(owner=org.ceo, progress_rule=ProgressRule.MANUAL, manual_progress=Decimal("0.7"))
    dropped = GoalFactory(
        owner=org.ceo,
        status=GoalStatus.DROPPED,
        progress_rule=ProgressRule.MANUAL,
        manual_progress=Decimal("0.9"),
    )
    assert goal_progress_sweep_job() == 1
    assert Goal.objects.get(pk=open_goal.pk).progress == Decimal("0.7000")
    assert Goal.objects.get(pk=dropped.pk).progress == Decimal("0")
    assert goal_progress_sweep_job() == 0
