"""The task counters: what each one counts, that it costs the same few queries for any number of people,
and that the incremental path (services + recount on commit) agrees with the nightly rebuild."""

from __future__ import annotations

import datetime
import random

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from portal.notifications import counters as registry
from portal.notifications.models import UserCounter
from tasks import counters, selectors, services
from tasks.apps import TASK_COUNTERS
from tasks.choices import MemberRole, TaskStatus
from tasks.models import Task, TaskView
from tests.people.factories import UserFactory
from tests.tasks.factories import TaskCommentFactory, TaskFactory, TaskMemberFactory
from tests.utils import count_queries

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_every_task_counter_is_registered_with_its_compute_function():
    definitions = {d.key: d for d in registry.counter_definitions()}
    for key in TASK_COUNTERS:
        assert definitions[key].area == "tasks"
        assert definitions[key].compute is counters.COMPUTE[key]
    assert set(counters.COMPUTE) == set(TASK_COUNTERS)


def test_overdue_counts_open_tasks_past_their_deadline(org):
    now = timezone.now()
    me, other = org.east_rep, org.sales_rep
    TaskFactory(responsible=me, deadline=now - HOUR)
    TaskFactory(responsible=me, deadline=now - 48 * HOUR, status=TaskStatus.DEFERRED)
    TaskFactory(responsible=me, deadline=now - HOUR, status=TaskStatus.AWAITING_CONTROL)
    TaskFactory(responsible=me, deadline=now - HOUR, status=TaskStatus.COMPLETED)
    TaskFactory(responsible=me, deadline=now - HOUR, status=TaskStatus.DECLINED)
    TaskFactory(responsible=me, deadline=now + HOUR)
    TaskFactory(responsible=me)
    TaskFactory(creator=me, responsible=other, deadline=now - HOUR)
    # Awaiting control is not overdue for the responsible person: their part is done (the creator's
    # "awaiting my control" counts it).
    assert counters.overdue([me.pk, other.pk, org.developer.pk]) == {me.pk: 2, other.pk: 1}


def test_awaiting_control_counts_tasks_the_creator_must_accept(org):
    me = org.sales_head
    TaskFactory(creator=me, status=TaskStatus.AWAITING_CONTROL)
    TaskFactory(creator=me, status=TaskStatus.AWAITING_CONTROL)
    TaskFactory(creator=me, status=TaskStatus.IN_PROGRESS)
    TaskFactory(responsible=me, status=TaskStatus.AWAITING_CONTROL)
    assert counters.awaiting_control([me.pk]) == {me.pk: 2}


def test_no_deadline_and_due_soon(org):
    now = timezone.now()
    me = org.east_rep
    TaskFactory(responsible=me)
    TaskFactory(responsible=me, status=TaskStatus.PENDING)
    TaskFactory(responsible=me, status=TaskStatus.COMPLETED)
    TaskFactory(creator=me)
    TaskFactory(responsible=me, deadline=now + HOUR)
    TaskFactory(responsible=me, deadline=now + 23 * HOUR)
    TaskFactory(responsible=me, deadline=now + 25 * HOUR)
    TaskFactory(responsible=me, deadline=now - HOUR)
    TaskFactory(responsible=me, deadline=now + HOUR, status=TaskStatus.DECLINED)
    assert counters.no_deadline([me.pk]) == {me.pk: 2}
    assert counters.due_soon([me.pk]) == {me.pk: 2}


def test_unseen_comments_count_others_comments_since_the_last_look(org):
    now = timezone.now()
    boss, helper, watcher, stranger = org.sales_head, org.east_rep, org.field_rep, org.developer
    own = TaskFactory(creator=boss, responsible=boss)  # creator and responsible: each comment counts once
    TaskMemberFactory(task=own, user=helper, role=MemberRole.PARTICIPANT)
    TaskMemberFactory(task=own, user=watcher, role=MemberRole.OBSERVER)
    TaskCommentFactory(task=own, author=stranger, created_at=now - 3 * HOUR)
    TaskCommentFactory(task=own, author=boss, created_at=now - 2 * HOUR)
    TaskCommentFactory(task=own, author=helper, created_at=now - HOUR)
    theirs = TaskFactory(creator=stranger, responsible=helper)
    TaskMemberFactory(task=theirs, user=helper, role=MemberRole.OBSERVER)  # odd, but counted once too
    TaskCommentFactory(task=theirs, author=stranger, created_at=now - HOUR)
    TaskCommentFactory(task=TaskFactory(), author=stranger)  # nobody of ours is on this one
    ids = [boss.pk, helper.pk, watcher.pk, stranger.pk, org.it_head.pk]
    assert counters.unseen_comments(ids) == {boss.pk: 2, helper.pk: 3, watcher.pk: 3}
    # Looking at a task clears what was written before the look (and only for that task).
    TaskView.objects.create(task=own, user=watcher, seen_at=now - datetime.timedelta(minutes=90))
    TaskView.objects.create(task=own, user=helper, seen_at=now - 4 * HOUR)
    TaskView.objects.create(task=own, user=boss, seen_at=now)
    assert counters.unseen_comments(ids) == {helper.pk: 3, watcher.pk: 1}


@pytest.mark.parametrize("key", list(TASK_COUNTERS))
def test_each_counter_costs_the_same_queries_for_any_number_of_people(org, key):
    compute = counters.COMPUTE[key]
    now = timezone.now()

    def lay(n):
        people = [UserFactory() for _ in range(n)]
        for person in people:
            task = TaskFactory(creator=person, responsible=person, deadline=now - HOUR)
            TaskFactory(creator=person, responsible=person, status=TaskStatus.AWAITING_CONTROL)
            TaskFactory(responsible=person, status=TaskStatus.PENDING)  # without a deadline
            TaskFactory(responsible=person, deadline=now + HOUR)
            TaskMemberFactory(task=TaskFactory(), user=person)
            TaskCommentFactory(task=task)
        return [p.pk for p in people]

    few = lay(2)
    small = count_queries(lambda: compute(few))
    many = lay(25)
    assert count_queries(lambda: compute(few + many)) == small <= 3
    assert len(compute(few + many)) == 27


def _stored_task_counters(people) -> dict[tuple[int, str], int]:
    values = {
        (u, k): v
        for u, k, v in UserCounter.objects.filter(key__in=list(TASK_COUNTERS)).values_list(
            "user_id", "key", "value"
        )
    }
    return {(p.pk, key): values.get((p.pk, key), 0) for p in people for key in TASK_COUNTERS}


def test_incremental_and_rebuild_give_identical_numbers(org, commit):
    """THE test: a random run of task services, counted incrementally, equals a rebuild from scratch."""
    rng = random.Random(20250611)
    people = list(get_user_model().objects.filter(is_active=True).order_by("pk"))
    now = timezone.now()
    deadlines = [None, now - 30 * HOUR, now - HOUR, now + 3 * HOUR, now + 20 * HOUR, now + 72 * HOUR]
    done: list[str] = []

    def task_people(task):
        ids = {task.creator_id, task.responsible_id, *task.members.values_list("user_id", flat=True)}
        return [p for p in people if p.pk in ids]

    def live_tasks():
        return list(Task.objects.order_by("pk"))

    for step in range(90):
        tasks = live_tasks()
        action = rng.choice(
            ["create"] * 3
            + ["transition"] * 4
            + ["comment"] * 3
            + ["seen"] * 2
            + ["reassign", "redate", "delete"]
        )
        if not tasks:
            action = "create"
        task = rng.choice(tasks) if tasks else None
        with commit():
            if action == "create":
                creator, responsible = rng.choice(people), rng.choice(people)
                others = [p for p in people if p not in (creator, responsible)]
                members = rng.sample(others, rng.randint(0, 3))
                services.task_create(
                    actor=creator,
                    title=f"Task {step}",
                    responsible=responsible,
                    participants=members[:1],
                    observers=members[1:],
                    deadline=rng.choice(deadlines),
                    requires_control=rng.random() < 0.5,
                )
            elif action == "transition":
                actor = rng.choice([task.responsible, task.creator])
                actions = selectors.available_actions(actor, task)
                if not actions:
                    continue
                choice = rng.choice(actions)
                comment = "Please redo" if choice in ("return", "decline") else ""
                services.task_transition(
                    actor=actor, task=task, action=choice, comment=comment, open_subtasks="keep"
                )
            elif action == "comment":
                services.comment_add(actor=rng.choice(task_people(task)), task=task, body=f"Note {step}")
            elif action == "seen":
                services.task_mark_seen(user=rng.choice(task_people(task)), task=task)
            elif action == "reassign":
                services.task_update(actor=task.creator, task=task, responsible=rng.choice(people))
            elif action == "redate":
                services.task_update(actor=task.creator, task=task, deadline=rng.choice(deadlines))
            elif action == "delete":
                services.task_delete(actor=task.creator, task=task)
        done.append(action)

    assert {"create", "transition", "comment", "seen"} <= set(done)
    incremental = _stored_task_counters(people)
    assert any(incremental.values()), "the run should leave some counters above zero"
    with commit():
        registry.counters_rebuild_all()
    assert _stored_task_counters(people) == incremental
