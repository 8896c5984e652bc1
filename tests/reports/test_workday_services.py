"""The working day's services and selectors: schedules (whose rules apply), the clicks and their verdicts
across time zones and daylight-saving changes, the midnight close, corrections and their counter."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.core.errors import NotFound
from portal.core.models import AuditLog
from portal.notifications.models import Notification, UserCounter
from reports import selectors, services
from reports.choices import CorrectionStatus, DayEventKind, DayState
from reports.jobs import workdays_close_open_job
from reports.models import DayCorrection, WorkDay, WorkSchedule
from tests.people.factories import DepartmentFactory, UserFactory
from tests.reports.factories import WorkDayFactory, WorkScheduleFactory

UTC = datetime.UTC
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def at(tz, *args) -> datetime.datetime:
    """An aware instant given as local wall time in `tz`."""
    return datetime.datetime(*args, tzinfo=tz)


def set_zone(user, name: str):
    user.time_zone = name
    user.save(update_fields=["time_zone"])
    return user


@pytest.fixture
def berliner(org):
    return set_zone(org.east_rep, "Europe/Berlin")


@pytest.fixture
def new_yorker(org):
    return set_zone(org.field_rep, "America/New_York")


# --- schedules: which rules apply ----------------------------------------------------------------------


def test_default_schedule_is_weekdays_with_the_persons_own_hours(org):
    person = org.developer
    person.work_start, person.work_end = datetime.time(8, 0), datetime.time(16, 30)
    person.save(update_fields=["work_start", "work_end"])
    spec = selectors.schedule_for(person)
    assert spec.source == "default"
    assert spec.working_days == (0, 1, 2, 3, 4)
    assert (spec.start, spec.end) == (datetime.time(8, 0), datetime.time(16, 30))
    assert (spec.allowed_lateness, spec.break_minutes) == (10, 60)


def test_nearest_department_schedule_up_the_tree_then_the_persons_own(org):
    WorkScheduleFactory(department=org.root, start=datetime.time(8, 0), end=datetime.time(17, 0))
    WorkScheduleFactory(department=org.sales, start=datetime.time(10, 0), end=datetime.time(19, 0))
    WorkScheduleFactory(
        user=org.east_rep, start=datetime.time(7, 0), end=datetime.time(15, 0), working_days=[5, 6]
    )
    specs = selectors.schedules_for([org.field_rep, org.east_rep, org.developer, org.east_head])
    # East Field and Sales East have none: Sales is the nearest up the tree.
    assert specs[org.field_rep.pk].source == "department" and specs[org.field_rep.pk].start == datetime.time(
        10, 0
    )
    assert specs[org.east_head.pk].start == datetime.time(10, 0)
    assert specs[org.developer.pk].start == datetime.time(8, 0)  # IT -> Acme
    assert specs[org.east_rep.pk].source == "person" and specs[org.east_rep.pk].working_days == (5, 6)


def test_schedules_for_many_people_costs_two_queries(org):
    dept = DepartmentFactory(name="Floor", parent=org.sales)
    WorkScheduleFactory(department=org.sales)
    few = [UserFactory(department=dept) for _ in range(3)]
    with CaptureQueriesContext(connection) as small:
        selectors.schedules_for(few)
    many = few + [UserFactory(department=dept) for _ in range(40)]
    WorkScheduleFactory(user=many[-1])
    with CaptureQueriesContext(connection) as big:
        specs = selectors.schedules_for([u.pk for u in many])
    assert len(small.captured_queries) == len(big.captured_queries) == 2
    assert specs[many[-1].pk].source == "person" and specs[many[0].pk].source == "department"


def test_scheduled_hours_on_daylight_saving_change_days():
    night = dict(working_days=(0, 1, 2, 3, 4, 5, 6), start=datetime.time(0, 0), end=datetime.time(8, 0))
    berlin = selectors.ScheduleSpec(
        **night, allowed_lateness=0, break_minutes=0, time_zone="Europe/Berlin", source="x"
    )
    new_york = selectors.ScheduleSpec(
        **night, allowed_lateness=0, break_minutes=0, time_zone="America/New_York", source="x"
    )
    assert berlin.scheduled_seconds(datetime.date(2026, 3, 29)) == 7 * 3600  # spring forward
    assert berlin.scheduled_seconds(datetime.date(2026, 3, 30)) == 8 * 3600
    assert new_york.scheduled_seconds(datetime.date(2026, 11, 1)) == 9 * 3600  # fall back


# --- the clicks and their verdicts ---------------------------------------------------------------------


def test_start_on_time_and_late_in_berlin(org, berliner):
    day = services.workday_start(
        actor=berliner, ip="10.0.0.7", comment="Morning", now=at(BERLIN, 2026, 3, 10, 9, 10)
    )
    assert day.date == datetime.date(2026, 3, 10) and day.state == DayState.OPEN and not day.is_late
    event = day.events.get()
    assert (event.kind, event.ip, event.comment, event.actor_id) == (
        DayEventKind.START,
        "10.0.0.7",
        "Morning",
        berliner.pk,
    )
    assert AuditLog.objects.filter(action="workday.start", target_id=str(day.pk)).exists()
    late = services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 11, 9, 10, 1))
    assert late.is_late


def test_local_date_of_a_late_evening_start_in_new_york(org, new_yorker):
    # 23:30 in New York is already the next day in UTC: the day belongs to the local date.
    day = services.workday_start(actor=new_yorker, now=at(NEW_YORK, 2026, 3, 10, 23, 30))
    assert day.date == datetime.date(2026, 3, 10)
    assert day.is_late


def test_a_day_started_on_a_non_working_day_is_never_late_or_short(org, berliner):
    day = services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 14, 13, 0))  # a Saturday
    assert not day.is_late
    day = services.workday_end(actor=berliner, now=at(BERLIN, 2026, 3, 14, 14, 0))
    assert day.worked_seconds == 3600 and not day.is_short and not day.is_early_end


def test_end_computes_worked_time_early_end_and_short_day(org, berliner):
    services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 10, 9, 0))
    services.workday_pause(actor=berliner, now=at(BERLIN, 2026, 3, 10, 12, 0))
    services.workday_resume(actor=berliner, now=at(BERLIN, 2026, 3, 10, 12, 45))
    services.workday_pause(actor=berliner, now=at(BERLIN, 2026, 3, 10, 15, 0))
    services.workday_resume(actor=berliner, now=at(BERLIN, 2026, 3, 10, 15, 15))
    day = services.workday_end(actor=berliner, now=at(BERLIN, 2026, 3, 10, 17, 0))
    assert day.paused_seconds == 60 * 60
    assert day.worked_seconds == 7 * 3600  # 8 h − 1 h of breaks
    assert day.is_early_end  # before 18:00
    assert day.is_short  # 7:00 < 9 h − 60 min break − 10 min lateness = 7:50
    assert [e.kind for e in selectors.day_events(day=day)] == [
        "start",
        "pause",
        "resume",
        "pause",
        "resume",
        "end",
    ]


def test_a_full_day_is_neither_short_nor_early(org, berliner):
    services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 10, 9, 5))
    day = services.workday_end(actor=berliner, now=at(BERLIN, 2026, 3, 10, 17, 0))
    assert day.worked_seconds == 7 * 3600 + 55 * 60
    assert not day.is_short and day.is_early_end
    day2 = services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 11, 9, 0))
    day2 = services.workday_end(actor=berliner, now=at(BERLIN, 2026, 3, 11, 18, 0))
    assert not day2.is_short and not day2.is_early_end and not day2.is_late


def test_ending_during_a_break_counts_the_break_until_the_end(org, berliner):
    services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 10, 9, 0))
    services.workday_pause(actor=berliner, now=at(BERLIN, 2026, 3, 10, 17, 0))
    day = services.workday_end(actor=berliner, now=at(BERLIN, 2026, 3, 10, 17, 30))
    assert day.paused_seconds == 1800 and day.worked_seconds == 8 * 3600 and day.pause_started_at is None


def test_late_start_on_the_spring_forward_day_in_berlin(org, berliner):
    WorkScheduleFactory(user=berliner, working_days=[0, 1, 2, 3, 4, 5, 6])
    # 07:15 UTC is 09:15 CEST (after the change): late. With the winter offset it would look like 08:15.
    day = services.workday_start(actor=berliner, now=datetime.datetime(2026, 3, 29, 7, 15, tzinfo=UTC))
    assert day.date == datetime.date(2026, 3, 29) and day.is_late


def test_on_time_start_on_the_fall_back_day_in_new_york(org, new_yorker):
    WorkScheduleFactory(user=new_yorker, working_days=[0, 1, 2, 3, 4, 5, 6])
    # 13:55 UTC is 08:55 EST (after the change): on time. With the summer offset it would be 09:55, late.
    day = services.workday_start(actor=new_yorker, now=datetime.datetime(2026, 11, 1, 13, 55, tzinfo=UTC))
    assert day.date == datetime.date(2026, 11, 1) and not day.is_late


def test_night_shift_across_the_spring_forward_hour_is_short_by_real_time(org, berliner):
    WorkScheduleFactory(
        user=berliner,
        working_days=[6],
        start=datetime.time(0, 0),
        end=datetime.time(8, 0),
        allowed_lateness=0,
        break_minutes=0,
    )
    services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 29, 0, 0))
    day = services.workday_end(actor=berliner, now=at(BERLIN, 2026, 3, 29, 8, 0))
    assert day.worked_seconds == 7 * 3600  # wall clock says 8 hours, the clock jumped one
    assert not day.is_short  # the schedule's own hours are 7 real hours that night
    assert not day.is_early_end


@pytest.mark.parametrize(
    ("steps", "action", "message"),
    [
        ([], "pause", "not started"),
        ([], "resume", "not started"),
        ([], "end", "not started"),
        (["start"], "start", "already started"),
        (["start"], "resume", "not paused"),
        (["start", "pause"], "pause", "already paused"),
        (["start", "pause"], "start", "already started"),
        (["start", "end"], "end", "already finished"),
        (["start", "end"], "pause", "already finished"),
        (["start", "end"], "start", "already finished"),
    ],
)
def test_invalid_transitions_are_refused_with_a_clear_message(org, berliner, steps, action, message):
    moment = at(BERLIN, 2026, 3, 10, 9, 0)
    for i, step in enumerate(steps):
        getattr(services, f"workday_{step}")(actor=berliner, now=moment + datetime.timedelta(minutes=i))
    before = list(WorkDay.objects.values())
    with pytest.raises(ValidationError) as exc:
        getattr(services, f"workday_{action}")(actor=berliner, now=moment + datetime.timedelta(hours=1))
    assert message in " ".join(exc.value.message_dict["state"])
    assert list(WorkDay.objects.values()) == before


def test_continuing_an_ended_day_counts_the_gap_as_a_break(org, berliner):
    services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 10, 9, 0))
    services.workday_end(actor=berliner, now=at(BERLIN, 2026, 3, 10, 13, 0))
    day = services.workday_resume(actor=berliner, now=at(BERLIN, 2026, 3, 10, 14, 0))
    assert day.state == DayState.OPEN and day.ended_at is None and day.paused_seconds == 3600
    day = services.workday_end(actor=berliner, now=at(BERLIN, 2026, 3, 10, 19, 0))
    assert day.worked_seconds == 9 * 3600 and not day.is_short


def test_anonymous_and_inactive_people_cannot_click(org):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.workday_start(actor=AnonymousUser())
    gone = UserFactory(is_active=False)
    with pytest.raises(PermissionDenied):
        services.workday_start(actor=gone)


def test_each_click_pushes_the_state_to_the_persons_pages(
    org, berliner, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        "portal.notifications.realtime._send", lambda ids, message: sent.append((ids, message))
    )
    with django_capture_on_commit_callbacks(execute=True):
        day = services.workday_start(actor=berliner)
    assert sent == [
        (
            [berliner.pk],
            {"type": "live.push", "payload": {"event": "workday", "state": sent[0][1]["payload"]["state"]}},
        )
    ]
    state = sent[0][1]["payload"]["state"]
    assert state["state"] == "open" and state["day"] == day.pk


# --- the midnight close ---------------------------------------------------------------------------------


def test_open_days_are_closed_after_local_midnight_once(org, berliner, new_yorker):
    services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 10, 9, 0))
    services.workday_start(actor=new_yorker, now=at(NEW_YORK, 2026, 3, 10, 9, 0))
    assert services.workdays_close_open(now=at(BERLIN, 2026, 3, 10, 23, 50)) == 0
    after_berlin_midnight = at(BERLIN, 2026, 3, 11, 0, 5)  # 18:05 in New York: still that day there
    assert services.workdays_close_open(now=after_berlin_midnight) == 1
    day = WorkDay.objects.get(user=berliner)
    assert day.state == DayState.CLOSED and day.auto_closed and day.needs_confirmation
    assert day.ended_at == at(BERLIN, 2026, 3, 10, 23, 59, 59)
    assert day.worked_seconds == 14 * 3600 + 59 * 60 + 59
    assert day.events.filter(kind=DayEventKind.AUTO_CLOSE).count() == 1
    note = Notification.objects.get(recipient=berliner, kind="workday_confirm")
    assert str(day.pk) in note.url
    assert WorkDay.objects.get(user=new_yorker).state == DayState.OPEN
    # Idempotent: a second run closes nothing and notifies nobody again.
    assert services.workdays_close_open(now=after_berlin_midnight) == 0
    assert services.workdays_close_open(now=at(NEW_YORK, 2026, 3, 11, 0, 1)) == 1
    assert Notification.objects.filter(kind="workday_confirm").count() == 2


def test_a_paused_day_is_closed_when_its_break_began(org, berliner):
    services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 10, 9, 0))
    services.workday_pause(actor=berliner, now=at(BERLIN, 2026, 3, 10, 17, 30))
    services.workdays_close_open(now=at(BERLIN, 2026, 3, 11, 1, 0))
    day = WorkDay.objects.get(user=berliner)
    assert day.ended_at == at(BERLIN, 2026, 3, 10, 17, 30) and day.pause_started_at is None
    assert day.worked_seconds == 8 * 3600 + 1800 and day.needs_confirmation


def test_auto_close_on_the_fall_back_day_uses_the_local_midnight(org, new_yorker):
    services.workday_start(actor=new_yorker, now=at(NEW_YORK, 2026, 11, 1, 20, 0))
    assert (
        services.workdays_close_open(now=datetime.datetime(2026, 11, 2, 4, 30, tzinfo=UTC)) == 0
    )  # 23:30 EST
    assert services.workdays_close_open(now=datetime.datetime(2026, 11, 2, 5, 1, tzinfo=UTC)) == 1
    day = WorkDay.objects.get(user=new_yorker)
    assert day.ended_at == datetime.datetime(2026, 11, 2, 4, 59, 59, tzinfo=UTC)  # 23:59:59 EST (UTC−5)


def test_the_next_click_closes_a_stale_day_before_the_job_runs(org, berliner):
    services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 10, 9, 0))
    today = services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 11, 8, 55))
    old = WorkDay.objects.get(user=berliner, date=datetime.date(2026, 3, 10))
    assert old.auto_closed and old.state == DayState.CLOSED and today.state == DayState.OPEN


def test_a_day_closed_automatically_cannot_be_continued_but_can_be_confirmed(org, berliner):
    services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 10, 9, 0))
    services.workdays_close_open(now=at(BERLIN, 2026, 3, 11, 0, 5))
    day = WorkDay.objects.get(user=berliner)
    with pytest.raises(PermissionDenied):
        services.workday_confirm(actor=org.sales_head, day=day)
    services.workday_confirm(actor=berliner, day=day)
    day.refresh_from_db()
    assert not day.needs_confirmation and day.auto_closed
    with pytest.raises(ValidationError):
        services.workday_confirm(actor=berliner, day=day)


def test_the_beat_job_closes_days_and_respects_its_lock(org, berliner):
    from django.core.cache import cache

    WorkDayFactory(
        user=berliner,
        date=datetime.date(2020, 1, 6),
        started_at=at(BERLIN, 2020, 1, 6, 9, 0),
    )
    cache.add("reports:workdays_close_open:lock", "1", timeout=60)
    try:
        assert workdays_close_open_job() == 0
    finally:
        cache.delete("reports:workdays_close_open:lock")
    assert workdays_close_open_job() == 1
    assert workdays_close_open_job() == 0
    assert WorkDay.objects.get(user=berliner).auto_closed


# --- corrections ------------------------------------------------------------------------------------------


@pytest.fixture
def closed_day(org, berliner):
    services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 10, 9, 40))
    return services.workday_end(actor=berliner, now=at(BERLIN, 2026, 3, 10, 16, 0))


def test_a_correction_waits_with_the_old_values_then_is_applied_keeping_the_originals(
    org, berliner, closed_day, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        correction = services.day_correction_request(
            actor=berliner,
            day=closed_day,
            started_at=at(BERLIN, 2026, 3, 10, 8, 55),
            ended_at=at(BERLIN, 2026, 3, 10, 18, 5),
            reason="Forgot to click in the morning",
        )
    closed_day.refresh_from_db()
    assert closed_day.started_at == at(BERLIN, 2026, 3, 10, 9, 40)  # unchanged until confirmed
    assert correction.old_started_at == at(BERLIN, 2026, 3, 10, 9, 40)
    assert correction.old_ended_at == at(BERLIN, 2026, 3, 10, 16, 0)
    assert Notification.objects.filter(recipient=org.east_head, kind="workday_correction").exists()
    counts = {c.user_id: c.value for c in UserCounter.objects.filter(key="reports.corrections_waiting")}
    assert counts == {org.east_head.pk: 1, org.sales_head.pk: 1, org.ceo.pk: 1}

    with django_capture_on_commit_callbacks(execute=True):
        services.day_correction_decide(
            actor=org.sales_head, correction=correction, approve=True, comment="OK"
        )
    day = WorkDay.objects.get(pk=closed_day.pk)
    assert (day.started_at, day.ended_at) == (at(BERLIN, 2026, 3, 10, 8, 55), at(BERLIN, 2026, 3, 10, 18, 5))
    assert (day.original_started_at, day.original_ended_at) == (
        at(BERLIN, 2026, 3, 10, 9, 40),
        at(BERLIN, 2026, 3, 10, 16, 0),
    )
    assert not day.is_late and not day.is_early_end and not day.is_short
    assert day.worked_seconds == 9 * 3600 + 10 * 60
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.APPROVED and correction.decided_by == org.sales_head
    assert day.events.filter(kind=DayEventKind.CORRECTION).count() == 1
    assert Notification.objects.filter(recipient=berliner, kind="workday_correction").exists()
    assert set(
        UserCounter.objects.filter(key="reports.corrections_waiting").values_list("value", flat=True)
    ) == {0}

    # A second correction keeps the first recorded times as the originals.
    second = services.day_correction_request(
        actor=berliner,
        day=day,
        started_at=at(BERLIN, 2026, 3, 10, 9, 0),
        ended_at=at(BERLIN, 2026, 3, 10, 18, 5),
        reason="It was nine",
    )
    services.day_correction_decide(actor=org.admin, correction=second, approve=True)
    day.refresh_from_db()
    assert day.started_at == at(BERLIN, 2026, 3, 10, 9, 0)
    assert day.original_started_at == at(BERLIN, 2026, 3, 10, 9, 40)


def test_confirming_a_correction_clears_the_auto_closed_days_confirmation(org, berliner):
    services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 10, 9, 0))
    services.workdays_close_open(now=at(BERLIN, 2026, 3, 11, 0, 5))
    day = WorkDay.objects.get(user=berliner)
    correction = services.day_correction_request(
        actor=berliner,
        day=day,
        started_at=day.started_at,
        ended_at=at(BERLIN, 2026, 3, 10, 18, 0),
        reason="Left at 6",
    )
    services.day_correction_decide(actor=org.east_head, correction=correction, approve=True)
    day.refresh_from_db()
    assert not day.needs_confirmation and day.auto_closed
    assert day.original_ended_at == at(BERLIN, 2026, 3, 10, 23, 59, 59)
    assert day.worked_seconds == 9 * 3600


def test_a_rejected_correction_changes_nothing(org, berliner, closed_day):
    correction = services.day_correction_request(
        actor=berliner,
        day=closed_day,
        started_at=at(BERLIN, 2026, 3, 10, 8, 0),
        ended_at=closed_day.ended_at,
        reason="Trying",
    )
    services.day_correction_decide(actor=org.east_head, correction=correction, approve=False, comment="No")
    closed_day.refresh_from_db()
    assert closed_day.started_at == at(BERLIN, 2026, 3, 10, 9, 40) and closed_day.original_started_at is None
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.REJECTED and correction.decision_comment == "No"
    with pytest.raises(ValidationError):
        services.day_correction_decide(actor=org.east_head, correction=correction, approve=True)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"started_at": at(BERLIN, 2026, 3, 9, 9, 0)}, "started_at"),  # another date
        ({"ended_at": None}, "ended_at"),
        ({"ended_at": at(BERLIN, 2026, 3, 10, 8, 0)}, "ended_at"),  # before the start
        (
            {"started_at": at(BERLIN, 2026, 3, 10, 9, 40), "ended_at": at(BERLIN, 2026, 3, 10, 16, 0)},
            "started_at",
        ),
    ],
)
def test_correction_requests_are_validated(org, berliner, closed_day, change, field):
    values = {
        "started_at": at(BERLIN, 2026, 3, 10, 9, 0),
        "ended_at": at(BERLIN, 2026, 3, 10, 18, 0),
        "reason": "Because",
        **change,
    }
    with pytest.raises(ValidationError) as exc:
        services.day_correction_request(actor=berliner, day=closed_day, **values)
    assert field in exc.value.message_dict
    assert not DayCorrection.objects.exists()


def test_one_pending_correction_per_day(org, berliner, closed_day):
    kwargs = dict(started_at=at(BERLIN, 2026, 3, 10, 9, 0), ended_at=closed_day.ended_at, reason="One")
    services.day_correction_request(actor=berliner, day=closed_day, **kwargs)
    with pytest.raises(ValidationError) as exc:
        services.day_correction_request(actor=berliner, day=closed_day, **kwargs)
    assert "day" in exc.value.message_dict


def test_an_open_days_start_only_can_be_corrected(org, berliner):
    day = services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 10, 10, 0))
    with pytest.raises(ValidationError) as exc:
        services.day_correction_request(
            actor=berliner,
            day=day,
            started_at=at(BERLIN, 2026, 3, 10, 9, 0),
            ended_at=at(BERLIN, 2026, 3, 10, 12, 0),
            reason="x",
        )
    assert "ended_at" in exc.value.message_dict
    correction = services.day_correction_request(
        actor=berliner,
        day=day,
        started_at=at(BERLIN, 2026, 3, 10, 9, 0),
        ended_at=None,
        reason="Came at nine",
    )
    services.day_correction_decide(actor=org.sales_head, correction=correction, approve=True)
    day.refresh_from_db()
    assert day.state == DayState.OPEN and day.started_at == at(BERLIN, 2026, 3, 10, 9, 0) and not day.is_late


def test_only_the_person_requests_and_only_a_supervisor_hr_or_admin_decides(org, berliner, closed_day):
    from django.contrib.auth.models import Permission

    kwargs = dict(started_at=at(BERLIN, 2026, 3, 10, 9, 0), ended_at=closed_day.ended_at, reason="Because")
    with pytest.raises(PermissionDenied):  # the supervisor sees the day but may not ask for the person
        services.day_correction_request(actor=org.sales_head, day=closed_day, **kwargs)
    with pytest.raises(NotFound):  # another department does not see it at all
        services.day_correction_request(actor=org.developer, day=closed_day, **kwargs)
    correction = services.day_correction_request(actor=berliner, day=closed_day, **kwargs)
    with pytest.raises(PermissionDenied):
        services.day_correction_decide(actor=berliner, correction=correction, approve=True)
    for outsider in (org.developer, org.it_head, org.field_rep):
        with pytest.raises(NotFound):
            services.day_correction_decide(actor=outsider, correction=correction, approve=True)
    hr = UserFactory(department=org.it)
    hr.user_permissions.add(Permission.objects.get(codename="view_all", content_type__app_label="reports"))
    hr = type(hr).objects.get(pk=hr.pk)
    services.day_correction_decide(actor=hr, correction=correction, approve=True)
    assert DayCorrection.objects.get(pk=correction.pk).status == CorrectionStatus.APPROVED


def test_corrections_waiting_counts_the_sub_tree_in_one_query(org, berliner, closed_day):
    services.day_correction_request(
        actor=berliner,
        day=closed_day,
        started_at=at(BERLIN, 2026, 3, 10, 9, 0),
        ended_at=closed_day.ended_at,
        reason="r",
    )
    head_day = WorkDayFactory(
        user=org.east_head, date=datetime.date(2026, 3, 10), started_at=at(BERLIN, 2026, 3, 10, 10, 0)
    )
    DayCorrection.objects.create(
        day=head_day,
        requested_by=org.east_head,
        reason="r",
        started_at=at(BERLIN, 2026, 3, 10, 9, 0),
        old_started_at=head_day.started_at,
    )
    ids = [org.ceo.pk, org.sales_head.pk, org.east_head.pk, org.it_head.pk, org.east_rep.pk]
    with CaptureQueriesContext(connection) as ctx:
        counts = selectors.corrections_waiting_counts(ids)
    assert len(ctx.captured_queries) == 1
    # east_head's own correction counts for those above, not for themselves.
    assert counts == {org.ceo.pk: 2, org.sales_head.pk: 2, org.east_head.pk: 1}


# --- the selectors other parts call ---------------------------------------------------------------------


def test_workday_states_and_worked_seconds_for_many_people(org, berliner, new_yorker):
    date = datetime.date(2026, 3, 10)
    services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 9, 9, 0))
    services.workday_end(actor=berliner, now=at(BERLIN, 2026, 3, 9, 17, 0))
    services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 10, 9, 0))
    services.workday_end(actor=berliner, now=at(BERLIN, 2026, 3, 10, 12, 0))
    services.workday_start(actor=new_yorker, now=at(NEW_YORK, 2026, 3, 10, 9, 0))
    services.workday_pause(actor=new_yorker, now=at(NEW_YORK, 2026, 3, 10, 11, 0))
    with CaptureQueriesContext(connection) as ctx:
        states = selectors.workday_states(user_ids=[berliner.pk, new_yorker.pk, org.developer.pk], date=date)
    assert len(ctx.captured_queries) == 1
    assert states[berliner.pk].state == DayState.CLOSED and states[new_yorker.pk].state == DayState.PAUSED
    assert org.developer.pk not in states
    now = at(NEW_YORK, 2026, 3, 10, 12, 0)  # the open (paused) day counts until its break began
    with CaptureQueriesContext(connection) as ctx:
        seconds = selectors.worked_seconds(
            user_ids=[berliner.pk, new_yorker.pk, org.developer.pk],
            start_date=datetime.date(2026, 3, 9),
            end_date=date,
            now=now,
        )
    assert len(ctx.captured_queries) == 2
    assert seconds == {berliner.pk: 11 * 3600, new_yorker.pk: 2 * 3600, org.developer.pk: 0}


def test_workday_today_is_the_local_today(org, new_yorker):
    day = services.workday_start(actor=new_yorker, now=at(NEW_YORK, 2026, 3, 10, 22, 0))
    assert selectors.workday_today(user=new_yorker, now=at(NEW_YORK, 2026, 3, 10, 23, 59)) == day
    assert selectors.workday_today(user=new_yorker, now=at(NEW_YORK, 2026, 3, 11, 0, 1)) is None


def test_visibility_of_days(org, berliner):
    day = services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 10, 9, 0))
    seen_by = {
        name: selectors.workday_list(user=getattr(org, name)).filter(pk=day.pk).exists()
        for name in (
            "east_rep",
            "east_head",
            "sales_head",
            "ceo",
            "admin",
            "developer",
            "it_head",
            "field_rep",
            "sales_rep",
        )
    }
    assert seen_by == {
        "east_rep": True,
        "east_head": True,
        "sales_head": True,
        "ceo": True,
        "admin": True,
        "developer": False,
        "it_head": False,
        "field_rep": False,
        "sales_rep": False,
    }
    with pytest.raises(NotFound):
        selectors.workday_get(user=org.developer, pk=day.pk)


def test_workday_list_filters(org, berliner):
    services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 10, 9, 30))
    services.workday_end(actor=berliner, now=at(BERLIN, 2026, 3, 10, 18, 0))
    services.workday_start(actor=berliner, now=at(BERLIN, 2026, 3, 11, 9, 0))
    services.workday_end(actor=berliner, now=at(BERLIN, 2026, 3, 11, 12, 0))
    user = org.sales_head
    dates = lambda f: [d.date.day for d in selectors.workday_list(user=user, filters=f)]  # noqa: E731
    assert dates({"late": "true"}) == [10]
    assert dates({"short": "true"}) == [11]
    assert dates({"person": str(berliner.pk), "date_from": "2026-03-11"}) == [11]
    assert dates({"month": "2026-03"}) == [11, 10]
    assert dates({"month": "2026-04"}) == []
    assert dates({"department": str(org.east.pk)}) == [11, 10]
    assert dates({"department": str(org.it.pk)}) == []


# --- schedules: who may set them ------------------------------------------------------------------------


def schedule_kwargs(**extra):
    return {
        "name": "Early",
        "working_days": [0, 1, 2, 3, 4],
        "start": datetime.time(8, 0),
        "end": datetime.time(17, 0),
        "allowed_lateness": 5,
        "break_minutes": 30,
        **extra,
    }


def test_schedule_save_replaces_the_owners_schedule_and_audits(org):
    first = services.schedule_save(actor=org.admin, department=org.sales, **schedule_kwargs())
    second = services.schedule_save(
        actor=org.sales_head, department=org.sales, **schedule_kwargs(name="Later")
    )
    assert first.pk == second.pk and WorkSchedule.objects.count() == 1
    assert WorkSchedule.objects.get().name == "Later"
    assert selectors.schedule_for(org.field_rep).start == datetime.time(8, 0)
    actions = list(AuditLog.objects.filter(target_id=str(first.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["workschedule.create", "workschedule.update"]
    services.schedule_delete(actor=org.sales_head, schedule=second)
    assert selectors.schedule_for(org.field_rep).source == "default"


def test_who_may_set_schedules(org):
    services.schedule_save(actor=org.sales_head, department=org.east, **schedule_kwargs())
    services.schedule_save(actor=org.sales_head, user=org.east_rep, **schedule_kwargs())
    with pytest.raises(PermissionDenied):
        services.schedule_save(actor=org.sales_head, department=org.it, **schedule_kwargs())
    with pytest.raises(PermissionDenied):
        services.schedule_save(actor=org.sales_head, user=org.sales_head, **schedule_kwargs())
    with pytest.raises(PermissionDenied):
        services.schedule_save(actor=org.east_rep, department=org.east, **schedule_kwargs())
    it_schedule = services.schedule_save(actor=org.admin, department=org.it, **schedule_kwargs())
    with pytest.raises(NotFound):
        services.schedule_delete(actor=org.sales_head, schedule=it_schedule)
    assert [s.department or s.user for s in selectors.schedule_list(user=org.sales_head)] == [
        org.east,
        org.east_rep,
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": " "}, "name"),
        ({"working_days": []}, "working_days"),
        ({"working_days": [7]}, "working_days"),
        ({"end": datetime.time(7, 0)}, "end"),
        ({"allowed_lateness": -1}, "allowed_lateness"),
        ({"break_minutes": 600}, "break_minutes"),
    ],
)
def test_schedule_validation(org, change, field):
    with pytest.raises(ValidationError) as exc:
        services.schedule_save(actor=org.admin, department=org.sales, **schedule_kwargs(**change))
    assert field in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.schedule_save(actor=org.admin, **schedule_kwargs())
    assert "department" in exc.value.message_dict
    assert not WorkSchedule.objects.exists()
