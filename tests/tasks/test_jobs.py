"""The jobs of tasks (eager Celery in tests): their locks, the beat schedule, and the daily reminder of what
is due (once per person and local day)."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from portal.notifications.models import Notification
from tasks import jobs, services
from tasks.choices import TaskStatus
from tasks.models import Task
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    moment = {"now": None}
    real = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: moment["now"] or real())

    def set_now(value):
        moment["now"] = value
        return value

    return set_now


@pytest.fixture(autouse=True)
def _no_locks_left():
    keys = [jobs.TEMPLATES_LOCK_KEY, jobs.SWEEP_LOCK_KEY, jobs.REMINDERS_LOCK_KEY, jobs.NUMBERS_LOCK_KEY]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


# --- schedule and locks ------------------------------------------------------------------------------


def test_the_beat_schedule_names_registered_jobs():
    from portal.celery import app

    app.loader.import_default_modules()
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    expected = {
        "tasks.jobs.templates_run_due_job": jobs.templates_run_due_job,
        "tasks.jobs.deadlines_sweep_job": jobs.deadlines_sweep_job,
        "tasks.jobs.due_reminders_job": jobs.due_reminders_job,
        "tasks.jobs.task_numbers_rebuild_job": jobs.task_numbers_rebuild_job,
    }
    for name, job in expected.items():
        assert name in schedule, name
        assert app.tasks[name].name == job.name == name
    assert schedule["tasks.jobs.templates_run_due_job"].minute == set(range(60))  # every minute
    assert schedule["tasks.jobs.deadlines_sweep_job"].minute == set(range(0, 60, 5))
    assert len(schedule["tasks.jobs.due_reminders_job"].hour) == 24  # hourly: each zone in its morning
    nightly = schedule["tasks.jobs.task_numbers_rebuild_job"]
    assert len(nightly.hour) == 1 and len(nightly.minute) == 1


@pytest.mark.parametrize(
    ("job", "key", "service"),
    [
        ("templates_run_due_job", "TEMPLATES_LOCK_KEY", "templates_run_due"),
        ("deadlines_sweep_job", "SWEEP_LOCK_KEY", "deadlines_sweep"),
        ("due_reminders_job", "REMINDERS_LOCK_KEY", "due_reminders_send"),
        ("task_numbers_rebuild_job", "NUMBERS_LOCK_KEY", "task_numbers_rebuild"),
    ],
)
def test_periodic_jobs_call_their_service_under_a_lock(monkeypatch, job, key, service):
    calls = []
    monkeypatch.setattr(services, service, lambda **kwargs: calls.append(kwargs) or 7)
    lock = getattr(jobs, key)
    cache.add(lock, "another beat", timeout=60)
    assert getattr(jobs, job).delay().get() is None  # skipped: another run holds the lock
    assert calls == [] and cache.get(lock) == "another beat"
    cache.delete(lock)
    assert getattr(jobs, job).delay().get() == 7
    assert len(calls) == 1 and cache.get(lock) is None  # released after the run


def test_templates_job_creates_the_due_task_once(org, clock):
    clock(at(2025, 1, 15, 8, 0))
    template = services.template_create(actor=org.it_head, title="Daily", repeat="daily", repeat_time="09:00")
    clock(at(2025, 1, 15, 9, 0, 10))
    assert jobs.templates_run_due_job.delay().get() == 1
    assert jobs.templates_run_due_job.delay().get() == 0
    assert Task.objects.filter(template=template).count() == 1


def test_numbers_job_rebuilds_the_tasks_asked_for(org):
    task = TaskFactory(responsible=org.east_rep)
    other = TaskFactory(responsible=org.east_rep)
    TaskFactory(parent=task)
    TaskFactory(parent=other)
    assert jobs.task_numbers_rebuild_job.delay([task.pk]).get() == 1
    assert (
        Task.objects.get(pk=task.pk).subtasks_count == 1 and Task.objects.get(pk=other.pk).subtasks_count == 0
    )
    assert jobs.task_numbers_rebuild_job.delay().get() == 1


def test_sweep_job_flags_overdue_tasks(org, clock):
    cache.delete(services.sweeps.SWEEP_LAST_KEY)
    now = clock(at(2025, 6, 2, 12, 0))
    task = TaskFactory(responsible=org.east_rep, deadline=now - datetime.timedelta(minutes=1))
    assert jobs.deadlines_sweep_job.delay().get() == 1
    assert Task.objects.get(pk=task.pk).became_overdue


# --- the daily reminder ------------------------------------------------------------------------------


@pytest.fixture
def zones(org):
    """east_rep works in Tokyo (UTC+9), sales_rep in New York (UTC-5 in January), field_rep in UTC."""
    for person, zone in (
        (org.east_rep, "Asia/Tokyo"),
        (org.sales_rep, "America/New_York"),
        (org.field_rep, "UTC"),
    ):
        person.time_zone = zone
        person.save(update_fields=["time_zone"])
    return org


def reminders(person=None):
    qs = Notification.objects.filter(kind="task_due")
    return qs.filter(recipient=person) if person else qs


def test_reminder_lists_what_is_overdue_or_due_today_in_the_persons_zone(zones, clock):
    org = zones
    clock(at(2025, 1, 15, 0, 30))  # 09:30 in Tokyo, 19:30 yesterday in New York, 00:30 in UTC
    TaskFactory(title="Late report", responsible=org.east_rep, deadline=at(2025, 1, 14, 3, 0))
    TaskFactory(
        title="Call the bank", responsible=org.east_rep, deadline=at(2025, 1, 15, 8, 0)
    )  # 17:00 Tokyo
    TaskFactory(
        title="Tomorrow", responsible=org.east_rep, deadline=at(2025, 1, 15, 15, 30)
    )  # 00:30 next day
    TaskFactory(
        title="Done", responsible=org.east_rep, deadline=at(2025, 1, 14, 3, 0), status=TaskStatus.COMPLETED
    )
    TaskFactory(title="Evening", responsible=org.sales_rep, deadline=at(2025, 1, 15, 3, 0))  # 22:00 NY today
    TaskFactory(title="Early", responsible=org.field_rep, deadline=at(2025, 1, 15, 10, 0))
    assert services.due_reminders_send() == 2  # Tokyo (morning) and New York (evening); UTC sleeps
    (note,) = reminders(org.east_rep)
    assert note.title == "Your tasks today: 1 due, 1 overdue"
    assert "Late report" in note.body and "Call the bank" in note.body and "17:00" in note.body
    assert "Tomorrow" not in note.body and "Done" not in note.body
    assert note.url == "/tasks/"
    assert "Evening" in reminders(org.sales_rep).get().body
    assert not reminders(org.field_rep).exists()


def test_reminder_goes_out_once_per_person_and_local_day(zones, clock):
    org = zones
    clock(at(2025, 1, 15, 0, 30))
    TaskFactory(responsible=org.east_rep, deadline=at(2025, 1, 14, 3, 0))
    TaskFactory(responsible=org.field_rep, deadline=at(2025, 1, 15, 17, 0))
    assert services.due_reminders_send() == 1
    clock(at(2025, 1, 15, 9, 0))  # later the same Tokyo day; UTC's morning now
    assert services.due_reminders_send() == 1
    assert reminders(org.east_rep).count() == 1 and reminders(org.field_rep).count() == 1
    assert jobs.due_reminders_job.delay().get() == 0  # a re-run sends nothing twice
    clock(at(2025, 1, 16, 0, 30))  # the next Tokyo morning: the overdue task is still there
    assert services.due_reminders_send() == 1
    assert reminders(org.east_rep).count() == 2


def test_no_reminder_without_anything_due_or_for_inactive_people(zones, clock):
    org = zones
    clock(at(2025, 1, 15, 12, 0))
    TaskFactory(responsible=org.field_rep, deadline=at(2025, 1, 16, 12, 0))
    TaskFactory(responsible=org.developer)  # no deadline
    org.it_head.is_active = False
    org.it_head.save(update_fields=["is_active"])
    TaskFactory(responsible=org.it_head, deadline=at(2025, 1, 14, 12, 0))
    assert services.due_reminders_send() == 0
    assert not reminders().exists()


def test_reminder_caps_the_list(zones, clock):
    org = zones
    clock(at(2025, 1, 15, 12, 0))
    for n in range(25):
        TaskFactory(title=f"Old {n}", responsible=org.field_rep, deadline=at(2025, 1, 10, 12, n))
    services.due_reminders_send()
    body = reminders(org.field_rep).get().body
    assert body.count("•") == services.sweeps.REMINDER_MAX_LINES and "5 more" in body
