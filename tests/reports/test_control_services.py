# ruff: noqa: F811 - the `staff` fixture imported from control_support is redefined as test arguments
"""Touch control (what it picks, from whom, and marking it checked) and the control-time heartbeat (bounded
steps, new stretches, several tabs, local dates)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.core.errors import NotFound
from portal.core.models import AuditLog
from reports import services
from reports.choices import ReportStatus
from reports.models import ControlCheck, ControlTime, WorkDay, WorkReport
from tasks.choices import TaskStatus
from tasks.models import Task
from tests.reports.control_support import (
    MONDAY,
    NOW,
    TUESDAY,
    UTC,
    WEDNESDAY,
    at,
    report,
    staff,  # noqa: F401 - a fixture
    workday,
)
from tests.reports.factories import ControlCheckFactory
from tests.tasks.factories import TaskFactory


def closed_task(person, when=NOW - datetime.timedelta(days=2), **kwargs):
    return TaskFactory(responsible=person, status=TaskStatus.COMPLETED, completed_at=when, **kwargs)


def item_of(check: ControlCheck):
    return check.item_type.model_class().objects.get(pk=check.item_id)


def owner_of(item) -> int:
    return getattr(item, "responsible_id", None) or getattr(item, "author_id", None) or item.user_id


# --- touch control ------------------------------------------------------------------------------------------


@pytest.fixture
def items(staff):
    """Recent items of everybody: a closed task, a sent report and a finished day each (and old ones)."""
    for person in (
        staff.sales_rep,
        staff.east_head,
        staff.east_rep,
        staff.field_rep,
        staff.developer,
        staff.it_head,
    ):
        closed_task(person, title=f"Closed by {person.email}")
        report(person, TUESDAY)
        workday(person, TUESDAY, (9, 0), (17, 0))
        closed_task(person, when=NOW - datetime.timedelta(days=20))  # too old
        TaskFactory(responsible=person, status=TaskStatus.IN_PROGRESS)  # not closed
    return staff


def test_touch_picks_only_items_of_the_people_i_supervise(items):
    mine = {items.sales_rep.pk, items.east_head.pk, items.east_rep.pk, items.field_rep.pk}
    seen_people, seen_kinds = set(), set()
    for _ in range(12):
        check = services.touch_pick(actor=items.sales_head, now=NOW)
        item = item_of(check)
        assert check.supervisor_id == items.sales_head.pk
        assert check.subject_id in mine
        assert owner_of(item) == check.subject_id
        seen_people.add(check.subject_id)
        seen_kinds.add(check.item_type.model)
        if isinstance(item, Task):
            assert item.status == TaskStatus.COMPLETED and item.completed_at >= NOW - datetime.timedelta(
                days=14
            )
            assert check.item_url == item.get_absolute_url()
        elif isinstance(item, WorkReport):
            assert item.status in (ReportStatus.SENT, ReportStatus.RATED)
        else:
            assert isinstance(item, WorkDay) and item.state == "closed"
    # 4 people × 3 recent items = 12 items, none picked twice; then nothing is left
    with pytest.raises(ValidationError):
        services.touch_pick(actor=items.sales_head, now=NOW)
    assert ControlCheck.objects.filter(supervisor=items.sales_head).count() == 12
    assert len(set(ControlCheck.objects.values_list("item_type", "item_id"))) == 12
    assert seen_people == mine
    assert seen_kinds == {"task", "workreport", "workday"}


def test_touch_stops_when_nothing_new_is_left(items):
    for _ in range(3):
        services.touch_pick(actor=items.east_head, subject=items.east_rep, now=NOW)
    with pytest.raises(ValidationError) as exc:
        services.touch_pick(actor=items.east_head, subject=items.east_rep, now=NOW)
    assert "subject" in exc.value.message_dict
    # another supervisor of the same person still has everything to check
    assert (
        services.touch_pick(actor=items.sales_head, subject=items.east_rep, now=NOW).subject_id
        == items.east_rep.pk
    )


def test_touch_for_a_given_person_and_never_for_others(items):
    for _ in range(3):
        check = services.touch_pick(actor=items.sales_head, subject=items.field_rep, now=NOW)
        assert check.subject_id == items.field_rep.pk
    for stranger in (items.developer, items.it_head, items.ceo, items.sales_head):
        with pytest.raises(PermissionDenied):
            services.touch_pick(actor=items.sales_head, subject=stranger, now=NOW)
    with pytest.raises(PermissionDenied):  # heads one level down do not check up
        services.touch_pick(actor=items.east_head, subject=items.sales_rep, now=NOW)


def test_touch_is_for_supervisors_hr_and_admins(items):
    with pytest.raises(PermissionDenied):
        services.touch_pick(actor=items.east_rep, now=NOW)
    with pytest.raises(PermissionDenied):
        services.touch_pick(actor=items.developer, subject=items.east_rep, now=NOW)
    check = services.touch_pick(actor=items.admin, subject=items.developer, now=NOW)
    assert check.subject_id == items.developer.pk
    assert services.touch_pick(actor=items.admin, now=NOW).subject_id != items.admin.pk


def test_touch_with_nothing_recent(staff):
    workday(staff.east_rep, WEDNESDAY - datetime.timedelta(days=15), (9, 0), (17, 0))
    report(staff.east_rep, MONDAY, status=ReportStatus.DRAFT, sent_at=None)
    with pytest.raises(ValidationError):
        services.touch_pick(actor=staff.east_head, now=NOW)
    assert not ControlCheck.objects.exists()


def test_touch_records_the_item_and_an_audit_row(items):
    check = services.touch_pick(actor=items.east_head, subject=items.field_rep, now=NOW)
    assert check.item_repr
    assert check.item_url.startswith("/")
    assert check.checked_at is None
    assert AuditLog.objects.filter(action="control.touch_pick", target_id=str(check.pk)).exists()


def test_touch_done(items):
    check = services.touch_pick(actor=items.east_head, now=NOW)
    done = services.touch_done(actor=items.east_head, check=check, note="  Looks right.  ")
    assert done.checked_at is not None and done.note == "Looks right."
    assert check.checked_at == done.checked_at  # the caller's object follows
    assert AuditLog.objects.filter(action="control.touch_done", target_id=str(check.pk)).exists()
    with pytest.raises(ValidationError) as exc:
        services.touch_done(actor=items.east_head, check=check)
    assert "check" in exc.value.message_dict


def test_touch_done_by_someone_else(items):
    check = services.touch_pick(actor=items.east_head, now=NOW)
    with pytest.raises(NotFound):  # not theirs to see
        services.touch_done(actor=items.sales_head, check=check)
    with pytest.raises(NotFound):
        services.touch_done(actor=items.east_rep, check=check)
    with pytest.raises(PermissionDenied):  # admins see every check but mark only their own
        services.touch_done(actor=items.admin, check=check)
    with pytest.raises(ValidationError) as exc:
        services.touch_done(actor=items.east_head, check=check, note="x" * 1001)
    assert "note" in exc.value.message_dict
    check.refresh_from_db()
    assert check.checked_at is None


def test_the_check_factory(staff):
    check = ControlCheckFactory(supervisor=staff.east_head, subject=staff.east_rep)
    assert item_of(check).user_id == staff.east_rep.pk


# --- control time -------------------------------------------------------------------------------------------


def beat(person, moment):
    return services.control_time_beat(actor=person, now=moment)


def seconds_of(person, date=WEDNESDAY) -> int:
    return ControlTime.objects.get(supervisor=person, date=date).seconds


def test_a_beat_adds_the_time_since_the_last_one_at_most_30_seconds(staff):
    head = staff.east_head
    t = at(WEDNESDAY, 10)
    assert beat(head, t).added == 0  # the page opens: the start of a stretch
    assert beat(head, t + datetime.timedelta(seconds=20)).added == 20
    assert beat(head, t + datetime.timedelta(seconds=40)).added == 20
    assert beat(head, t + datetime.timedelta(seconds=85)).added == 30  # 45 s: capped at 30
    assert seconds_of(head) == 70
    row = ControlTime.objects.get(supervisor=head, date=WEDNESDAY)
    assert row.last_beat_at == t + datetime.timedelta(seconds=85)


def test_a_gap_starts_a_new_stretch(staff):
    """The page beats only while visible and in use (and once when left): minutes without beats (a hidden
    tab, the person away) add nothing; the next beat marks the start of a new stretch."""
    head = staff.east_head
    t = at(WEDNESDAY, 10)
    for n in range(7):  # two minutes of use, a beat every 20 s
        beat(head, t + datetime.timedelta(seconds=20 * n))
    assert seconds_of(head) == 120
    back = t + datetime.timedelta(minutes=12)
    assert beat(head, back).added == 0
    assert beat(head, back + datetime.timedelta(seconds=20)).added == 20
    assert seconds_of(head) == 120 + 20


def test_several_tabs_do_not_count_twice(staff):
    """Two tabs beating every 20 s, 10 s apart: the seconds add up to the time elapsed, not twice it."""
    head = staff.east_head
    t = at(WEDNESDAY, 10)
    moments = sorted(
        [t + datetime.timedelta(seconds=20 * n) for n in range(10)]
        + [t + datetime.timedelta(seconds=10 + 20 * n) for n in range(10)]
    )
    for moment in moments:
        beat(head, moment)
    elapsed = (moments[-1] - moments[0]).total_seconds()
    assert seconds_of(head) == elapsed == 190
    # a beat arriving late (sent before the last one recorded) adds nothing and keeps the last instant
    late = beat(head, moments[-1] - datetime.timedelta(seconds=3))
    assert late.added == 0 and late.last_beat_at == moments[-1]
    assert beat(head, moments[-1]).added == 0  # the same instant from another tab


def test_control_time_goes_to_the_supervisors_local_date(staff):
    from portal.people.models import User

    User.objects.filter(pk=staff.east_head.pk).update(time_zone="Asia/Tokyo")
    staff.east_head.refresh_from_db()
    late_evening_utc = datetime.datetime(2026, 11, 18, 16, 0, tzinfo=UTC)  # 01:00 on the 19th in Tokyo
    row = beat(staff.east_head, late_evening_utc)
    assert row.date == datetime.date(2026, 11, 19)


def test_only_those_who_control_people_beat(staff):
    with pytest.raises(PermissionDenied):
        beat(staff.east_rep, NOW)
    assert beat(staff.admin, NOW).seconds == 0  # the start of a stretch
    assert beat(staff.admin, NOW + datetime.timedelta(seconds=7)).seconds == 7
    assert not ControlTime.objects.filter(supervisor=staff.east_rep).exists()


def test_a_naive_now_is_refused(staff):
    with pytest.raises(ValueError):
        beat(staff.east_head, datetime.datetime(2026, 11, 18, 10, 0))  # noqa: DTZ001
