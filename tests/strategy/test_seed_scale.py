"""`manage.py seed_scale_strategy` (and `seed_scale --strategy-scale`): the strategy at scale for the benchmark."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from portal.groups.models import Membership
from portal.people.models import Company as PortalCompany
from portal.people.models import Department, User
from strategy.management.commands import seed_scale_strategy
from strategy.models import (
    Goal,
    GoalGrant,
    GoalProjectLink,
    GoalTaskLink,
    Indicator,
    IndicatorGoal,
    IndicatorValue,
    IndicatorValueRevision,
    KpiCard,
    ProjectStatusNote,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(db):
    """A small seeded company with tasks, without a strategy."""
    PortalCompany.objects.all().delete()
    call_command(
        "seed_scale",
        *("--employees", "40", "--groups", "8", "--entries", "0", "--tasks", "400", "--crm-scale", "0"),
        *("--workflows-scale", "0", "--strategy-scale", "0", "--kb-scale", "0"),
        verbosity=0,
    )


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_scale_strategy", *args, stdout=out)
    return out.getvalue()


def test_the_proportions_of_the_issue(company):
    assert not Goal.objects.exists()
    employees = User.objects.filter(is_staff=False).count()
    output = seed("--scale", "3")
    goals, indicators = round(0.4 * employees * 3), round(0.1 * employees * 3)
    assert f"Seeded strategy: {goals} goals" in output
    assert (Goal.objects.count(), Indicator.objects.count()) == (goals, indicators)
    # 5,000 people make the issue's 2,000 goals and 500 indicators.
    assert seed_scale_strategy.scale_counts(5000, 1.0) == {"goals": 2000, "indicators": 500}

    # A tree of every horizon: only strategic goals at the top, each child no longer than its parent.
    horizons = dict(Goal.objects.values_list("horizon").annotate(n=Count("id")))
    assert set(horizons) == {"strategic", "annual", "quarterly", "monthly"}
    assert set(Goal.objects.filter(parent=None).values_list("horizon", flat=True)) == {"strategic"}
    rank = {"strategic": 0, "annual": 1, "quarterly": 2, "monthly": 3}
    for goal in Goal.objects.exclude(parent=None).select_related("parent"):
        assert rank[goal.parent.horizon] <= rank[goal.horizon]
    # Owners are department heads; restricted goals are shared with their department.
    heads = set(Department.objects.exclude(head=None).values_list("head_id", flat=True))
    assert set(Goal.objects.values_list("owner_id", flat=True)) <= heads
    restricted = Goal.objects.filter(audience="restricted")
    assert restricted.exists()
    assert not restricted.exclude(grants__department__isnull=False).exists()
    assert set(Goal.objects.values_list("status", flat=True)) >= {"achieved", "active"}

    # Indicators: manual and formula ones, 36 monthly values each (per-person formulas have none), linked to goals.
    sources = set(Indicator.objects.values_list("source", flat=True))
    assert sources == {"manual", "formula"}
    series = Indicator.objects.exclude(subject_kind="person")
    assert IndicatorValue.objects.count() == 36 * series.count()
    assert IndicatorValueRevision.objects.count() >= IndicatorValue.objects.count()
    assert not series.filter(last_period=None).exists()
    assert IndicatorGoal.objects.exists()
    # Every formula parses against the registered metrics.
    from strategy.services.indicators import formula_check

    for indicator in Indicator.objects.filter(source="formula"):
        formula_check(text=indicator.formula, subject_kind=indicator.subject_kind)

    # Projects serve goals with status notes; tasks are linked by ids that exist; KPI cards score the company.
    projects = apps.get_model("workgroups", "Workgroup").objects.filter(kind="project")
    if projects.exists():
        assert GoalProjectLink.objects.exists() and ProjectStatusNote.objects.exists()
    task_ids = set(GoalTaskLink.objects.values_list("task_id", flat=True))
    assert task_ids
    Task = apps.get_model("tasks", "Task")
    assert Task.objects.filter(pk__in=task_ids).count() == len(task_ids)
    assert not Task.objects.filter(pk__in=task_ids).exclude(parent=None).exists()
    assert KpiCard.objects.filter(holder_kind="department").count() >= 1


def _outsider(goal: Goal) -> User:
    """An active person who neither owns, co-owns, heads above nor was granted the goal."""
    granted = set(GoalGrant.objects.filter(content_object=goal).values_list("user_id", flat=True))
    groups = set(GoalGrant.objects.filter(content_object=goal).values_list("workgroup_id", flat=True))
    path = goal.department.path
    for person in User.objects.filter(is_active=True, is_staff=False).select_related("department"):
        own = person.department.path if person.department else ""
        if (
            person.pk != goal.owner_id
            and person.pk not in granted
            and not own.startswith(path)
            and not path.startswith(own)
            and not goal.co_owners.filter(pk=person.pk).exists()
            and not Membership.objects.filter(user=person, group_id__in=groups).exists()
            and not person.has_perm("strategy.manage_strategy")
        ):
            return person
    raise AssertionError("no outsider")


def test_a_restricted_goal_is_hidden_from_an_outsider(company):
    seed("--scale", "3")
    goal = Goal.objects.filter(audience="restricted", department__depth__gte=3).first()
    assert goal is not None
    outsider = _outsider(goal)
    assert not Goal.objects.visible_to(outsider).filter(pk=goal.pk).exists()
    assert Goal.objects.visible_to(goal.owner).filter(pk=goal.pk).exists()
    assert Goal.objects.visible_to(outsider).filter(audience="company").count() == (
        Goal.objects.filter(audience="company").count()
    )


def test_the_bench_line_and_pages(company):
    from tests.utils import client_as

    output = seed("--scale", "3")
    facts = seed_scale_strategy.bench_facts()
    assert seed_scale_strategy.bench_line(**facts) in output
    assert facts["department"] and facts["head"] and facts["indicators"]
    person = client_as(User.objects.get(email="person30@scale.lumen"))
    for path in (
        "/strategy/goals/",
        "/strategy/goals/map/",
        f"/strategy/indicators/{facts['indicators'][0]}/",
    ):
        assert person.get(path).status_code == 200, path
    head = client_as(User.objects.get(email=facts["head"]))
    assert head.get(f"/strategy/orphans/?department={facts['department']}").status_code == 200


def test_a_second_run_with_the_same_numbers_changes_nothing(company):
    seed("--scale", "2")
    first = list(Goal.objects.order_by("pk").values_list("pk", "title")[:20])
    assert "Already seeded" in seed("--scale", "2")
    assert list(Goal.objects.order_by("pk").values_list("pk", "title")[:20]) == first
    seed("--scale", "2", "--reset")
    assert Goal.objects.count() == round(0.4 * User.objects.filter(is_staff=False).count() * 2)


def test_seed_scale_runs_the_strategy_step(db):
    PortalCompany.objects.all().delete()
    args = ("--employees", "20", "--groups", "6", "--entries", "0", "--tasks", "100", "--crm-scale", "0")
    args += ("--workflows-scale", "0", "--kb-scale", "0")
    out = io.StringIO()
    call_command("seed_scale", *args, "--strategy-scale", "2", stdout=out)
    goals = round(0.4 * User.objects.filter(is_staff=False).count() * 2)
    assert f"Seeded strategy: {goals} goals" in out.getvalue()
    again = io.StringIO()
    call_command("seed_scale", *args, "--strategy-scale", "2", stdout=again)
    assert "Already seeded: " in again.getvalue() and "Strategy bench:" in again.getvalue()


def test_the_month_is_computed_and_rolled_back(company):
    seed("--scale", "3")
    before = IndicatorValue.objects.count()
    out = io.StringIO()
    call_command("bench_strategy_compute", "--json", stdout=out)
    import json

    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    assert figures["indicators"] == Indicator.objects.filter(source="formula").count()
    assert figures["people"] > 0 and figures["scores"] > 0 and figures["seconds"] >= 0
    assert IndicatorValue.objects.count() == before


def test_refuses_a_real_company(db):
    User.objects.create(email="someone@example.com")
    with pytest.raises(CommandError, match="did not create"):
        seed("--scale", "1")
