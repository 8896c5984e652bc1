"""The demo company's strategy: a three-year goal tree with annual and quarterly goals per department, projects
linked with weights and status notes, tasks linked and orphan tasks left, in the demo's language."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from strategy.choices import GoalHorizon
from strategy.demo import seed_demo_strategy
from strategy.models import Goal, GoalProjectLink, GoalTaskLink, ProjectStatusNote, StrategyText
from strategy.selectors.orphans import work_shares

pytestmark = pytest.mark.django_db


def test_the_demo_strategy_goals(demo_company):
    assert re.search(
        r"Strategy: \d+ goals, \d+ project_links, \d+ status_notes, \d+ task_links", demo_company
    )
    strategic = Goal.objects.get(horizon=GoalHorizon.STRATEGIC)
    assert (strategic.period_end.year - strategic.period_start.year) == 2
    annual = Goal.objects.filter(horizon=GoalHorizon.ANNUAL, parent=strategic)
    assert annual.count() == 3
    quarterly = Goal.objects.filter(horizon=GoalHorizon.QUARTERLY, parent__in=annual)
    assert quarterly.values("department").distinct().count() >= 5
    assert Goal.objects.filter(horizon=GoalHorizon.MONTHLY, parent__in=quarterly).exists()
    assert GoalProjectLink.objects.count() >= 4 and ProjectStatusNote.objects.filter(rag="red").exists()
    assert GoalTaskLink.objects.exists()
    assert StrategyText.objects.get(pk=1).mission
    assert strategic.__class__.objects.filter(progress__gt=0).exists()
    # Some work serves no goal.
    today = timezone.localdate()
    people = list(GoalTaskLink.objects.values_list("linked_by_id", flat=True))
    shares = work_shares(person_ids=people, start=today.replace(year=today.year - 1), end=today)
    assert any(s.closed_untraced or s.closed == 0 for s in shares.values()) or not shares
    # A second run adds nothing.
    assert seed_demo_strategy() == {"goals": 0, "project_links": 0, "status_notes": 0, "task_links": 0}


def test_the_demo_texts_exist_in_both_languages():
    from strategy.demo import texts, texts_ru

    cyrillic = re.compile("[а-яё]", re.IGNORECASE)
    assert texts.ANNUAL.keys() == texts_ru.ANNUAL.keys()
    assert [q[:3] for q in texts.QUARTERLY] == [q[:3] for q in texts_ru.QUARTERLY]
    assert texts.PROJECTS == texts_ru.PROJECTS and texts.NOTES.keys() == texts_ru.NOTES.keys()
    assert all(cyrillic.search(q[3]) for q in texts_ru.QUARTERLY) and cyrillic.search(texts_ru.MISSION)
