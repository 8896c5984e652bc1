"""Time services of tasks: timers, manual entries, the over-estimate warning, templates and recurrence,
the deadline sweep and the rebuild of the stored numbers."""

from __future__ import annotations

import datetime
import threading
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from portal.core.errors import NotFound
from portal.core.models import AuditLog
from portal.notifications.models import Notification, UserCounter
from tasks import services
from tasks.choices import CLOSED_STATUSES, MemberRole, Repeat, TaskStatus, TimeSource
from tasks.models import ChecklistItem, Tag, Task, TaskTemplate, TimeEntry
from tasks.services import sweeps, templates
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.tasks.factories import TaskFactory, TaskMemberFactory, TimeEntryFactory

UTC = datetime.UTC


def at(*args, tz=UTC) -> datetime.datetime:
    """An aware moment: at(2025, 3, 30, 9, tz=BERLIN)."""
    return datetime.datetime(*args, tzinfo=tz)


BERLIN = ZoneInfo("Europe/Berlin")


class Clock:
    """A settable `timezone.now()` (None: the real time)."""

    def __init__(self) -> None:
        self.now: datetime.datetime | None = None

    def set(self, moment: datetime.datetime) -> datetime.datetime:
        self.now = moment
        return moment

    def shift(self, **delta) -> datetime.datetime:
        self.now = self.now + datetime.timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    real = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: clock.now or real())
    return clock


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what services schedule on commit (counter recounts...) inside a `db` test."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def people(org):
    return SimpleNamespace(
        creator=org.it_head,
        responsible=org.east_rep,
        participant=org.field_rep,
        observer=org.sales_rep,
        supervisor=org.sales_head,
        outsider=org.developer,
        admin=org.admin,
    )


@pytest.fixture
def task(people):
    task = TaskFactory(creator=people.creator, responsible=people.responsible, title="Quarterly report")
    TaskMemberFactory(task=task, user=people.participant, role=MemberRole.PARTICIPANT)
    TaskMemberFactory(task=task, user=people.observer, role=MemberRole.OBSERVER)
    return task


def audit_actions(task) -> list[str]:
    return list(
        AuditLog.objects.filter(target_id=str(task.pk), target_type__model="task")
        .order_by("id")
        .values_list("action", flat=True)
    )


def spent(task) -> int:
    return Task.objects.values_list("time_spent", flat=True).get(pk=task.pk)


# --- timers ------------------------------------------------------------------------------------------


def test_timer_start_and_stop_log_the_time_on_the_task(task, people, clock):
    clock.set(at(2025, 5, 5, 9, 0))
    entry = services.timer_start(actor=people.participant, task=task)
    assert entry.ended_at is None and entry.source == TimeSource.TIMER and entry.seconds == 0
    clock.shift(minutes=25, seconds=3)
    stopped = services.timer_stop(actor=people.participant)
    assert stopped.pk == entry.pk
    stopped.refresh_from_db()
    assert stopped.ended_at == at(2025, 5, 5, 9, 25, 3) and stopped.seconds == 25 * 60 + 3
    assert spent(task) == 25 * 60 + 3
    assert audit_actions(task) == ["task.timer_start", "task.timer_stop"]
    assert services.timer_stop(actor=people.participant) is None  # nothing runs any more


def test_starting_a_timer_stops_the_one_that_runs(task, people, clock):
    other = TaskFactory(creator=people.responsible, responsible=people.responsible)
    clock.set(at(2025, 5, 5, 9, 0))
    first = services.timer_start(actor=people.responsible, task=task)
    clock.shift(minutes=10)
    second = services.timer_start(actor=people.responsible, task=other)
    first.refresh_from_db()
    assert first.seconds == 600 and first.ended_at == at(2025, 5, 5, 9, 10)
    assert TimeEntry.objects.running().filter(user=people.responsible).get() == second
    assert spent(task) == 600 and spent(other) == 0
    # Starting the running one again changes nothing.
    clock.shift(minutes=5)
    assert services.timer_start(actor=people.responsible, task=other) == second
    assert TimeEntry.objects.filter(user=people.responsible).count() == 2


def test_one_running_timer_per_person_is_a_database_rule(task, people):
    TimeEntry.objects.create(task=task, user=people.responsible, started_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.create(task=task, user=people.responsible, started_at=timezone.now())


@pytest.mark.parametrize(
    ("role", "outcome"),
    [
        ("creator", "ok"),
        ("responsible", "ok"),
        ("participant", "ok"),
        ("admin", "ok"),
        ("observer", PermissionDenied),
        ("supervisor", PermissionDenied),
        ("outsider", NotFound),
    ],
)
def test_who_may_track_time(task, people, role, outcome):
    actor = getattr(people, role)
    for action in (
        lambda: services.timer_start(actor=actor, task=task),
        lambda: services.time_entry_add(actor=actor, task=task, seconds=60),
    ):
        if outcome == "ok":
            action()
        else:
            with pytest.raises(outcome):
                action()
    assert TimeEntry.objects.filter(user=actor).count() == (2 if outcome == "ok" else 0)


def test_anonymous_may_not_track_time(task):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.timer_start(actor=AnonymousUser(), task=task)
    with pytest.raises(PermissionDenied):
        services.timer_stop(actor=AnonymousUser())


def test_no_timer_on_a_closed_task(task, people):
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.COMPLETED)
    task.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.timer_start(actor=people.responsible, task=task)
    assert "task" in error.value.message_dict
    assert not TimeEntry.objects.exists()


# --- manual entries ----------------------------------------------------------------------------------


def test_manual_entry_ends_now_by_default(task, people, clock):
    clock.set(at(2025, 5, 5, 12, 0))
    entry = services.time_entry_add(actor=people.responsible, task=task, seconds=5400, comment="  Drafting  ")
    assert (entry.started_at, entry.ended_at) == (at(2025, 5, 5, 10, 30), at(2025, 5, 5, 12, 0))
    assert entry.source == TimeSource.MANUAL and entry.comment == "Drafting"
    assert spent(task) == 5400
    assert audit_actions(task) == ["task.time_add"]


def test_manual_entry_with_a_start(task, people, clock):
    clock.set(at(2025, 5, 5, 12, 0))
    entry = services.time_entry_add(
        actor=people.responsible, task=task, seconds=3600, started_at=at(2025, 5, 4, 8, 0)
    )
    assert entry.ended_at == at(2025, 5, 4, 9, 0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"seconds": 0}, "seconds"),
        ({"seconds": -5}, "seconds"),
        ({"seconds": 7 * 24 * 3600 + 1}, "seconds"),
        ({"seconds": "lots"}, "seconds"),
        ({"seconds": True}, "seconds"),
        ({"seconds": 1.5}, "seconds"),
        ({"seconds": 60, "comment": "x" * 501}, "comment"),
        ({"seconds": 60, "started_at": at(2025, 5, 5, 13, 0)}, "started_at"),  # starts in the future
        ({"seconds": 7200, "started_at": at(2025, 5, 5, 11, 0)}, "seconds"),  # would end in the future
        ({"seconds": 60, "started_at": datetime.datetime(2025, 5, 5, 8, 0)}, "started_at"),  # naive
    ],
)
def test_bad_manual_entries_change_nothing(task, people, clock, kwargs, field):
    clock.set(at(2025, 5, 5, 12, 0))
    with pytest.raises(ValidationError) as error:
        services.time_entry_add(actor=people.responsible, task=task, **kwargs)
    assert field in error.value.message_dict
    assert not TimeEntry.objects.exists() and spent(task) == 0 and audit_actions(task) == []


def test_a_week_is_the_longest_entry(task, people):
    services.time_entry_add(actor=people.responsible, task=task, seconds=7 * 24 * 3600)
    assert spent(task) == 7 * 24 * 3600


def test_update_adjusts_the_task_by_the_difference(task, people):
    entry = services.time_entry_add(actor=people.participant, task=task, seconds=3600)
    services.time_entry_add(actor=people.responsible, task=task, seconds=600)
    updated = services.time_entry_update(actor=people.participant, entry=entry, seconds=1800, comment="less")
    assert (updated.seconds, updated.comment) == (1800, "less")
    assert updated.ended_at == updated.started_at + datetime.timedelta(seconds=1800)
    assert spent(task) == 2400
    history = AuditLog.objects.filter(action="task.time_update").get()
    assert history.changes["seconds"] == [3600, 1800] and history.target_id == str(task.pk)
    # Nothing changed: no audit row.
    services.time_entry_update(actor=people.participant, entry=updated, seconds=1800)
    assert AuditLog.objects.filter(action="task.time_update").count() == 1


def test_only_the_author_or_an_admin_changes_an_entry(task, people):
    entry = services.time_entry_add(actor=people.participant, task=task, seconds=3600)
    for actor in (people.responsible, people.creator):
        with pytest.raises(PermissionDenied):
            services.time_entry_update(actor=actor, entry=entry, seconds=60)
        with pytest.raises(PermissionDenied):
            services.time_entry_delete(actor=actor, entry=entry)
    with pytest.raises(NotFound):
        services.time_entry_update(actor=people.outsider, entry=entry, seconds=60)
    services.time_entry_update(actor=people.admin, entry=entry, seconds=60)
    assert spent(task) == 60


def test_a_running_timer_cannot_be_corrected(task, people):
    entry = services.timer_start(actor=people.responsible, task=task)
    with pytest.raises(ValidationError) as error:
        services.time_entry_update(actor=people.responsible, entry=entry, seconds=600)
    assert "seconds" in error.value.message_dict
    services.time_entry_update(actor=people.responsible, entry=entry, comment="on it")
    entry.refresh_from_db()
    assert entry.comment == "on it" and entry.ended_at is None


def test_correcting_keeps_the_start_unless_the_entry_would_end_in_the_future(task, people, clock):
    clock.set(at(2025, 5, 5, 12, 0))
    entry = services.time_entry_add(
        actor=people.responsible, task=task, seconds=3600, started_at=at(2025, 5, 5, 8, 0)
    )
    entry = services.time_entry_update(actor=people.responsible, entry=entry, seconds=7200)
    assert (entry.started_at, entry.ended_at) == (at(2025, 5, 5, 8, 0), at(2025, 5, 5, 10, 0))
    entry = services.time_entry_update(actor=people.responsible, entry=entry, seconds=6 * 3600)
    assert (entry.started_at, entry.ended_at) == (at(2025, 5, 5, 6, 0), at(2025, 5, 5, 12, 0))
    entry.refresh_from_db()
    assert entry.ended_at == at(2025, 5, 5, 12, 0) and spent(task) == 6 * 3600
    with pytest.raises(ValidationError):
        services.time_entry_update(actor=people.responsible, entry=entry, seconds=0)
    assert spent(task) == 6 * 3600


def test_delete_takes_the_time_off_never_below_zero(task, people):
    first = services.time_entry_add(actor=people.responsible, task=task, seconds=3600)
    second = services.time_entry_add(actor=people.responsible, task=task, seconds=600)
    services.time_entry_delete(actor=people.responsible, entry=first)
    assert spent(task) == 600 and not TimeEntry.objects.filter(pk=first.pk).exists()
    Task.objects.filter(pk=task.pk).update(time_spent=100)  # out of step (the rebuild fixes it)
    services.time_entry_delete(actor=people.admin, entry=second)
    assert spent(task) == 0
    assert audit_actions(task).count("task.time_delete") == 2


# --- over-estimate -----------------------------------------------------------------------------------


def over_estimate_notes(task):
    return Notification.objects.filter(
        kind="task", target_id=str(task.pk), title__contains="over the estimate"
    )


def test_crossing_the_estimate_notifies_creator_and_responsible_once(task, people):
    Task.objects.filter(pk=task.pk).update(time_estimate=3600)
    services.time_entry_add(actor=people.participant, task=task, seconds=3000)
    assert not over_estimate_notes(task).exists()
    services.time_entry_add(actor=people.participant, task=task, seconds=600)  # exactly the estimate
    assert not over_estimate_notes(task).exists()
    services.time_entry_add(actor=people.participant, task=task, seconds=1)
    notes = over_estimate_notes(task)
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted(
        [people.creator.pk, people.responsible.pk]
    )
    # More time, or dropping below and crossing again, does not repeat the warning...
    extra = services.time_entry_add(actor=people.responsible, task=task, seconds=600)
    services.time_entry_delete(actor=people.responsible, entry=extra)
    last = services.time_entry_add(actor=people.participant, task=task, seconds=900)
    assert over_estimate_notes(task).count() == 2
    # ...until the estimate changes.
    Task.objects.filter(pk=task.pk).update(time_estimate=4000)
    services.time_entry_delete(actor=people.participant, entry=last)
    services.time_entry_add(actor=people.participant, task=task, seconds=900)
    assert over_estimate_notes(task).count() == 4
    assert audit_actions(task).count("task.over_estimate") == 2


def test_no_warning_without_an_estimate(task, people):
    services.time_entry_add(actor=people.responsible, task=task, seconds=90000)
    assert not over_estimate_notes(task).exists()


def test_a_stopped_timer_can_cross_the_estimate(task, people, clock):
    Task.objects.filter(pk=task.pk).update(time_estimate=600)
    clock.set(at(2025, 5, 5, 9, 0))
    services.timer_start(actor=people.responsible, task=task)
    clock.shift(minutes=11)
    services.timer_stop(actor=people.responsible)
    assert over_estimate_notes(task).count() == 2


# --- templates ---------------------------------------------------------------------------------------


@pytest.fixture
def berlin_creator(people):
    people.creator.time_zone = "Europe/Berlin"
    people.creator.save(update_fields=["time_zone"])
    return people.creator


def test_template_create_keeps_everything(people, clock):
    clock.set(at(2025, 1, 15, 10, 0))
    group = WorkgroupFactory(name="Finance")
    template = services.template_create(
        actor=people.creator,
        title="  Monthly close ",
        description="Close the books.",
        responsible=people.responsible,
        participants=[people.participant],
        observers=[people.observer.pk],
        group=group,
        priority="high",
        tag_names=["finance", " Close ", "FINANCE", ""],
        checklist=["Reconcile", "  ", "Report"],
        deadline_days=3,
        time_estimate=7200,
        allow_change_deadline=True,
        requires_control=True,
        subtasks=[
            {"title": "Collect invoices", "responsible": people.participant, "checklist": ["Scan"]},
            {"title": "Check payroll", "description": "All of it"},
        ],
    )
    template.refresh_from_db()
    assert template.title == "Monthly close" and template.creator == people.creator
    assert template.tag_names == ["finance", "Close"] and template.checklist == ["Reconcile", "Report"]
    assert list(template.participants.all()) == [people.participant]
    assert list(template.observers.all()) == [people.observer]
    assert (template.group, template.priority, template.deadline_days) == (group, "high", 3)
    assert template.repeat == Repeat.NONE and template.next_run_at is None
    subs = list(template.subtemplates.order_by("id"))
    assert [(s.title, s.responsible, s.checklist) for s in subs] == [
        ("Collect invoices", people.participant, ["Scan"]),
        ("Check payroll", None, []),
    ]
    assert all(s.group == group and not s.is_active for s in subs)
    assert AuditLog.objects.filter(action="template.create", target_id=str(template.pk)).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": " "}, "title"),
        ({"title": "x" * 251}, "title"),
        ({"repeat": "yearly", "repeat_time": "09:00"}, "repeat"),
        ({"repeat": "daily"}, "repeat_time"),
        ({"repeat": "daily", "repeat_time": "25:00"}, "repeat_time"),
        ({"repeat": "daily", "repeat_time": "9 o'clock"}, "repeat_time"),
        ({"repeat": "daily", "repeat_time": "09:00", "repeat_until": "2025-02-30"}, "repeat_until"),
        ({"repeat": "weekly", "repeat_time": "09:00"}, "weekdays"),
        ({"repeat": "weekly", "repeat_time": "09:00", "weekdays": [1, 7]}, "weekdays"),
        ({"repeat": "weekly", "repeat_time": "09:00", "weekdays": "mon"}, "weekdays"),
        ({"repeat": "monthly", "repeat_time": "09:00"}, "month_day"),
        ({"repeat": "monthly", "repeat_time": "09:00", "month_day": 32}, "month_day"),
        ({"repeat": "monthly", "repeat_time": "09:00", "month_day": 0}, "month_day"),
        ({"repeat": "daily", "repeat_time": "09:00", "repeat_until": "2025-01-01"}, "repeat_until"),
        ({"priority": "urgent"}, "priority"),
        ({"deadline_days": 0}, "deadline_days"),
        ({"time_estimate": -1}, "time_estimate"),
        ({"checklist": "one line"}, "checklist"),
        ({"checklist": ["x" * 501]}, "checklist"),
        ({"tag_names": ["a,b"]}, "tag_names"),
        ({"subtasks": [{"title": ""}]}, "subtasks"),
        ({"subtasks": [{"title": "ok", "colour": "red"}]}, "subtasks"),
        ({"participants": ["nobody"]}, "participants"),
    ],
)
def test_template_validation(people, clock, fields, field):
    clock.set(at(2025, 1, 15, 10, 0))
    values = {"title": "Report", **fields}
    with pytest.raises(ValidationError) as error:
        services.template_create(actor=people.creator, **values)
    assert field in error.value.message_dict
    assert not TaskTemplate.objects.exists()


def test_template_people_and_group_rules(people, org):
    org.field_rep.is_active = False
    org.field_rep.save(update_fields=["is_active"])
    secret = WorkgroupFactory(visibility="secret")
    cases = [
        ({"responsible": org.field_rep}, "responsible"),
        ({"participants": [org.field_rep]}, "participants"),
        ({"participants": [people.observer], "observers": [people.observer]}, "observers"),
        ({"group": secret}, "group"),
        ({"group": secret.pk}, "group"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as error:
            services.template_create(actor=people.creator, title="Report", **fields)
        assert field in error.value.message_dict, fields
    MembershipFactory(group=secret, user=people.creator)
    assert services.template_create(actor=people.creator, title="Report", group=secret.pk).group == secret


def test_unknown_template_fields_are_a_programming_error(people):
    with pytest.raises(TypeError):
        services.template_create(actor=people.creator, title="Report", colour="red")


def test_daily_template_first_run_is_in_the_creators_time_zone(berlin_creator, clock):
    clock.set(at(2025, 1, 15, 10, 0))  # 11:00 in Berlin: today's 09:00 has passed
    template = services.template_create(
        actor=berlin_creator, title="Stand-up notes", repeat="daily", repeat_time=datetime.time(9, 0)
    )
    assert template.next_run_at == at(2025, 1, 16, 9, 0, tz=BERLIN) == at(2025, 1, 16, 8, 0)
    clock.set(at(2025, 1, 15, 7, 0))  # 08:00 in Berlin: today's run is still ahead
    early = services.template_create(actor=berlin_creator, title="Early", repeat="daily", repeat_time="09:00")
    assert early.next_run_at == at(2025, 1, 15, 8, 0)


def test_weekly_template_runs_on_the_chosen_days(berlin_creator, clock):
    clock.set(at(2025, 1, 14, 12, 0))  # a Tuesday
    template = services.template_create(
        actor=berlin_creator, title="Weekly", repeat="weekly", weekdays=[4, 0, 0], repeat_time="17:30"
    )
    assert template.weekdays == [0, 4]
    assert template.next_run_at == at(2025, 1, 17, 17, 30, tz=BERLIN)  # Friday
    assert templates.template_next_run(template, after=template.next_run_at) == at(
        2025, 1, 20, 17, 30, tz=BERLIN
    )  # then Monday


@pytest.mark.parametrize(
    ("month_day", "now", "expected"),
    [
        (31, at(2025, 2, 1, 12, 0), datetime.date(2025, 2, 28)),  # clamped to February's length
        (31, at(2024, 2, 1, 12, 0), datetime.date(2024, 2, 29)),  # a leap year
        (31, at(2025, 4, 1, 12, 0), datetime.date(2025, 4, 30)),
        (15, at(2025, 1, 15, 12, 0), datetime.date(2025, 2, 15)),  # today's moment has passed
        (1, at(2025, 12, 20, 12, 0), datetime.date(2026, 1, 1)),
    ],
)
def test_monthly_template_is_clamped_to_the_months_length(people, clock, month_day, now, expected):
    clock.set(now)
    template = services.template_create(
        actor=people.creator, title="Monthly", repeat="monthly", month_day=month_day, repeat_time="10:00"
    )
    assert template.next_run_at == datetime.datetime.combine(expected, datetime.time(10, 0), tzinfo=UTC)


def test_the_wall_clock_time_survives_daylight_saving_changes(berlin_creator, clock):
    clock.set(at(2025, 3, 29, 8, 30))  # Saturday 09:30 CET
    template = services.template_create(
        actor=berlin_creator, title="Daily", repeat="daily", repeat_time="09:00"
    )
    assert template.next_run_at == at(2025, 3, 30, 7, 0)  # Sunday 09:00 CEST = 07:00 UTC (was 08:00)
    created = []
    for _day in range(3):
        clock.set(template.next_run_at + datetime.timedelta(seconds=20))
        created.append(services.templates_run_due())
        template.refresh_from_db()
    assert created == [1, 1, 1]
    assert template.next_run_at == at(2025, 4, 2, 9, 0, tz=BERLIN) == at(2025, 4, 2, 7, 0)
    # And back in autumn: 09:00 CEST on Saturday is 07:00 UTC, 09:00 CET on Sunday is 08:00 UTC.
    assert templates.template_next_run(template, after=at(2025, 10, 24, 12, 0)) == at(2025, 10, 25, 7, 0)
    assert templates.template_next_run(template, after=at(2025, 10, 25, 7, 0)) == at(2025, 10, 26, 8, 0)


def test_a_wall_time_skipped_by_the_clock_change_runs_after_the_gap(berlin_creator, clock):
    clock.set(at(2025, 3, 29, 12, 0))
    template = services.template_create(
        actor=berlin_creator, title="Night", repeat="daily", repeat_time="02:30"
    )
    assert template.next_run_at == at(2025, 3, 30, 1, 30)  # 03:30 CEST: 02:30 did not exist that night


def test_template_update_recomputes_the_next_run_and_replaces_subtasks(people, clock):
    clock.set(at(2025, 1, 15, 10, 0))
    template = services.template_create(
        actor=people.creator, title="Report", subtasks=[{"title": "Old one"}, {"title": "Old two"}]
    )
    updated = services.template_update(
        actor=people.creator,
        template=template,
        repeat="weekly",
        weekdays=[2],
        repeat_time="08:00",
        subtasks=[{"title": "New", "checklist": ["a"]}],
    )
    assert updated.next_run_at == at(2025, 1, 22, 8, 0)  # next Wednesday (today's moment passed)
    assert list(updated.subtemplates.values_list("title", "checklist")) == [("New", ["a"])]
    assert TaskTemplate.objects.count() == 2
    history = AuditLog.objects.filter(action="template.update").get()
    assert history.changes["repeat"] == ["none", "weekly"]
    assert history.changes["subtasks"] == ["Old one, Old two", "New"]
    # A change outside the recurrence keeps the next run as it is.
    clock.set(at(2025, 1, 21, 10, 0))
    assert services.template_update(
        actor=people.creator, template=updated, title="Report v2"
    ).next_run_at == at(2025, 1, 22, 8, 0)
    # Switching it off clears the next run; switching on again plans it.
    assert (
        services.template_update(actor=people.creator, template=updated, is_active=False).next_run_at is None
    )
    assert services.template_update(actor=people.creator, template=updated, is_active=True).next_run_at == at(
        2025, 1, 22, 8, 0
    )


def test_templates_belong_to_their_creator(people):
    template = services.template_create(actor=people.creator, title="Mine")
    for actor in (people.responsible, people.supervisor):
        with pytest.raises(NotFound):
            services.template_update(actor=actor, template=template, title="Theirs")
        with pytest.raises(NotFound):
            services.task_from_template(actor=actor, template=template)
        with pytest.raises(NotFound):
            services.template_delete(actor=actor, template=template)
    services.template_update(actor=people.admin, template=template, title="Admin's")
    template.refresh_from_db()
    assert template.title == "Admin's"


def test_template_delete_keeps_the_tasks_made_from_it(people):
    template = services.template_create(
        actor=people.creator, title="Report", responsible=people.responsible, subtasks=[{"title": "Part"}]
    )
    task = services.task_from_template(actor=people.creator, template=template)
    template_pk = template.pk
    services.template_delete(actor=people.creator, template=template)
    assert not TaskTemplate.objects.exists()
    task.refresh_from_db()
    assert task.template is None and task.subtasks.count() == 1
    assert AuditLog.objects.filter(action="template.delete", target_id=str(template_pk)).exists()


def test_task_from_template_creates_the_task_and_its_subtasks(people, clock):
    clock.set(at(2025, 1, 15, 10, 0))
    group = WorkgroupFactory(name="Finance")
    template = services.template_create(
        actor=people.creator,
        title="Monthly close",
        description="Close the books.",
        responsible=people.responsible,
        participants=[people.participant],
        observers=[people.observer],
        group=group,
        priority="high",
        tag_names=["finance", "close"],
        checklist=["Reconcile", "Report"],
        deadline_days=3,
        time_estimate=7200,
        requires_control=True,
        subtasks=[
            {"title": "Collect invoices", "responsible": people.participant, "checklist": ["Scan", "File"]},
            {"title": "Check payroll", "description": "All of it"},
        ],
    )
    task = services.task_from_template(actor=people.creator, template=template)
    task.refresh_from_db()
    assert (task.title, task.description, task.creator, task.responsible) == (
        "Monthly close",
        "Close the books.",
        people.creator,
        people.responsible,
    )
    assert (task.priority, task.group, task.time_estimate, task.requires_control) == (
        "high",
        group,
        7200,
        True,
    )
    assert task.deadline == at(2025, 1, 18, 10, 0) and task.template == template
    assert sorted(task.members.values_list("user_id", "role")) == sorted(
        [(people.participant.pk, "participant"), (people.observer.pk, "observer")]
    )
    assert sorted(task.tags.values_list("name", flat=True)) == ["close", "finance"]
    assert set(Tag.objects.filter(name__in=["finance", "close"]).values_list("owner_id", flat=True)) == {
        people.creator.pk
    }
    assert list(task.checklist.values_list("text", flat=True)) == ["Reconcile", "Report"]
    subtasks = list(task.subtasks.order_by("id"))
    assert [(s.title, s.responsible, s.deadline) for s in subtasks] == [
        ("Collect invoices", people.participant, task.deadline),
        ("Check payroll", people.responsible, task.deadline),
    ]
    assert list(subtasks[0].checklist.values_list("text", flat=True)) == ["Scan", "File"]
    assert [s.template_id for s in subtasks] == list(
        template.subtemplates.order_by("id").values_list("pk", flat=True)
    )
    assert (task.subtasks_count, task.checklist_count) == (2, 2)
    # A second task from the same template reuses the tags.
    services.task_from_template(actor=people.creator, template=template)
    assert Tag.objects.filter(name="finance").count() == 1


def test_task_from_template_without_a_responsible_is_the_actors(people):
    template = services.template_create(actor=people.creator, title="Note to self")
    task = services.task_from_template(actor=people.creator, template=template)
    assert task.responsible == people.creator and task.deadline is None


def test_subtask_templates_are_not_run_alone(people):
    template = services.template_create(actor=people.creator, title="Main", subtasks=[{"title": "Part"}])
    with pytest.raises(ValidationError):
        services.task_from_template(actor=people.creator, template=template.subtemplates.get())


# --- recurrence --------------------------------------------------------------------------------------


def test_templates_run_due_makes_one_task_per_due_template(people, clock):
    clock.set(at(2025, 1, 15, 8, 0))
    daily = services.template_create(
        actor=people.creator,
        title="Daily",
        responsible=people.responsible,
        repeat="daily",
        repeat_time="09:00",
    )
    later = services.template_create(actor=people.creator, title="Later", repeat="daily", repeat_time="18:00")
    plain = services.template_create(actor=people.creator, title="Plain")
    off = services.template_create(
        actor=people.creator, title="Off", repeat="daily", repeat_time="09:00", is_active=False
    )
    assert off.next_run_at is None
    assert services.templates_run_due() == 0  # nothing due yet
    clock.set(at(2025, 1, 15, 9, 0, 30))
    assert services.templates_run_due() == 1
    assert services.templates_run_due() == 0  # the same moment again: nothing twice
    task = Task.objects.get(template=daily)
    assert task.title == "Daily" and task.responsible == people.responsible and task.creator == people.creator
    daily.refresh_from_db()
    assert daily.last_run_at == at(2025, 1, 15, 9, 0, 30) and daily.next_run_at == at(2025, 1, 16, 9, 0)
    assert not Task.objects.filter(template__in=[later, plain, off]).exists()


def test_missed_runs_make_one_task_and_plan_the_next_from_now(people, clock):
    clock.set(at(2025, 1, 15, 8, 0))
    template = services.template_create(
        actor=people.creator, title="Daily", repeat="daily", repeat_time="09:00"
    )
    clock.set(at(2025, 1, 18, 12, 0))  # beat was down for three days
    assert services.templates_run_due() == 1
    template.refresh_from_db()
    assert template.next_run_at == at(2025, 1, 19, 9, 0)
    assert Task.objects.filter(template=template).count() == 1


def test_repetition_stops_after_repeat_until(people, clock):
    clock.set(at(2025, 1, 15, 8, 0))
    template = services.template_create(
        actor=people.creator,
        title="Twice",
        repeat="daily",
        repeat_time="09:00",
        repeat_until=datetime.date(2025, 1, 16),
    )
    made = []
    for moment in (
        at(2025, 1, 15, 9, 1),
        at(2025, 1, 16, 9, 1),
        at(2025, 1, 17, 9, 1),
        at(2025, 1, 20, 9, 1),
    ):
        clock.set(moment)
        made.append(services.templates_run_due())
    assert made == [1, 1, 0, 0]
    template.refresh_from_db()
    assert template.next_run_at is None and template.last_run_at == at(2025, 1, 16, 9, 1)


def test_a_template_that_cannot_run_tells_its_creator_and_moves_on(people, org, clock):
    clock.set(at(2025, 1, 15, 8, 0))
    broken = services.template_create(
        actor=people.creator, title="Broken", responsible=org.field_rep, repeat="daily", repeat_time="09:00"
    )
    fine = services.template_create(actor=people.creator, title="Fine", repeat="daily", repeat_time="09:00")
    org.field_rep.is_active = False
    org.field_rep.save(update_fields=["is_active"])
    clock.set(at(2025, 1, 15, 9, 5))
    assert services.templates_run_due() == 1
    assert Task.objects.filter(template=fine).exists() and not Task.objects.filter(template=broken).exists()
    note = Notification.objects.get(recipient=people.creator, kind="task", title__contains="Broken")
    assert "no longer with the company" in note.body
    broken.refresh_from_db()
    assert broken.next_run_at == at(2025, 1, 16, 9, 0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_template_locked_by_another_beat_is_skipped(people, clock):
    """Two beats at once: while one holds the template's row, the other skips it (SKIP LOCKED)."""
    clock.set(at(2025, 1, 15, 8, 0))
    template = services.template_create(
        actor=people.creator, title="Daily", repeat="daily", repeat_time="09:00"
    )
    clock.set(at(2025, 1, 15, 9, 1))
    locked, release, result = threading.Event(), threading.Event(), {}

    def other_beat():
        from django.db import connection as thread_connection

        try:
            with transaction.atomic():
                list(TaskTemplate.objects.select_for_update().filter(pk=template.pk))
                locked.set()
                release.wait(10)
        finally:
            thread_connection.close()

    worker = threading.Thread(target=other_beat)
    worker.start()
    assert locked.wait(10)
    try:
        result["first"] = services.templates_run_due()
    finally:
        release.set()
        worker.join(10)
    assert result["first"] == 0 and not Task.objects.filter(template=template).exists()
    assert services.templates_run_due() == 1
    assert connection.vendor == "postgresql"


# --- deadline sweep ----------------------------------------------------------------------------------


@pytest.fixture
def fresh_sweep():
    from django.core.cache import cache

    cache.delete(sweeps.SWEEP_LAST_KEY)
    yield
    cache.delete(sweeps.SWEEP_LAST_KEY)


def stored(user, key):
    return UserCounter.objects.filter(user=user, key=key).values_list("value", flat=True).first() or 0


def test_deadlines_sweep_flags_overdue_tasks_and_recounts_their_people(org, clock, commit, fresh_sweep):
    now = clock.set(at(2025, 6, 2, 12, 0))
    just_passed = TaskFactory(responsible=org.east_rep, deadline=now - datetime.timedelta(minutes=2))
    long_ago = TaskFactory(responsible=org.sales_rep, deadline=now - datetime.timedelta(days=3))
    closed = TaskFactory(
        responsible=org.it_head, deadline=now - datetime.timedelta(minutes=1), status=TaskStatus.COMPLETED
    )
    due_soon = TaskFactory(responsible=org.field_rep, deadline=now + datetime.timedelta(hours=23, minutes=58))
    later = TaskFactory(responsible=org.developer, deadline=now + datetime.timedelta(days=3))
    with commit():
        people = services.deadlines_sweep()
    assert people == 3  # east_rep (crossed now), sales_rep (flagged), field_rep (crossed now + 24 h)
    flags = dict(Task.objects.values_list("pk", "became_overdue"))
    assert flags[just_passed.pk] and flags[long_ago.pk]
    assert not flags[closed.pk] and not flags[due_soon.pk] and not flags[later.pk]
    assert stored(org.east_rep, "tasks.overdue") == 1 and stored(org.sales_rep, "tasks.overdue") == 1
    assert stored(org.field_rep, "tasks.due_soon") == 1
    assert not UserCounter.objects.filter(user__in=[org.it_head, org.developer]).exists()


def test_the_next_sweep_only_recounts_what_crossed_since(org, clock, commit, fresh_sweep):
    now = clock.set(at(2025, 6, 2, 12, 0))
    TaskFactory(responsible=org.east_rep, deadline=now - datetime.timedelta(minutes=2))
    with commit():
        assert services.deadlines_sweep() == 1
    clock.shift(minutes=5)
    assert services.deadlines_sweep() == 1  # east_rep once more: within the safety margin
    TaskFactory(responsible=org.sales_rep, deadline=now + datetime.timedelta(minutes=20))
    clock.shift(minutes=20)  # 12:25: the 12:20 deadline passed; east_rep's is now far behind
    with commit():
        assert services.deadlines_sweep() == 1
    assert stored(org.sales_rep, "tasks.overdue") == 1


def test_a_late_sweep_looks_back_to_the_last_one(org, clock, commit, fresh_sweep):
    now = clock.set(at(2025, 6, 2, 12, 0))
    with commit():
        services.deadlines_sweep()
    TaskFactory(responsible=org.east_rep, deadline=now + datetime.timedelta(hours=1))
    TaskFactory(responsible=org.sales_rep, deadline=now + datetime.timedelta(hours=26))
    clock.shift(hours=3)  # beat was down: both crossed a line meanwhile
    with commit():
        assert services.deadlines_sweep() == 2
    assert stored(org.east_rep, "tasks.overdue") == 1 and stored(org.sales_rep, "tasks.due_soon") == 1


# --- stored numbers ----------------------------------------------------------------------------------


def build_busy_tree(people, *, children: int = 2):
    """A task with subtasks, checklists, comments, files and time, made through the services."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    root = services.task_create(
        actor=people.creator,
        title="Launch",
        responsible=people.responsible,
        participants=[people.participant],
        checklist=["One", "Two", "Three"],
    )
    subtasks = [
        services.task_create(
            actor=people.creator,
            title=f"Part {n}",
            responsible=people.responsible,
            parent=root,
            checklist=["x"],
        )
        for n in range(children)
    ]
    services.task_transition(
        actor=people.responsible, task=subtasks[0], action="complete", confirm_checklist=True
    )
    items = list(root.checklist.order_by("position"))
    services.checklist_item_toggle(actor=people.participant, item=items[0])
    services.checklist_item_toggle(actor=people.participant, item=items[1])
    services.checklist_item_toggle(actor=people.participant, item=items[1])
    services.comment_add(actor=people.participant, task=root, body="First")
    second = services.comment_add(actor=people.responsible, task=root, body="Second")
    services.comment_add(actor=people.responsible, task=subtasks[-1], body="Below")
    services.comment_delete(actor=people.responsible, comment=second)
    services.file_attach(actor=people.participant, task=root, upload=SimpleUploadedFile("a.txt", b"hello"))
    services.time_entry_add(actor=people.responsible, task=root, seconds=1200)
    entry = services.time_entry_add(actor=people.participant, task=root, seconds=300)
    services.time_entry_update(actor=people.participant, entry=entry, seconds=600)
    services.time_entry_add(actor=people.responsible, task=subtasks[-1], seconds=60)
    return root, subtasks


def numbers(task_ids=None) -> dict[int, tuple]:
    qs = Task.objects.all() if task_ids is None else Task.objects.filter(pk__in=task_ids)
    return {row[0]: row[1:] for row in qs.values_list("pk", *sweeps.NUMBER_FIELDS)}


def test_rebuild_agrees_with_what_the_services_keep(people):
    root, subtasks = build_busy_tree(people)
    kept = numbers()
    assert services.task_numbers_rebuild() == 0  # nothing to fix
    assert numbers() == kept
    root.refresh_from_db()
    assert (root.subtasks_count, root.subtasks_done) == (2, 1)
    assert (root.checklist_count, root.checklist_done) == (3, 1)
    assert (root.comments_count, root.files_count, root.time_spent) == (1, 1, 1800)


def test_rebuild_fixes_numbers_that_went_wrong(people):
    root, subtasks = build_busy_tree(people)
    kept = numbers()
    Task.objects.filter(pk=root.pk).update(
        subtasks_count=9,
        subtasks_done=0,
        checklist_done=3,
        comments_count=0,
        last_comment_at=None,
        time_spent=5,
    )
    Task.objects.filter(pk=subtasks[0].pk).update(files_count=4)
    assert services.task_numbers_rebuild(task_ids=[subtasks[1].pk]) == 0  # only the tasks asked for
    assert services.task_numbers_rebuild() == 2
    assert numbers() == kept


def test_rebuild_counts_closed_subtasks_as_done(people):
    root = TaskFactory(creator=people.creator, responsible=people.responsible)
    for status in (TaskStatus.COMPLETED, TaskStatus.DECLINED, TaskStatus.IN_PROGRESS):
        TaskFactory(parent=root, status=status)
    services.task_numbers_rebuild(task_ids=[root.pk])
    root.refresh_from_db()
    assert (root.subtasks_count, root.subtasks_done) == (3, len(CLOSED_STATUSES))


def test_rebuild_takes_a_constant_number_of_queries(people, django_assert_max_num_queries):
    from tests.utils import count_queries

    def grow(n):
        for _ in range(n):
            task = TaskFactory(creator=people.creator, responsible=people.responsible)
            TaskFactory(parent=task)
            ChecklistItem.objects.create(task=task, text="x")
            TimeEntryFactory(task=task, user=people.responsible)

    grow(3)
    few = count_queries(lambda: services.task_numbers_rebuild())
    grow(30)
    many = count_queries(lambda: services.task_numbers_rebuild())
    assert many == few <= 12
