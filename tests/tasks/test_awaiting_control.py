"""A task awaiting its creator's control is done for its responsible person: completed at hand-in, not
overdue, not swept, judged on time by efficiency however long the control takes.
"""

from __future__ import annotations

import datetime
import importlib
from types import SimpleNamespace
from unittest import mock

import pytest
from django.apps import apps
from django.utils import timezone

from portal.core.audit import audit_record
from portal.core.models import AuditLog
from portal.notifications.models import UserCounter
from tasks import counters, selectors, services
from tasks.models import Task
from tests.tasks.factories import TaskFactory
from tests.tasks.review_setup import HOUR, S, fresh

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
    # Statistics of a table with some history: on a table of one row every index costs the same, and the
    # planner's pick between them was a coin toss.
    Task.objects.bulk_create(
        Task(
            title=f"Old {i}",
            creator=org.sales_head,
            responsible=org.sales_head,
            deadline=timezone.now() - HOUR,
        )
        for i in range(2000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tasks_task")
        cursor.execute("DROP INDEX task_resp_status_deadline; DROP INDEX task_resp_completed")
        # ...and the foreign key's own index, which a tiny table's statistics can make look as cheap.
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'tasks_task' "
            "AND indexdef LIKE '%%USING btree (responsible_id)'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
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
