"""Goal services: rights by horizon, cycles refused at any depth, the audience, links, the roll-up rules and
the task → goal resolution (direct, from the parent task, from the project)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.core.models import AuditLog
from portal.core.registry import TaskStats
from strategy.choices import GoalAudience, GoalHorizon, GoalStatus, ProgressRule
from strategy.models import Goal, GoalTaskLink
from strategy.services import goals as services
from tests.groups.factories import ProjectFactory
from tests.strategy.factories import YEAR, GoalFactory, GoalProjectLinkFactory, make_strategy_manager
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.django_db


def _annual(owner, **kw):
    return GoalFactory(owner=owner, horizon=GoalHorizon.ANNUAL, **kw)


def test_manager_creates_annual_goal_and_audits(org):
    manager = make_strategy_manager(org.ceo)
    goal = services.goal_create(
        actor=manager,
        title="Grow revenue 20%",
        horizon=GoalHorizon.ANNUAL,
        period_start=datetime.date(YEAR, 1, 1),
        period_end=datetime.date(YEAR, 12, 31),
    )
    assert goal.owner == manager
    assert AuditLog.objects.filter(action="strategy.goal_create", target_id=str(goal.pk)).exists()


def test_member_may_not_create_annual_goal(org):
    with pytest.raises(NotAllowed):
        services.goal_create(
            actor=org.sales_rep,
            title="x",
            horizon=GoalHorizon.ANNUAL,
            period_start=datetime.date(YEAR, 1, 1),
            period_end=datetime.date(YEAR, 12, 31),
        )
    assert not Goal.objects.exists()


def test_head_creates_quarterly_goal_under_annual_for_own_department(org):
    annual = _annual(org.ceo)
    goal = services.goal_create(
        actor=org.sales_head,
        title="Close 30 deals in Q1",
        horizon=GoalHorizon.QUARTERLY,
        period_start=datetime.date(YEAR, 1, 1),
        period_end=datetime.date(YEAR, 3, 31),
        parent=annual,
    )
    assert goal.department == org.sales
    assert goal.parent == annual


def test_head_may_not_create_annual_nor_for_another_department(org):
    annual = _annual(org.ceo)
    with pytest.raises(NotAllowed):
        services.goal_create(
            actor=org.sales_head,
            title="x",
            horizon=GoalHorizon.ANNUAL,
            period_start=datetime.date(YEAR, 1, 1),
            period_end=datetime.date(YEAR, 12, 31),
            parent=annual,
        )
    with pytest.raises(NotAllowed):
        services.goal_create(
            actor=org.sales_head,
            title="x",
            horizon=GoalHorizon.QUARTERLY,
            period_start=datetime.date(YEAR, 1, 1),
            period_end=datetime.date(YEAR, 3, 31),
            parent=annual,
            department=org.it,
        )


def test_head_needs_a_parent(org):
    with pytest.raises(Invalid) as exc:
        services.goal_create(
            actor=org.sales_head,
            title="x",
            horizon=GoalHorizon.MONTHLY,
            period_start=datetime.date(YEAR, 1, 1),
            period_end=datetime.date(YEAR, 1, 31),
        )
    assert "parent" in exc.value.message_dict


def test_child_horizon_never_longer_than_parent(org):
    manager = make_strategy_manager(org.ceo)
    quarterly = GoalFactory(owner=manager, horizon=GoalHorizon.QUARTERLY)
    with pytest.raises(Invalid):
        services.goal_create(
            actor=manager,
            title="x",
            horizon=GoalHorizon.ANNUAL,
            period_start=datetime.date(YEAR, 1, 1),
            period_end=datetime.date(YEAR, 12, 31),
            parent=quarterly,
        )


def test_cycle_refused_at_any_depth(org):
    manager = make_strategy_manager(org.ceo)
    top = GoalFactory(owner=manager, horizon=GoalHorizon.STRATEGIC)
    middle = GoalFactory(owner=manager, horizon=GoalHorizon.STRATEGIC, parent=top)
    bottom = GoalFactory(owner=manager, horizon=GoalHorizon.STRATEGIC, parent=middle)
    with pytest.raises(Invalid) as exc:
        services.goal_update(actor=manager, goal=top, parent=bottom)
    assert "parent" in exc.value.message_dict
    with pytest.raises(Invalid):
        services.goal_update(actor=manager, goal=top, parent=top)
    top.refresh_from_db()
    assert top.parent_id is None
    # A legal move still works.
    other = GoalFactory(owner=manager, horizon=GoalHorizon.STRATEGIC)
    services.goal_update(actor=manager, goal=bottom, parent=other)
    bottom.refresh_from_db()
    assert bottom.parent == other


def test_owner_edits_outsider_does_not(org):
    goal = _annual(org.sales_rep)
    services.goal_update(actor=org.sales_rep, goal=goal, title="Renamed")
    goal.refresh_from_db()
    assert goal.title == "Renamed"
    with pytest.raises(NotAllowed):
        services.goal_update(actor=org.developer, goal=goal, title="Hijacked")


def test_restricted_goal_is_hidden_and_404(org):
    manager = make_strategy_manager(org.ceo)
    goal = services.goal_create(
        actor=manager,
        title="Secret",
        horizon=GoalHorizon.ANNUAL,
        period_start=datetime.date(YEAR, 1, 1),
        period_end=datetime.date(YEAR, 12, 31),
        audience=GoalAudience.RESTRICTED,
        departments=[org.sales],
    )
    assert Goal.objects.visible_to(org.east_rep).filter(pk=goal.pk).exists()  # a sub-department of Sales
    assert not Goal.objects.visible_to(org.developer).filter(pk=goal.pk).exists()
    with pytest.raises(NotFound):
        services.goal_update(actor=org.developer, goal=goal, title="x")
    # Back to the company: the grants are gone and everyone sees it.
    services.goal_update(actor=manager, goal=goal, audience=GoalAudience.COMPANY)
    assert Goal.objects.visible_to(org.developer).filter(pk=goal.pk).exists()
    assert not goal.grants.exists()


def test_stream_entry_on_create_and_achieved(org):
    from portal.stream.models import Entry

    manager = make_strategy_manager(org.ceo)
    goal = services.goal_create(
        actor=manager,
        title="Launch",
        horizon=GoalHorizon.ANNUAL,
        period_start=datetime.date(YEAR, 1, 1),
        period_end=datetime.date(YEAR, 12, 31),
    )
    services.goal_update(actor=manager, goal=goal, status=GoalStatus.ACHIEVED)
    verbs = list(Entry.objects.filter(target_id=str(goal.pk)).values_list("verb", flat=True))
    assert sorted(verbs) == ["strategy.goal_achieved", "strategy.goal_created"]


def test_draft_is_not_published(org):
    from portal.stream.models import Entry

    manager = make_strategy_manager(org.ceo)
    services.goal_create(
        actor=manager,
        title="Draft",
        horizon=GoalHorizon.ANNUAL,
        period_start=datetime.date(YEAR, 1, 1),
        period_end=datetime.date(YEAR, 12, 31),
        status=GoalStatus.DRAFT,
    )
    assert not Entry.objects.filter(verb="strategy.goal_created").exists()


# --- the roll-up rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (ProgressRule.INDICATORS, Decimal("0.8000")),  # (1*1 + 0.5*... ) see below
        (ProgressRule.CHILDREN, Decimal("0.2500")),
        (ProgressRule.TASKS, Decimal("0.5000")),
        (ProgressRule.AUTO, Decimal("0.5167")),
        (ProgressRule.MANUAL, Decimal("0.3300")),
    ],
)
def test_progress_rules(rule, expected):
    goal = Goal(progress_rule=rule, manual_progress=Decimal("0.33"))
    indicators = [(Decimal("1"), Decimal("3")), (Decimal("0.2"), Decimal("1")), (Decimal("2"), Decimal("0"))]
    children = [(Decimal("0"), Decimal("3")), (Decimal("1"), Decimal("1"))]
    tasks = TaskStats(total=4, closed=3, closed_on_time=2)
    # indicators: (1*3 + 0.2*1) / 4 = 0.8 (a weight 0 counts nothing); children: 1/4; tasks: 2/4.
    assert (
        services.goal_progress_compute(goal, indicators=indicators, children=children, tasks=tasks)
        == expected
    )


def test_progress_without_data_is_zero_and_capped():
    goal = Goal(progress_rule=ProgressRule.AUTO)
    assert services.goal_progress_compute(goal, indicators=[], children=[], tasks=None) == Decimal("0")
    assert services.goal_progress_compute(
        goal, indicators=[(Decimal("5"), Decimal("1"))], children=[], tasks=None
    ) == Decimal("1")


def test_recompute_rolls_up_the_tree_and_is_idempotent(org):
    top = GoalFactory(owner=org.ceo, horizon=GoalHorizon.STRATEGIC, progress_rule=ProgressRule.CHILDREN)
    mid = GoalFactory(owner=org.ceo, parent=top, progress_rule=ProgressRule.CHILDREN, weight=Decimal("3"))
    GoalFactory(owner=org.ceo, parent=top, progress_rule=ProgressRule.MANUAL, weight=Decimal("1"))
    leaf = GoalFactory(
        owner=org.ceo, parent=mid, progress_rule=ProgressRule.MANUAL, manual_progress=Decimal("0.6")
    )
    changed = services.goal_progress_recompute(goal_ids=[leaf.pk])
    assert set(changed) == {leaf.pk, mid.pk, top.pk}
    top.refresh_from_db()
    mid.refresh_from_db()
    assert mid.progress == Decimal("0.6000")
    assert top.progress == Decimal("0.4500")  # (0.6*3 + 0*1) / 4
    assert services.goal_progress_recompute(goal_ids=[leaf.pk]) == []


def test_tasks_rule_counts_subtasks_and_project_tasks(org):
    goal = GoalFactory(owner=org.ceo, progress_rule=ProgressRule.TASKS)
    parent = TaskFactory(responsible=org.sales_rep, creator=org.sales_rep)
    now = timezone.now()
    TaskFactory(parent=parent, status="completed", completed_at=now, responsible=org.sales_rep)
    TaskFactory(
        parent=parent, status="completed", completed_at=now, deadline=now - datetime.timedelta(days=2)
    )  # late
    project = ProjectFactory()
    TaskFactory(group=project, status="completed", completed_at=now)
    GoalTaskLink.objects.create(goal=goal, task_id=parent.pk)
    GoalProjectLinkFactory(goal=goal, project=project)
    services.goal_progress_recompute(goal_ids=[goal.pk])
    goal.refresh_from_db()
    # 4 tasks (the parent, 2 subtasks, the project's), 2 closed on time.
    assert goal.progress == Decimal("0.5000")


def test_task_goal_resolution(org):
    direct = GoalFactory(owner=org.ceo)
    by_project = GoalFactory(owner=org.ceo)
    heavier = GoalFactory(owner=org.ceo)
    project = ProjectFactory()
    GoalProjectLinkFactory(goal=by_project, project=project, weight=Decimal("1"))
    GoalProjectLinkFactory(goal=heavier, project=project, weight=Decimal("2"))
    root = TaskFactory()
    child = TaskFactory(parent=root)
    grandchild = TaskFactory(parent=child)
    in_project = TaskFactory(group=project)
    alone = TaskFactory()
    GoalTaskLink.objects.create(goal=direct, task_id=root.pk)
    resolved = services.task_goal_resolve([root.pk, grandchild.pk, in_project.pk, alone.pk])
    assert resolved[root.pk] == (direct.pk, "direct")
    assert resolved[grandchild.pk] == (direct.pk, "parent")
    assert resolved[in_project.pk] == (heavier.pk, "project")
    assert alone.pk not in resolved


def test_task_goal_set_by_responsible_only(org):
    goal = GoalFactory(owner=org.ceo)
    task = TaskFactory(responsible=org.east_rep, creator=org.east_rep)
    with pytest.raises(NotFound):  # the developer does not see the task
        services.task_goal_set(actor=org.developer, task_id=task.pk, goal=goal)
    services.task_goal_set(actor=org.east_rep, task_id=task.pk, goal=goal)
    assert GoalTaskLink.objects.get(task_id=task.pk).goal == goal
    services.task_goal_set(actor=org.east_rep, task_id=task.pk, goal=None)
    assert not GoalTaskLink.objects.filter(task_id=task.pk).exists()


def test_task_goal_set_refused_for_an_observer_who_sees_it(org):
    goal = GoalFactory(owner=org.ceo)
    task = TaskFactory(responsible=org.east_rep, creator=org.east_rep)
    # The head of Sales sees the task of a subordinate but is not its responsible person.
    with pytest.raises(NotAllowed):
        services.task_goal_set(actor=org.sales_head, task_id=task.pk, goal=goal)


def test_closing_a_task_recomputes_the_goal(org, django_capture_on_commit_callbacks):
    from tasks import services as task_services

    goal = GoalFactory(owner=org.ceo, progress_rule=ProgressRule.TASKS)
    task = TaskFactory(responsible=org.east_rep, creator=org.east_rep, status="in_progress")
    GoalTaskLink.objects.create(goal=goal, task_id=task.pk)
    with django_capture_on_commit_callbacks(execute=True):
        task_services.task_transition(actor=org.east_rep, task=task, action="complete")
    goal.refresh_from_db()
    assert goal.progress == Decimal("1.0000")


def test_goal_links(org):
    manager = make_strategy_manager(org.ceo)
    a, b = GoalFactory(owner=manager), GoalFactory(owner=manager)
    link = services.goal_link_add(actor=manager, source=a, target=b, kind="supports")
    assert services.goal_link_add(actor=manager, source=a, target=b, kind="supports") == link
    with pytest.raises(Invalid):
        services.goal_link_add(actor=manager, source=a, target=a, kind="supports")
    with pytest.raises(NotAllowed):
        services.goal_link_add(actor=org.developer, source=a, target=b, kind="depends_on")


def test_a_restricted_goal_reaches_only_its_audience_in_the_stream(org):
    from portal.stream.models import Entry

    manager = make_strategy_manager(org.ceo)
    goal = services.goal_create(
        actor=manager,
        title="Quiet acquisition",
        horizon=GoalHorizon.ANNUAL,
        period_start=datetime.date(YEAR, 1, 1),
        period_end=datetime.date(YEAR, 12, 31),
        audience=GoalAudience.RESTRICTED,
        departments=[org.sales],
    )
    entries = Entry.objects.filter(target_id=str(goal.pk))
    assert entries.count() == 1
    assert entries.visible_to(org.east_rep).exists()
    assert not entries.visible_to(org.developer).exists()


def test_admin_lists_goals_read_only(org, client):
    GoalFactory(owner=org.ceo, title="Seen in the admin")
    client.force_login(org.admin)
    page = client.get("/admin/strategy/goal/")
    assert page.status_code == 200 and "Seen in the admin" in page.content.decode()
    assert client.get("/admin/strategy/goal/add/").status_code == 403
