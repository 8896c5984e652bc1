# ruff: noqa: F811 - the fixtures imported from reports_support are redefined as test arguments
"""Work reports: the services. Periods and settings, the life cycle (draft -> sent -> returned -> sent ->
rated, locked, history kept), late sending across time zones, who may rate, notifications, audit rows."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.core.errors import NotFound
from portal.core.models import AuditLog
from portal.notifications.models import Notification, UserCounter
from reports import selectors, services
from reports.choices import Rating, ReportPeriod, ReportStatus
from reports.models import ReportSettings, WorkReport, WorkReportRevision
from tests.reports.factories import ReportSettingsFactory, WorkReportFactory
from tests.reports.reports_support import (  # noqa: F401 (fixtures)
    BERLIN,
    MONDAY,
    NEW_YORK,
    TOKYO,
    UTC,
    WEDNESDAY,
    at,
    clock,
    commit,
    people,
)

pytestmark = pytest.mark.django_db


def counter(user, key: str) -> int:
    row = UserCounter.objects.filter(user=user, key=key).first()
    return row.value if row else 0


# --- periods and settings ----------------------------------------------------------------------------


def test_default_is_daily_by_19_in_the_persons_zone(people):
    span = selectors.report_period_for(people.east_rep, WEDNESDAY)
    assert span == (ReportPeriod.DAY, WEDNESDAY, WEDNESDAY, at(BERLIN, 2026, 11, 25, 19, 0))
    assert selectors.report_settings_for(people.east_rep) == (ReportPeriod.DAY, datetime.time(19, 0), 4)
    # The same wall time is another instant for a person in New York.
    people.field_rep.time_zone = "America/New_York"
    ny_span = selectors.report_period_for(people.field_rep, WEDNESDAY)
    assert ny_span.due_at == at(NEW_YORK, 2026, 11, 25, 19, 0)
    assert ny_span.due_at - span.due_at == datetime.timedelta(hours=6)


def test_weekly_runs_monday_to_sunday_due_on_the_weekday(people):
    ReportSettingsFactory(department=people.sales, period=ReportPeriod.WEEK, due_time=datetime.time(17, 30))
    span = selectors.report_period_for(people.east_rep, WEDNESDAY)
    assert span.period == ReportPeriod.WEEK
    assert (span.start, span.end) == (MONDAY, datetime.date(2026, 11, 29))
    assert span.due_at == at(BERLIN, 2026, 11, 27, 17, 30)  # Friday
    sunday = selectors.report_period_for(people.east_rep, datetime.date(2026, 11, 29))
    assert sunday.start == MONDAY


def test_settings_come_from_the_nearest_department_up_the_tree(people):
    ReportSettingsFactory(department=people.sales, period=ReportPeriod.WEEK)
    ReportSettingsFactory(department=people.east, period=ReportPeriod.DAY, due_time=datetime.time(18, 0))
    assert selectors.report_settings_for(people.sales_rep).period == ReportPeriod.WEEK
    assert selectors.report_settings_for(people.east_rep) == (ReportPeriod.DAY, datetime.time(18, 0), 4)
    assert selectors.report_settings_for(people.field_rep).due_time == datetime.time(18, 0)  # East Field
    assert selectors.report_settings_for(people.developer).period == ReportPeriod.DAY  # IT: the default


def test_settings_save_by_the_head_for_their_sub_tree(people):
    row = services.report_settings_save(
        actor=people.sales_head,
        department=people.east,
        period=ReportPeriod.WEEK,
        due_time=datetime.time(16, 0),
        due_weekday=3,
    )
    assert (row.period, row.due_time, row.due_weekday) == (ReportPeriod.WEEK, datetime.time(16, 0), 3)
    assert AuditLog.objects.filter(action="report_settings.save", target_id=str(row.pk)).exists()
    # Saving it again changes the row, not a second one.
    services.report_settings_save(
        actor=people.admin, department=people.east, period=ReportPeriod.DAY, due_time=datetime.time(20, 0)
    )
    assert ReportSettings.objects.filter(department=people.east).count() == 1
    assert selectors.report_settings_for(people.east_rep).due_time == datetime.time(20, 0)
    assert services.report_settings_reset(actor=people.east_head, department=people.east) is True
    assert not ReportSettings.objects.filter(department=people.east).exists()


@pytest.mark.parametrize("who", ["east_head", "developer", "east_rep"])
def test_settings_save_outside_ones_sub_tree_is_forbidden(people, who):
    with pytest.raises(PermissionDenied):
        services.report_settings_save(
            actor=getattr(people, who), department=people.sales, period="day", due_time=datetime.time(19)
        )
    assert not ReportSettings.objects.exists()


def test_settings_save_validates(people):
    with pytest.raises(ValidationError) as info:
        services.report_settings_save(
            actor=people.admin, department=people.sales, period="month", due_time="19:00", due_weekday=9
        )
    assert set(info.value.message_dict) == {"period", "due_time", "due_weekday"}
    assert not ReportSettings.objects.exists()


# --- the life cycle ----------------------------------------------------------------------------------


def test_life_cycle_draft_sent_returned_sent_rated_locked(people, clock, commit):
    author, supervisor = people.east_rep, people.east_head
    clock.set(at(BERLIN, 2026, 11, 25, 17, 0))

    draft = services.report_save(actor=author, facts="Called ten clients", plans="Visit two")
    assert draft.status == ReportStatus.DRAFT
    assert (draft.period, draft.period_start, draft.period_end) == ("day", WEDNESDAY, WEDNESDAY)
    # Editing a draft keeps no history.
    services.report_save(actor=author, facts="Called twelve clients", plans="Visit two")
    assert not WorkReportRevision.objects.exists()

    with commit():
        sent = services.report_save(actor=author, facts="Called twelve clients", plans="Visit two", send=True)
    assert sent.pk == draft.pk
    assert sent.status == ReportStatus.SENT
    assert sent.supervisor == supervisor
    assert sent.sent_at == clock.now and sent.is_late is False
    assert counter(supervisor, "reports.to_rate") == 1
    assert Notification.objects.filter(recipient=supervisor, kind="report_sent").count() == 1

    with commit():
        returned = services.report_return(actor=supervisor, report=sent, comment="Which clients?")
    assert returned.status == ReportStatus.RETURNED
    assert returned.rating_comment == "Which clients?"
    revision = WorkReportRevision.objects.get()
    assert revision.data["facts"] == "Called twelve clients"
    assert revision.data["return_comment"] == "Which clients?"
    assert revision.changed_by == supervisor
    assert counter(supervisor, "reports.to_rate") == 0
    note = Notification.objects.get(recipient=author, kind="report_returned")
    assert "Which clients?" in note.body

    clock.set(at(BERLIN, 2026, 11, 25, 21, 0))  # after the deadline: the first sending was in time
    again = services.report_save(
        actor=author, facts="Called twelve clients: Acme, Globex", plans="Visit two", send=True
    )
    assert again.status == ReportStatus.SENT
    assert again.is_late is False
    assert again.rating_comment == ""
    assert WorkReportRevision.objects.count() == 2  # the return, then the text before the correction
    assert Notification.objects.filter(recipient=supervisor, kind="report_sent").count() == 2

    with commit():
        rated = services.report_rate(
            actor=people.sales_head, report=again, rating=Rating.POSITIVE, comment="Good"
        )
    assert rated.status == ReportStatus.RATED and rated.is_locked
    assert (rated.rating, rated.rating_comment, rated.rated_by) == ("positive", "Good", people.sales_head)
    assert Notification.objects.get(recipient=author, kind="report_rated").title.endswith("positive")
    assert counter(supervisor, "reports.to_rate") == 0

    with pytest.raises(ValidationError) as info:
        services.report_save(actor=author, facts="Changed after rating")
    assert "report" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.report_rate(actor=supervisor, report=rated, rating=Rating.NEGATIVE)
    with pytest.raises(ValidationError):
        services.report_return(actor=supervisor, report=rated, comment="Again")
    rated.refresh_from_db()
    assert rated.facts == "Called twelve clients: Acme, Globex"
    assert rated.rating == Rating.POSITIVE
    actions = list(AuditLog.objects.filter(target_id=str(rated.pk)).values_list("action", flat=True))
    for action in ("report.create", "report.update", "report.send", "report.return", "report.rate"):
        assert action in actions


def test_editing_a_sent_report_keeps_the_previous_text(people, clock):
    report = services.report_save(actor=people.east_rep, facts="First", results="R1", send=True)
    services.report_save(actor=people.east_rep, facts="Second", results="R1")
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT
    assert report.facts == "Second"
    revision = report.revisions.get()
    assert revision.data["facts"] == "First"
    assert revision.data["status"] == ReportStatus.SENT
    # Saving the very same text again is no change and keeps no revision.
    services.report_save(actor=people.east_rep, facts="Second", results="R1")
    assert report.revisions.count() == 1


def test_sending_needs_facts_and_writes_nothing_without(people, clock):
    with pytest.raises(ValidationError) as info:
        services.report_save(actor=people.east_rep, facts="   ", plans="Plans", send=True)
    assert "facts" in info.value.message_dict
    assert not WorkReport.objects.exists()
    draft = services.report_save(actor=people.east_rep, facts="", plans="Plans")
    with pytest.raises(ValidationError):
        services.report_send(actor=people.east_rep, report=draft)
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT


def test_a_period_that_has_not_begun_cannot_be_reported(people, clock):
    clock.set(at(BERLIN, 2026, 11, 25, 23, 30))  # 22:30 UTC: still Wednesday in Berlin
    with pytest.raises(ValidationError) as info:
        services.report_save(actor=people.east_rep, period_start=datetime.date(2026, 11, 26), facts="x")
    assert "period_start" in info.value.message_dict
    # Earlier periods are fine, and period_start picks the period containing the day.
    ReportSettingsFactory(department=people.east, period=ReportPeriod.WEEK)
    report = services.report_save(actor=people.east_rep, period_start=datetime.date(2026, 11, 18), facts="x")
    assert (report.period, report.period_start, report.period_end) == (
        ReportPeriod.WEEK,
        datetime.date(2026, 11, 16),
        datetime.date(2026, 11, 22),
    )


def test_the_current_period_is_the_persons_local_day(people, clock):
    people.developer.time_zone = "Asia/Tokyo"
    people.developer.save(update_fields=["time_zone"])
    clock.set(at(UTC, 2026, 11, 25, 16, 0))  # Thursday 01:00 in Tokyo, Wednesday in Berlin
    assert services.report_save(actor=people.developer, facts="x").period_start == datetime.date(2026, 11, 26)
    assert services.report_save(actor=people.east_rep, facts="x").period_start == WEDNESDAY


# --- late sending ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "wall", "late"),
    [
        ("Europe/Berlin", (2026, 11, 25, 18, 59), False),
        ("Europe/Berlin", (2026, 11, 25, 19, 1), True),
        ("America/New_York", (2026, 11, 25, 18, 30), False),
        ("America/New_York", (2026, 11, 25, 20, 0), True),
    ],
)
def test_late_when_sent_after_the_due_time_in_the_persons_zone(people, clock, zone, wall, late):
    author = people.east_rep
    author.time_zone = zone
    author.save(update_fields=["time_zone"])
    import zoneinfo

    clock.set(at(zoneinfo.ZoneInfo(zone), *wall))
    report = services.report_save(actor=author, period_start=WEDNESDAY, facts="Done", send=True)
    assert report.is_late is late


def test_weekly_report_is_late_only_after_its_weekday(people, clock):
    ReportSettingsFactory(department=people.east, period=ReportPeriod.WEEK, due_weekday=4)
    clock.set(at(BERLIN, 2026, 11, 27, 18, 0))  # Friday before 19:00
    assert services.report_save(actor=people.east_rep, facts="Week", send=True).is_late is False
    clock.set(at(BERLIN, 2026, 11, 28, 10, 0))  # Saturday
    report = services.report_save(
        actor=people.east_head, period_start=datetime.date(2026, 11, 24), facts="Week", send=True
    )
    assert report.is_late is True


# --- who may do what ---------------------------------------------------------------------------------


@pytest.fixture
def sent(people, clock):
    return services.report_save(actor=people.east_rep, facts="Work", send=True)


def test_only_the_author_edits_and_sends(people, sent):
    with pytest.raises(PermissionDenied):
        services.report_save(actor=people.east_head, report=sent, facts="Rewritten")
    with pytest.raises(NotFound):
        services.report_save(actor=people.developer, report=sent, facts="Rewritten")
    draft = WorkReportFactory(author=people.east_rep, period_start=datetime.date(2026, 11, 20))
    with pytest.raises(PermissionDenied):
        services.report_send(actor=people.east_head, report=draft)
    sent.refresh_from_db()
    assert sent.facts == "Work"


def test_the_author_never_rates_their_own_report(people, sent):
    with pytest.raises(PermissionDenied):
        services.report_rate(actor=people.east_rep, report=sent, rating=Rating.POSITIVE)


@pytest.mark.parametrize("who", ["developer", "sales_rep", "it_head"])
def test_people_outside_the_sub_tree_do_not_see_the_report(people, sent, who):
    with pytest.raises(NotFound):
        services.report_rate(actor=getattr(people, who), report=sent, rating=Rating.POSITIVE)
    with pytest.raises(NotFound):
        services.report_return(actor=getattr(people, who), report=sent, comment="No")
    sent.refresh_from_db()
    assert sent.status == ReportStatus.SENT


@pytest.mark.parametrize("who", ["east_head", "sales_head", "ceo", "admin"])
def test_supervisors_up_the_tree_and_admins_rate(people, sent, who):
    rated = services.report_rate(actor=getattr(people, who), report=sent, rating=Rating.NEGATIVE)
    assert rated.rating == Rating.NEGATIVE
    assert Notification.objects.filter(recipient=people.east_rep, kind="report_rated").count() == 1


def test_hr_with_the_view_all_permission_rates(people, sent):
    from django.contrib.auth.models import Permission

    hr = people.sales_rep
    hr.user_permissions.add(Permission.objects.get(codename="view_all", content_type__app_label="reports"))
    hr = type(hr).objects.get(pk=hr.pk)
    assert services.report_rate(actor=hr, report=sent, rating=Rating.POSITIVE).status == ReportStatus.RATED


def test_rating_checks_state_and_input(people, sent):
    with pytest.raises(ValidationError) as info:
        services.report_rate(actor=people.east_head, report=sent, rating="great")
    assert "rating" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.report_return(actor=people.east_head, report=sent, comment="  ")
    assert "comment" in info.value.message_dict
    draft = WorkReportFactory(author=people.east_rep, period_start=datetime.date(2026, 11, 20))
    with pytest.raises(ValidationError):
        services.report_rate(actor=people.east_head, report=draft, rating=Rating.POSITIVE)
    sent.refresh_from_db()
    assert sent.status == ReportStatus.SENT and sent.rating == ""


def test_sending_without_a_supervisor_notifies_nobody(people, clock):
    report = services.report_save(actor=people.ceo, facts="Strategy", send=True)
    assert report.status == ReportStatus.SENT
    assert report.supervisor is None
    assert not Notification.objects.filter(kind="report_sent").exists()


def test_the_supervisor_is_the_one_of_the_moment_of_sending(people, clock):
    from portal.people.models import Department

    report = services.report_save(actor=people.east_rep, facts="Work")
    Department.objects.filter(pk=people.east.pk).update(head=None)  # East has no head now
    services.report_send(actor=people.east_rep, report=report)
    assert report.supervisor == people.sales_head
    assert Notification.objects.get(kind="report_sent").recipient == people.sales_head


def test_prefill_is_stored_when_sent(people, clock):
    from tests.tasks.factories import TaskFactory

    clock.set(at(BERLIN, 2026, 11, 25, 18, 0))
    TaskFactory(
        responsible=people.east_rep,
        creator=people.east_head,
        title="Quote for Acme",
        status="completed",
        completed_at=at(BERLIN, 2026, 11, 25, 11, 0),
    )
    report = services.report_save(actor=people.east_rep, facts="Quote", send=True)
    assert [t["title"] for t in report.prefill["closed_tasks"]] == ["Quote for Acme"]
    assert report.prefill["period_start"] == "2026-11-25"
    draft = services.report_save(actor=people.east_rep, period_start=datetime.date(2026, 11, 24), facts="x")
    assert draft.prefill == {}


def test_counters_follow_the_cycle(people, clock, commit):
    clock.set(at(BERLIN, 2026, 11, 25, 20, 0))  # today's report is due and not sent
    services.report_save(actor=people.east_rep, facts="Draft only")
    from portal.notifications.counters import counters_store

    counters_store([people.east_rep.pk], ["reports.my_unsent"])
    assert counter(people.east_rep, "reports.my_unsent") == 1
    # Yesterday's is missing too: sending today's alone is not enough.
    with commit():
        services.report_save(actor=people.east_rep, facts="Today", send=True)
    assert counter(people.east_rep, "reports.my_unsent") == 1
    with commit():
        report = services.report_save(
            actor=people.east_rep, period_start=datetime.date(2026, 11, 24), facts="Yesterday", send=True
        )
    assert counter(people.east_rep, "reports.my_unsent") == 0
    assert counter(people.east_head, "reports.to_rate") == 2
    with commit():
        services.report_return(actor=people.east_head, report=report, comment="More detail")
    assert counter(people.east_rep, "reports.my_unsent") == 1
    assert counter(people.east_head, "reports.to_rate") == 1
