"""The tasks of the demo company (`manage.py seed_demo`): weeks of believable work, through the services."""

from __future__ import annotations

import datetime
import io
import random
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from portal.core.demo import DEMO_DOMAIN, seed_demo
from portal.groups.models import Workgroup
from portal.notifications.models import UserCounter
from portal.people.models import Company, User
from portal.stream.mentions import plain
from portal.stream.models import Entry
from tasks import counters, selectors
from tasks.choices import CLOSED_STATUSES, TaskStatus
from tasks.demo import DEPARTMENT_WORK, DemoTasks, seed_demo_tasks
from tasks.models import (
    ChecklistItem,
    Tag,
    Task,
    TaskComment,
    TaskLink,
    TaskMember,
    TaskTemplate,
    TimeEntry,
)
from tasks.services.time import user_zone

pytestmark = pytest.mark.django_db


def person(local: str) -> User:
    return User.objects.get(email=f"{local}@{DEMO_DOMAIN}")


@pytest.fixture
def seeded(demo_company, db):
    """The whole demo, as `make run` seeds it, with the jobs scheduled on commit (counters) run (once per
    run: tests/conftest.py)."""
    return demo_company


def test_demo_tasks_are_a_believable_few_hundred(seeded):
    tasks = Task.objects.all()
    assert 150 <= tasks.count() <= 400
    assert f"Tasks: {tasks.count()} tasks" in seeded
    assert set(tasks.values_list("status", flat=True)) == set(TaskStatus.values)
    now = timezone.now()
    assert tasks.overdue(now).count() >= 5
    assert tasks.filter(status=TaskStatus.AWAITING_CONTROL).count() >= 3
    assert tasks.open().filter(deadline__isnull=True).exists()
    assert tasks.open().filter(deadline__gte=now, deadline__lt=now + datetime.timedelta(hours=24)).exists()
    # Completed over the past weeks, some of them late: what the efficiency figures are made of.
    done = tasks.filter(status=TaskStatus.COMPLETED)
    weeks = {(now - t).days // 7 for t in done.values_list("completed_at", flat=True)}
    assert len(weeks) >= 4
    assert not done.filter(completed_at__gt=now).exists()
    assert done.filter(became_overdue=True).exists() and done.filter(became_overdue=False).exists()
    # Everything that goes with the work.
    assert (
        ChecklistItem.objects.filter(is_done=True).exists()
        and ChecklistItem.objects.filter(is_done=False).exists()
    )
    assert TaskComment.objects.count() >= 50
    assert TaskComment.objects.filter(body__contains="(user:").exists()  # mentions
    assert TimeEntry.objects.count() >= 20 and tasks.filter(time_spent__gt=0).exists()
    assert Tag.objects.filter(group__isnull=False, task_tags__isnull=False).exists()
    assert Tag.objects.filter(owner__isnull=False, task_tags__isnull=False).exists()
    assert tasks.filter(members__role="participant").exists()
    assert tasks.filter(members__role="observer").exists()

    # Projects have a plan: phases of steps (some split again), linked finish-to-start, dated in order.
    for name in ("Website relaunch", "ERP migration", "Mobile app 2.0"):
        group = Workgroup.objects.get(name=name)
        project = Task.objects.filter(group=group)
        assert project.count() >= 15, name
        assert not project.filter(planned_start__isnull=True).exists(), name
        phases = project.filter(parent__isnull=True)
        for phase in phases:
            assert 2 <= phase.subtasks.count() <= 5, phase.title
        assert project.filter(parent__parent__isnull=False).exists(), f"{name}: no third level"
        links = TaskLink.objects.filter(successor__group=group).select_related("predecessor", "successor")
        assert links.count() >= 5, name
        for link in links:
            assert link.kind == "fs"
            assert link.successor.planned_start >= link.predecessor.planned_end, link
    # The calendar decides: what ended long ago is done, what lies ahead has not started.
    now = timezone.now()
    past = Task.objects.filter(group__kind="project", planned_end__lt=now - datetime.timedelta(days=7))
    future = Task.objects.filter(group__kind="project", planned_start__gt=now + datetime.timedelta(days=7))
    assert past.filter(status=TaskStatus.COMPLETED).count() > past.count() / 2
    assert not future.filter(status__in=[TaskStatus.COMPLETED, TaskStatus.IN_PROGRESS]).exists()
    assert Task.objects.filter(group__kind="project", status=TaskStatus.IN_PROGRESS).exists()

    # The stored numbers are those of the rows.
    closed = Q(subtasks__status__in=CLOSED_STATUSES)
    for task in Task.objects.annotate(
        n_sub=Count("subtasks", distinct=True),
        n_done=Count("subtasks", filter=closed, distinct=True),
        n_comments=Count("comments", distinct=True),
    ):
        assert (task.subtasks_count, task.subtasks_done, task.comments_count) == (
            task.n_sub,
            task.n_done,
            task.n_comments,
        ), task.title
    for task in Task.objects.filter(comments_count__gt=0)[:30]:
        bodies = [plain(body) for body in task.comments.values_list("body", flat=True)]
        assert all(body in task.search_text for body in bodies), task.title
        assert task.last_comment_at == max(task.comments.values_list("created_at", flat=True))


def test_history_people_counters_templates_and_a_second_run(seeded):
    now = timezone.now()
    created = sorted(Task.objects.values_list("created_at", flat=True))
    assert (now - created[0]).days >= 28 and created[-1] <= now
    for task in Task.objects.filter(status=TaskStatus.COMPLETED):
        assert task.created_at <= task.completed_at <= now, task.title
        assert task.started_at is None or task.created_at <= task.started_at <= task.completed_at, task.title
        stamps = list(task.comments.values_list("created_at", flat=True))
        assert all(task.created_at <= s <= task.completed_at for s in stamps), task.title
    task_type = ContentType.objects.get_for_model(Task)
    events = Entry.objects.filter(target_type=task_type)
    assert events.filter(created_at__lt=now - datetime.timedelta(days=7)).count() > events.count() / 3
    # The curated posts of the stream demo stay on top of the feed.
    newest = Entry.objects.order_by("-created_at").first()
    assert newest.target_type_id != task_type.pk

    # The demo people see their tasks.
    manager, head, ceo = person("sales.manager"), person("sales.head"), person("ceo")
    mine = selectors.task_list(user=manager, filters={"role": "do"})
    assert mine.exists() and all(t.responsible_id == manager.pk for t in mine)
    assert selectors.task_list(user=head, filters={"role": "set"}).exists()
    # A supervisor sees the work of the people below them, set by someone else.
    key_account = person("ka.manager1")
    theirs = Task.objects.filter(responsible=key_account).exclude(creator=head)
    assert theirs.exists()
    assert set(theirs.values_list("pk", flat=True)) <= set(
        Task.objects.visible_to(head).values_list("pk", flat=True)
    )
    assert Task.objects.visible_to(ceo).count() > Task.objects.visible_to(head).count()
    # A secret project's tasks stay with its members.
    secret = Task.objects.filter(group__name="Mobile app 2.0")
    assert secret.exists() and not Task.objects.visible_to(manager).filter(pk__in=secret).exists()
    assert Task.objects.visible_to(person("ios")).filter(pk__in=secret).count() == secret.count()

    # Their counters are stored (the services recount them after commit).
    people = list(
        User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}", is_active=True).values_list("pk", flat=True)
    )
    stored = {(c.user_id, c.key): c.value for c in UserCounter.objects.filter(key__startswith="tasks.")}
    overdue = counters.overdue(people)
    assert any(overdue.values())
    for user_id in people:
        assert stored.get((user_id, "tasks.overdue"), 0) == overdue.get(user_id, 0)

    # Two templates: a weekly report (Mondays), and an onboarding with subtasks, used once.
    weekly = TaskTemplate.objects.get(title="Weekly sales report")
    assert weekly.repeat == "weekly" and weekly.weekdays == [0] and weekly.next_run_at > timezone.now()
    assert weekly.next_run_at.astimezone(user_zone(weekly.creator)).weekday() == 0
    onboarding = TaskTemplate.objects.get(title="Onboarding of a new colleague", parent__isnull=True)
    assert onboarding.subtemplates.count() == 3
    made = Task.objects.get(template=onboarding, parent__isnull=True)
    assert made.subtasks.count() == 3

    # A second run adds nothing.
    before = (Task.objects.count(), TaskComment.objects.count(), TaskTemplate.objects.count())
    assert set(seed_demo_tasks().values()) == {0}
    call_command("seed_demo", stdout=io.StringIO())
    assert (Task.objects.count(), TaskComment.objects.count(), TaskTemplate.objects.count()) == before


def test_skipped_without_the_demo_company(db):
    out = io.StringIO()
    assert set(seed_demo_tasks(stdout=out).values()) == {0}
    assert "skipped" in out.getvalue()
    assert not Task.objects.exists()


def test_department_work_gives_each_person_one_role():
    """The CEO's assistant is drawn now as a colleague helping out, now as the observer: never both on one
    task (the services refuse that), whatever the random draws, which shift with the calendar."""
    locals_ = {head for head in DEPARTMENT_WORK} | {p for team, _ in DEPARTMENT_WORK.values() for p in team}
    people = {local: SimpleNamespace(pk=pk, local=local) for pk, local in enumerate(sorted(locals_), 1)}
    drawn = []
    overlaps = 0
    for seed in range(300):
        seeder = DemoTasks(people=people, rng=random.Random(seed), now=timezone.now())
        seeder.everyday = lambda **kwargs: drawn.append(kwargs)
        seeder.department_work()
    for kwargs in drawn:
        participants = {p.pk for p in kwargs["participants"]}
        observers = {o.pk for o in kwargs["observers"]}
        assert not participants & observers, kwargs
        assert not (participants | observers) & {kwargs["creator"].pk, kwargs["responsible"].pk}, kwargs
        overlaps += people["assistant"].pk in participants and kwargs["creator"].local == "ceo"
    # The case is met: the assistant does help out on the CEO's tasks (as participant, not observer then).
    assert overlaps > 0
    assert any(o.local == "assistant" for kwargs in drawn for o in kwargs["observers"])


@pytest.mark.parametrize(
    "day",
    [datetime.date(2026, 12, 30), datetime.date(2026, 12, 31), datetime.date(2028, 2, 29)],
    ids=str,
)
def test_demo_seeds_on_any_day(day, monkeypatch):
    """The days the draws once made somebody participant and observer at once; and a leap day. The services
    stamp `timezone.now()` too, so the clock itself is moved there (and keeps running)."""
    now = datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=datetime.UTC)
    started = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now + (datetime.datetime.now(datetime.UTC) - started))
    Company.objects.all().delete()
    seed_demo()
    created = seed_demo_tasks(now=now)
    now = timezone.now()
    assert 150 <= created["tasks"] <= 400
    assert Task.objects.count() == created["tasks"]
    assert not Task.objects.filter(created_at__gt=now).exists()
    assert not Task.objects.filter(completed_at__gt=now).exists()
    twice = (
        TaskMember.objects.values("task_id", "user_id")
        .annotate(n=Count("role", distinct=True))
        .filter(n__gt=1)
    )
    assert not twice.exists()
    assert TaskMember.objects.filter(role="participant").exists()
    assert TaskMember.objects.filter(role="observer").exists()
