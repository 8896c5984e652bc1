"""Fixes of a review of the tasks app:

1. a task hidden from the viewer is never named through another object (the parent chain on the task page and
   in the API, the change history with its links, parents and shifted dependants);
2. another person's personal tags show nowhere (list, boards, history), as the API already did;
3. a task awaiting its creator's control is done for its responsible person: completed at hand-in, not
   overdue, not swept, judged on time by efficiency however long the control takes;
4. rescheduling shifts only the dependent tasks the actor may reschedule, and says which were only flagged;
5. the stream entries about a task stop reaching people who lose sight of it.
"""

from __future__ import annotations

import datetime
import importlib
from types import SimpleNamespace
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.core.audit import audit_record
from portal.core.models import AuditLog
from portal.groups.choices import GroupVisibility
from portal.notifications.models import UserCounter
from portal.stream.models import Entry
from portal.stream.selectors import entry_list
from portal.stream.services import entry_audience_remove
from tasks import counters, selectors, services
from tasks.choices import LinkKind, TaskStatus
from tasks.models import Task
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.tasks.factories import TagFactory, TaskFactory, TaskLinkFactory, TaskTagFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
S = TaskStatus


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user, name: str, *args, **params) -> str:
    response = page_client(user).get(reverse(name, args=args), params)
    assert response.status_code == 200
    return response.content.decode()


def fresh(task) -> Task:
    return Task.objects.get(pk=task.pk)


def history_of(task) -> list[AuditLog]:
    return list(
        AuditLog.objects.filter(target_type=ContentType.objects.get_for_model(Task), target_id=str(task.pk))
    )


# --- 1. a hidden task is not named through another one ---------------------------------------------------


@pytest.fixture
def hidden_parent(org):
    """A parent task the developer (IT, outside Sales) may not see, and a subtask of it made through the
    service with the developer as a participant: the developer sees the subtask, gets 404 for the parent."""
    parent = services.task_create(actor=org.sales_rep, title="Secret merger plan", responsible=org.field_rep)
    sub = services.task_create(
        actor=org.sales_rep,
        title="Book a meeting room",
        responsible=org.field_rep,
        parent=parent,
        participants=[org.developer],
    )
    assert not selectors.can_see(org.developer, parent) and selectors.can_see(org.developer, sub)
    return SimpleNamespace(parent=parent, sub=sub)


def test_task_page_names_no_parent_the_viewer_cannot_see(org, hidden_parent):
    assert page_client(org.developer).get(hidden_parent.parent.get_absolute_url()).status_code == 404
    html = page(org.developer, "tasks:detail", hidden_parent.sub.pk)
    assert "Secret merger plan" not in html  # neither in the breadcrumbs nor in the history
    assert "A task you cannot see" in html
    # Whoever sees the parent gets it by name and as a link.
    html = page(org.sales_rep, "tasks:detail", hidden_parent.sub.pk)
    assert "Secret merger plan" in html
    assert f'data-ancestor="{hidden_parent.parent.pk}"' in html


def test_ancestors_mark_each_level_for_the_viewer(org, hidden_parent):
    """A visible grandparent keeps its title even above a hidden parent; the chain costs one query a level."""
    root = services.task_create(actor=org.developer, title="Company offsite", responsible=org.developer)
    Task.objects.filter(pk=hidden_parent.parent.pk).update(parent=root)
    sub = fresh(hidden_parent.sub)

    chain = selectors.task_ancestors(sub, user=org.developer)
    assert [(a.pk, a.visible, a.title) for a in chain] == [
        (root.pk, True, "Company offsite"),
        (hidden_parent.parent.pk, False, ""),
    ]
    chain = selectors.task_ancestors(sub, user=org.admin)
    assert [a.title for a in chain] == ["Company offsite", "Secret merger plan"]
    # Without a viewer nothing is shown.
    assert selectors.task_ancestors(sub) == []


def test_api_detail_names_the_parent_only_to_who_sees_it(org, hidden_parent):
    url = f"/api/v1/tasks/{hidden_parent.sub.pk}/"
    body = client_as(org.developer).get(url).json()
    assert body["parent"] == {"id": hidden_parent.parent.pk, "title": None, "status": None, "visible": False}
    assert "Secret merger plan" not in str(body)
    body = client_as(org.sales_rep).get(url).json()
    assert body["parent"] == {
        "id": hidden_parent.parent.pk,
        "title": "Secret merger plan",
        "status": S.NEW,
        "visible": True,
    }


def test_history_names_no_hidden_task_in_links_parents_or_shifts(org, hidden_parent):
    """The subtask's history: its creation names the parent, a link names the task before it, a shift
    names the task whose move caused it. The developer reads the ids only, never the titles."""
    sub = hidden_parent.sub
    before = services.task_create(
        actor=org.sales_rep,
        title="Negotiate the price",
        responsible=org.sales_rep,
        planned_start=timezone.now(),
        planned_end=timezone.now() + HOUR,
    )
    services.task_reschedule(
        actor=org.sales_rep,
        task=sub,
        planned_start=timezone.now() + 2 * HOUR,
        planned_end=timezone.now() + 3 * HOUR,
    )
    services.link_create(actor=org.sales_rep, predecessor=before, successor=sub)
    services.task_reschedule(actor=org.sales_rep, task=before, planned_end=timezone.now() + 5 * HOUR)
    raw = str([row.changes for row in history_of(sub)])
    assert "Secret merger plan" in raw and "Negotiate the price" in raw  # what the rows keep

    html = page(org.developer, "tasks:detail", sub.pk)
    assert "Secret merger plan" not in html and "Negotiate the price" not in html
    assert "a task you cannot see" in html

    rows = client_as(org.developer).get(f"/api/v1/tasks/{sub.pk}/history/").json()
    text = str(rows)
    assert "Secret merger plan" not in text and "Negotiate the price" not in text
    create = next(row for row in rows if row["action"] == "task.create")
    assert create["changes"]["parent"] == {"id": hidden_parent.parent.pk, "visible": False}
    shift = next(row for row in rows if row["action"] == "task.reschedule" and "after" in row["changes"])
    assert shift["changes"]["after"] == {"id": before.pk, "visible": False}
    # The people of the tasks read them.
    text = str(client_as(org.sales_rep).get(f"/api/v1/tasks/{sub.pk}/history/").json())
    assert "Secret merger plan" in text and "Negotiate the price" in text


# --- 2. another person's personal tags -------------------------------------------------------------------


@pytest.fixture
def tagged(org):
    """The creator (sales_rep) tagged the task with a personal tag; the responsible person (east_rep) with
    one of their own; the project shares a third one with its members."""
    group = WorkgroupFactory(name="Fair", visibility=GroupVisibility.SECRET)
    MembershipFactory(group=group, user=org.east_rep)
    MembershipFactory(group=group, user=org.sales_rep)
    task = TaskFactory(
        creator=org.sales_rep, responsible=org.east_rep, title="Quarterly numbers", group=group
    )
    private = TagFactory(owner=org.sales_rep, name="slowpoke")
    mine = TagFactory(owner=org.east_rep, name="mine-tag")
    shared = TagFactory(owner=None, group=group, name="fair-shared")
    for tag in (private, mine, shared):
        TaskTagFactory(task=task, tag=tag)
    return SimpleNamespace(task=task, private=private, mine=mine, shared=shared, group=group)


@pytest.mark.parametrize(
    "name, params",
    [("tasks:home", {"role": "do"}), ("tasks:kanban", {"role": "do"}), ("tasks:plan", {})],
)
def test_pages_show_only_the_tags_the_viewer_may_see(org, tagged, name, params):
    html = page(org.east_rep, name, **params)
    assert "Quarterly numbers" in html
    assert "#mine-tag" in html and "#fair-shared" in html
    assert "slowpoke" not in html


def test_list_selectors_prefetch_the_viewers_tags_only(org, tagged):
    rows = list(selectors.task_list(user=org.east_rep, filters={"role": "do"}))
    assert [sorted(t.name for t in task.tags.all()) for task in rows] == [["fair-shared", "mine-tag"]]
    rows = list(selectors.task_list(user=org.sales_rep, filters={"role": "set"}))
    assert [sorted(t.name for t in task.tags.all()) for task in rows] == [["fair-shared", "slowpoke"]]
    columns = selectors_boards_kanban(org.east_rep)
    assert {t.name for t in columns[0].tags.all()} == {"fair-shared", "mine-tag"}


def selectors_boards_kanban(user) -> list[Task]:
    from tasks.selectors_boards import kanban_columns

    return [task for column in kanban_columns(user=user, filters={"role": "do"}) for task in column.tasks]


def test_history_keeps_other_peoples_personal_tags_to_themselves(org, tagged):
    task = tagged.task
    lazy = TagFactory(owner=org.sales_rep, name="lazy-bones")
    services.task_set_tags(actor=org.sales_rep, task=task, tags=[tagged.private, lazy, tagged.shared])
    services.task_set_tags(actor=org.east_rep, task=task, tags=[tagged.shared])  # drops "mine-tag"

    html = page(org.east_rep, "tasks:detail", task.pk)
    assert "lazy-bones" not in html and "slowpoke" not in html
    rows = client_as(org.east_rep).get(f"/api/v1/tasks/{task.pk}/history/").json()
    assert "lazy-bones" not in str(rows) and "slowpoke" not in str(rows)
    # The creator's change touched only the creator's tag: nothing is left of it for the responsible person.
    assert [row["actor"]["id"] for row in rows if row["action"] == "task.tags"] == [org.east_rep.pk]
    (mine,) = [row for row in rows if row["action"] == "task.tags"]
    assert [[ref["repr"] for ref in value] for value in mine["changes"]["tags"]] == [
        ["fair-shared", "mine-tag"],
        ["fair-shared"],
    ]
    # The creator reads their own tags.
    rows = client_as(org.sales_rep).get(f"/api/v1/tasks/{task.pk}/history/").json()
    assert "lazy-bones" in str(rows) and "mine-tag" not in str(rows)


def test_history_rows_of_the_old_format_show_only_names_the_reader_has(org, tagged):
    """Rows written before tags were recorded with their owners keep names only: a reader sees the names of
    tags they have themselves, nothing else."""
    changes = {"tags": ["fair-shared, mine-tag, slowpoke", "mine-tag, slowpoke"]}
    audit_record(actor=org.east_rep, action="task.tags", target=tagged.task, changes=changes)
    audit_record(
        actor=org.sales_rep, action="task.tags", target=tagged.task, changes={"tags": ["", "slowpoke"]}
    )
    rows = selectors.task_history(task=tagged.task, user=org.east_rep)
    # The row that only added the creator's tag is gone; the other keeps the names the reader has.
    assert [row.changes for row in rows] == [{"tags": ["fair-shared, mine-tag", "mine-tag"]}]
    rows = selectors.task_history(task=tagged.task, user=org.sales_rep)
    assert [row.changes for row in rows] == [
        {"tags": ["", "slowpoke"]},
        {"tags": ["fair-shared, slowpoke", "slowpoke"]},
    ]


# --- 3. awaiting control is done for the responsible person ------------------------------------------------


@pytest.fixture
def controlled(org):
    """sales_head gives east_rep a task that needs control, due in one hour."""
    t0 = timezone.now()
    task = services.task_create(
        actor=org.sales_head,
        title="Price list",
        responsible=org.east_rep,
        requires_control=True,
        deadline=t0 + HOUR,
    )
    return SimpleNamespace(task=task, t0=t0, creator=org.sales_head, worker=org.east_rep)


def test_completing_into_control_is_the_completion_and_a_slow_control_is_not_late(
    org, controlled, django_capture_on_commit_callbacks
):
    task, t0 = controlled.task, controlled.t0
    with mock.patch("django.utils.timezone.now", return_value=t0 + HOUR / 2):
        services.task_transition(actor=controlled.worker, task=task, action="complete")
    task = fresh(task)
    assert task.status == S.AWAITING_CONTROL and task.completed_at == t0 + HOUR / 2

    # The deadline passes while the creator has not looked yet.
    later = t0 + 2 * HOUR
    with mock.patch("django.utils.timezone.now", return_value=later):
        with django_capture_on_commit_callbacks(execute=True):
            services.deadlines_sweep(now=later)
        assert not fresh(task).became_overdue
        assert not fresh(task).is_overdue
        assert counters.overdue([controlled.worker.pk]) == {}
        assert counters.awaiting_control([controlled.creator.pk]) == {controlled.creator.pk: 1}

    with mock.patch("django.utils.timezone.now", return_value=t0 + 3 * HOUR):
        services.task_transition(actor=controlled.creator, task=task, action="approve")
    task = fresh(task)
    assert task.status == S.COMPLETED and task.completed_at == t0 + HOUR / 2 and not task.became_overdue
    day = t0.date()
    (row,) = selectors.efficiency(user=controlled.worker, start=day, end=day + datetime.timedelta(days=1))
    assert (row["closed"], row["on_time"], row["share"]) == (1, 1, 100)


def test_a_return_clears_the_completion_and_the_deadline_runs_again(org, controlled):
    task, t0 = controlled.task, controlled.t0
    services.task_transition(actor=controlled.worker, task=task, action="complete")
    assert fresh(task).completed_at is not None
    services.task_transition(actor=controlled.creator, task=task, action="return", comment="Prices are old.")
    assert fresh(task).completed_at is None
    later = t0 + 2 * HOUR
    with mock.patch("django.utils.timezone.now", return_value=later):
        services.deadlines_sweep(now=later)
        assert fresh(task).became_overdue and fresh(task).is_overdue
        assert counters.overdue([controlled.worker.pk]) == {controlled.worker.pk: 1}


def test_awaiting_control_counts_for_efficiency_when_completed_in_the_period(org, controlled):
    services.task_transition(actor=controlled.worker, task=controlled.task, action="complete")
    day = timezone.now().date()
    (row,) = selectors.efficiency(user=controlled.worker, start=day, end=day)
    assert (row["closed"], row["on_time"], row["overdue"]) == (1, 1, 0)


def test_lists_keep_awaiting_control_open_but_not_overdue(org):
    past = timezone.now() - HOUR
    waiting = TaskFactory(
        creator=org.sales_head, responsible=org.east_rep, deadline=past, status=S.AWAITING_CONTROL
    )
    late = TaskFactory(creator=org.sales_head, responsible=org.east_rep, deadline=past, status=S.IN_PROGRESS)
    open_ids = set(
        selectors.task_list(user=org.sales_head, filters={"role": "set", "open": "true"}).values_list(
            "pk", flat=True
        )
    )
    assert open_ids == {waiting.pk, late.pk}
    overdue = selectors.task_list(user=org.sales_head, filters={"role": "set", "overdue": "true"})
    assert list(overdue.values_list("pk", flat=True)) == [late.pk]
    assert list(Task.objects.overdue().values_list("pk", flat=True)) == [late.pk]
    # The personal digest of the responsible person counts the same.
    from reports.selectors.digests import digest_personal_data

    data = digest_personal_data(recipient=org.east_rep, date=timezone.now().date())
    assert data["overdue_tasks"]["total"] == 1
    assert [item["id"] for item in data["overdue_tasks"]["items"]] == [late.pk]


def test_stored_overdue_counter_follows_the_hand_in(org, controlled, django_capture_on_commit_callbacks):
    task = controlled.task
    Task.objects.filter(pk=task.pk).update(deadline=timezone.now() - HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        services.task_transition(actor=controlled.worker, task=fresh(task), action="start")
    stored = UserCounter.objects.filter(user=controlled.worker, key="tasks.overdue")
    assert stored.get().value == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.task_transition(actor=controlled.worker, task=fresh(task), action="complete")
    assert stored.get().value == 0


@pytest.mark.postgres
def test_the_open_deadline_index_still_serves_the_counters_and_the_sweep(org):
    """The partial index of open tasks by responsible person and deadline (`status NOT IN ('completed',
    'declined')`) is implied by the narrower "running" condition, so the overdue counter and the sweep can
    still use it: with the other indexes on the responsible person dropped (inside the test's transaction)
    and sequential scans off, the planner picks it."""
    from django.db import connection

    TaskFactory(creator=org.sales_head, responsible=org.east_rep, deadline=timezone.now() - HOUR)
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX task_resp_status_deadline; DROP INDEX task_resp_completed")
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Task.objects.overdue().filter(responsible_id__in=[org.east_rep.pk]).explain()
    assert "tasks_task_open_deadline" in plan, plan


def test_migration_fills_the_completion_of_tasks_already_awaiting_control(org):
    """Tasks that went to control before the change have no `completed_at`: the migration takes it from
    the history row of the completion (else from their last change)."""
    migration = importlib.import_module("tasks.migrations.0004_awaiting_control_completed_at")
    handed_in = TaskFactory(creator=org.sales_head, responsible=org.east_rep, status=S.AWAITING_CONTROL)
    no_row = TaskFactory(creator=org.sales_head, responsible=org.east_rep, status=S.AWAITING_CONTROL)
    other = TaskFactory(creator=org.sales_head, responsible=org.east_rep, status=S.IN_PROGRESS)
    row = audit_record(
        actor=org.east_rep,
        action="task.status",
        target=handed_in,
        changes={"status": [S.IN_PROGRESS, S.AWAITING_CONTROL], "action": "complete"},
    )
    moment = timezone.now() - 5 * HOUR
    AuditLog.objects.filter(pk=row.pk).update(created_at=moment)
    migration.fill_completed_at(apps, None)
    assert fresh(handed_in).completed_at == moment
    assert fresh(no_row).completed_at == fresh(no_row).updated_at
    assert fresh(other).completed_at is None


# --- 4. shifting dependants asks for the right --------------------------------------------------------------


@pytest.fixture
def chain(org):
    """sales_rep plans A; after A come B (IT's, hidden from sales_rep), C (sales_head's, with sales_rep
    responsible but no right to move its deadline) and D (sales_rep's own); E comes after C."""
    t = timezone.now().replace(microsecond=0) + 24 * HOUR
    a = TaskFactory(
        creator=org.sales_rep, responsible=org.sales_rep, title="A", planned_start=t, planned_end=t + HOUR
    )

    def after(title, creator, responsible, **kwargs):
        return TaskFactory(
            title=title,
            creator=creator,
            responsible=responsible,
            planned_start=t + 2 * HOUR,
            planned_end=t + 3 * HOUR,
            **kwargs,
        )

    b = after("Hidden IT job", org.it_head, org.developer)
    c = after("Stand order", org.sales_head, org.sales_rep, deadline=t + 4 * HOUR)
    d = after("Brochures", org.sales_rep, org.sales_rep, deadline=t + 4 * HOUR)
    e = TaskFactory(
        title="Stand set-up",
        creator=org.sales_rep,
        responsible=org.sales_rep,
        planned_start=t + 4 * HOUR,
        planned_end=t + 5 * HOUR,
    )
    for successor in (b, c, d):
        TaskLinkFactory(predecessor=a, successor=successor, kind=LinkKind.FINISH_TO_START)
    TaskLinkFactory(predecessor=c, successor=e, kind=LinkKind.FINISH_TO_START)
    assert not selectors.can_see(org.sales_rep, b)
    return SimpleNamespace(t=t, a=a, b=b, c=c, d=d, e=e)


def test_shift_moves_only_the_dependants_the_actor_may_reschedule(org, chain):
    t = chain.t
    result = services.task_reschedule(
        actor=org.sales_rep, task=chain.a, planned_end=t + 6 * HOUR, dependants="shift"
    )
    # D is sales_rep's own: it moves by the three hours now needed (and keeps its duration and deadline gap).
    d = fresh(chain.d)
    assert (d.planned_start, d.planned_end, d.deadline) == (t + 6 * HOUR, t + 7 * HOUR, t + 8 * HOUR)
    assert not d.schedule_conflict
    # B (hidden) and C (deadline locked) stay and are flagged; E after C has no reason to move.
    for task in (chain.b, chain.c):
        moved = fresh(task)
        assert (moved.planned_start, moved.planned_end) == (t + 2 * HOUR, t + 3 * HOUR)
        assert moved.schedule_conflict
    assert fresh(chain.c).deadline == t + 4 * HOUR
    assert fresh(chain.e).planned_start == t + 4 * HOUR
    assert {task.pk for task in result} == {chain.a.pk, chain.b.pk, chain.c.pk, chain.d.pk}
    assert [task.pk for task in result.flagged] == [chain.b.pk, chain.c.pk]


def test_the_same_change_by_update_lists_the_flagged_dependants(org, chain):
    task = services.task_update(actor=org.sales_rep, task=chain.a, planned_end=chain.t + 6 * HOUR)
    assert [t.pk for t in task.dependants_flagged] == [chain.b.pk, chain.c.pk]
    assert fresh(chain.d).planned_start == chain.t + 6 * HOUR


def test_whoever_may_reschedule_them_shifts_them_all(org, chain):
    result = services.task_reschedule(actor=org.admin, task=chain.a, planned_end=chain.t + 6 * HOUR)
    assert result.flagged == []
    assert fresh(chain.b).planned_start == chain.t + 6 * HOUR and not fresh(chain.b).schedule_conflict
    assert fresh(chain.e).planned_start == chain.t + 7 * HOUR


def test_gantt_and_api_say_which_dependants_were_only_flagged(org, chain):
    response = page_client(org.sales_rep).post(
        reverse("tasks:gantt_reschedule", args=[chain.a.pk]),
        {
            "planned_start": chain.t.isoformat(),
            "planned_end": (chain.t + 6 * HOUR).isoformat(),
            "dependants": "shift",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["flagged"] == [
        {"id": str(chain.b.pk), "title": None, "visible": False},
        {"id": str(chain.c.pk), "title": "Stand order", "visible": True},
    ]
    assert f"#{chain.c.pk} Stand order" in body["notice"] and "1 task you cannot see" in body["notice"]
    assert "Hidden IT job" not in response.content.decode()

    response = client_as(org.sales_rep).post(
        f"/api/v1/tasks/{chain.a.pk}/reschedule/",
        {"planned_end": (chain.t + 9 * HOUR).isoformat(), "dependants": "shift"},
        format="json",
    )
    assert response.status_code == 200
    flagged = response.json()["dependants_flagged"]
    assert flagged == [
        {"id": chain.b.pk, "title": None, "visible": False},
        {"id": chain.c.pk, "title": "Stand order", "visible": True},
    ]
    # Nothing to change: nothing flagged either.
    response = client_as(org.sales_rep).post(
        f"/api/v1/tasks/{chain.a.pk}/reschedule/",
        {"planned_end": (chain.t + 9 * HOUR).isoformat()},
        format="json",
    )
    assert response.status_code == 200 and response.json()["dependants_flagged"] == []


# --- 5. stream entries follow who may see the task ---------------------------------------------------------


def _task_entries(user, task) -> list[Entry]:
    return list(entry_list(user=user).filter(target_id=str(task.pk), verb__startswith="task."))


def test_a_removed_participant_no_longer_reads_the_tasks_entries(org):
    task = services.task_create(
        actor=org.sales_rep, title="Merger memo", responsible=org.field_rep, participants=[org.developer]
    )
    assert _task_entries(org.developer, task)
    services.task_set_members(actor=org.sales_rep, task=task, participants=[])
    assert not selectors.can_see(org.developer, task)
    assert _task_entries(org.developer, task) == []
    response = page_client(org.developer).get("/stream/")
    assert response.status_code == 200 and "Merger memo" not in response.content.decode()
    # The task's people still read them.
    assert _task_entries(org.field_rep, task)


def test_a_removed_person_who_still_sees_the_task_keeps_its_entries(org):
    task = services.task_create(
        actor=org.sales_rep, title="Merger memo", responsible=org.field_rep, observers=[org.east_head]
    )
    services.task_set_members(actor=org.sales_rep, task=task, observers=[])
    assert selectors.can_see(org.east_head, task)  # heads the responsible person's department
    assert _task_entries(org.east_head, task)


def test_the_replaced_responsible_person_no_longer_reads_the_tasks_entries(org):
    task = services.task_create(actor=org.sales_rep, title="Merger memo", responsible=org.developer)
    assert _task_entries(org.developer, task)
    services.task_update(actor=org.sales_rep, task=task, responsible=org.field_rep)
    assert not selectors.can_see(org.developer, task)
    assert _task_entries(org.developer, task) == []
    assert _task_entries(org.field_rep, task) == []  # not written for them; no leak either way


def test_a_task_moved_to_another_group_leaves_the_old_groups_feed(org):
    old = WorkgroupFactory(name="Old team", visibility=GroupVisibility.SECRET)
    new = WorkgroupFactory(name="New team", visibility=GroupVisibility.SECRET)
    for group in (old, new):
        MembershipFactory(group=group, user=org.sales_rep)
    MembershipFactory(group=old, user=org.developer)
    task = services.task_create(
        actor=org.sales_rep, title="Merger memo", responsible=org.sales_rep, group=old
    )
    assert _task_entries(org.developer, task)
    services.task_update(actor=org.sales_rep, task=task, group=new)
    assert not selectors.can_see(org.developer, task)
    assert _task_entries(org.developer, task) == []


def test_entry_audience_remove_touches_only_events_about_the_target(org):
    task = services.task_create(
        actor=org.sales_rep, title="Merger memo", responsible=org.field_rep, participants=[org.developer]
    )
    other = services.task_create(
        actor=org.sales_rep, title="Other memo", responsible=org.field_rep, participants=[org.developer]
    )
    assert entry_audience_remove(target=task, users=[org.developer]) == 1
    assert _task_entries(org.developer, task) == [] and _task_entries(org.developer, other)
    assert entry_audience_remove(target=task) == 0


def _local_input(user, moment: datetime.datetime) -> str:
    import zoneinfo

    zone = zoneinfo.ZoneInfo(user.time_zone or "UTC")
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def test_the_task_pages_dates_form_says_which_dependants_were_only_flagged(org, chain):
    response = page_client(org.sales_rep).post(
        reverse("tasks:detail_dates", args=[chain.a.pk]),
        {
            "planned_start": _local_input(org.sales_rep, chain.t),
            "planned_end": _local_input(org.sales_rep, chain.t + 6 * HOUR),
            "dependants": "shift",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="task-dates-notice"' in html
    assert f"#{chain.c.pk} Stand order" in html and "1 task you cannot see" in html
    assert "Hidden IT job" not in html
    moved = chain.t.replace(second=0) + 6 * HOUR  # the form speaks in minutes
    assert fresh(chain.d).planned_start == moved


def test_the_edit_form_neither_shows_nor_drops_someone_elses_personal_tag(org, tagged):
    client = page_client(org.sales_rep)  # the creator
    html = client.get(reverse("tasks:edit", args=[tagged.task.pk])).content.decode()
    assert "slowpoke" in html and "fair-shared" in html
    assert "mine-tag" not in html  # the responsible person's own tag
    assert set(Task.objects.get(pk=tagged.task.pk).tags.values_list("name", flat=True)) == {
        "slowpoke",
        "mine-tag",
        "fair-shared",
    }


def test_the_edit_form_names_no_parent_the_editor_cannot_see(org, hidden_parent):
    Task.objects.filter(pk=hidden_parent.sub.pk).update(creator=org.developer)  # the developer edits it now
    response = page_client(org.developer).get(reverse("tasks:edit", args=[hidden_parent.sub.pk]))
    assert response.status_code == 200
    assert "Secret merger plan" not in response.content.decode()
