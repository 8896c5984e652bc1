# ruff: noqa: F811 - the fixtures imported from reports_support are redefined as test arguments
"""Work reports: the reads. The pre-fill (that local day only, across time zones), the numbers other parts
call (last reports, waiting counts, missing and negative reports, the credited share) on hand-made cases,
the two counters and their beat sweep, and constant query counts."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.core.registry import PrefillSource, registry
from portal.notifications.counters import counters_rebuild_all, counters_store
from portal.notifications.models import UserCounter
from reports import selectors, services
from reports.choices import DayState, Rating, ReportPeriod, ReportStatus
from reports.jobs import reports_unsent_recount_job
from tests.people.factories import UserFactory
from tests.reports.factories import (
    ReportSettingsFactory,
    WorkDayFactory,
    WorkReportFactory,
    WorkScheduleFactory,
)
from tests.reports.reports_support import (  # noqa: F401 (fixtures)
    BERLIN,
    MONDAY,
    TOKYO,
    UTC,
    WEDNESDAY,
    at,
    clock,
    commit,
    people,
)
from tests.tasks.factories import TaskFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db
TUESDAY = datetime.date(2026, 11, 24)
THURSDAY = datetime.date(2026, 11, 26)
FRIDAY = datetime.date(2026, 11, 27)
SATURDAY = datetime.date(2026, 11, 28)
SUNDAY = datetime.date(2026, 11, 29)


def report(author, day, *, status=ReportStatus.SENT, rating="", end=None, period=ReportPeriod.DAY, **kw):
    return WorkReportFactory(
        author=author,
        period=period,
        period_start=day,
        period_end=end or day,
        status=status,
        rating=rating,
        sent_at=None if status == ReportStatus.DRAFT else at(UTC, 2026, 11, 1, 12, 0),
        **kw,
    )


def rated(author, day, rating=Rating.POSITIVE, **kw):
    return report(author, day, status=ReportStatus.RATED, rating=rating, **kw)


def queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return result, len(ctx.captured_queries)


# --- the pre-fill ------------------------------------------------------------------------------------


def test_prefill_takes_that_local_day_only(people, clock):
    person = people.developer
    person.time_zone = "Asia/Tokyo"
    person.save(update_fields=["time_zone"])
    clock.set(at(TOKYO, 2026, 11, 25, 22, 0))

    def done(title, when, status="completed", **kw):
        return TaskFactory(
            responsible=person,
            creator=people.it_head,
            title=title,
            status=status,
            completed_at=when,
            **kw,
        )

    early = done("Early morning in Tokyo", at(UTC, 2026, 11, 24, 23, 30))  # 08:30 on the 25th in Tokyo
    late = done("Late evening", at(TOKYO, 2026, 11, 25, 23, 59))
    # Handed in for control that day: the person's work is done, whenever its creator approves it.
    done("Handed in for control", at(TOKYO, 2026, 11, 25, 20, 0), status="awaiting_control")
    done("The day before", at(TOKYO, 2026, 11, 24, 23, 59))
    done("The day after", at(UTC, 2026, 11, 25, 15, 0))  # 00:00 on the 26th in Tokyo
    TaskFactory(responsible=person, creator=people.it_head, title="Still open", status="in_progress")
    TaskFactory(
        responsible=people.it_head,
        creator=person,
        title="Someone else's",
        status="completed",
        completed_at=at(TOKYO, 2026, 11, 25, 12, 0),
    )
    TimeEntryFactory(user=person, task=early, started_at=at(TOKYO, 2026, 11, 25, 9, 0), seconds=1800)
    TimeEntryFactory(user=person, task=early, started_at=at(TOKYO, 2026, 11, 25, 14, 0), seconds=600)
    TimeEntryFactory(user=person, task=late, started_at=at(TOKYO, 2026, 11, 25, 16, 0), seconds=3600)
    TimeEntryFactory(user=person, task=late, started_at=at(TOKYO, 2026, 11, 24, 16, 0), seconds=7200)
    TimeEntryFactory(user=people.it_head, task=late, started_at=at(TOKYO, 2026, 11, 25, 16, 0), seconds=999)
    WorkDayFactory(
        user=person,
        date=WEDNESDAY,
        state=DayState.CLOSED,
        started_at=at(TOKYO, 2026, 11, 25, 9, 20),
        ended_at=at(TOKYO, 2026, 11, 25, 18, 0),
        worked_seconds=8 * 3600,
        is_late=True,
    )
    WorkDayFactory(
        user=person,
        date=TUESDAY,
        state=DayState.CLOSED,
        started_at=at(TOKYO, 2026, 11, 24, 9),
        worked_seconds=60,
    )

    data, n = queries(
        lambda: selectors.report_prefill(user=person, period_start=WEDNESDAY, period_end=WEDNESDAY)
    )
    assert [t["title"] for t in data["closed_tasks"]] == [
        "Early morning in Tokyo",
        "Handed in for control",
        "Late evening",
    ]
    assert data["time_by_task"] == [
        {"task_id": late.pk, "title": "Late evening", "seconds": 3600},
        {"task_id": early.pk, "title": "Early morning in Tokyo", "seconds": 2400},
    ]
    assert data["time_seconds"] == 6000
    assert data["worked_seconds"] == 8 * 3600
    assert data["late_starts"] == ["2026-11-25"]
    assert [d["date"] for d in data["workdays"]] == ["2026-11-25"]
    assert n <= 6

    # The same instants make another day for a person in Berlin.
    other = selectors.report_prefill(user=people.east_rep, period_start=WEDNESDAY, period_end=WEDNESDAY)
    assert other["closed_tasks"] == [] and other["worked_seconds"] == 0


def test_prefill_of_a_week_spans_its_days(people, clock):
    clock.set(at(BERLIN, 2026, 11, 29, 20, 0))
    for day in (MONDAY, WEDNESDAY, SATURDAY):
        TaskFactory(
            responsible=people.east_rep,
            creator=people.east_head,
            title=f"Task {day:%a}",
            status="completed",
            completed_at=datetime.datetime.combine(day, datetime.time(12), tzinfo=BERLIN),
        )
    data = selectors.report_prefill(user=people.east_rep, period_start=MONDAY, period_end=SUNDAY)
    assert [t["title"] for t in data["closed_tasks"]] == ["Task Mon", "Task Wed", "Task Sat"]


def test_registered_prefill_sources_join(people, clock):
    calendar = PrefillSource(
        "calendar",
        "Meetings",
        compute=lambda user, start_at, end_at: [{"title": f"Standup {start_at:%d}", "url": "/cal/1"}],
    )
    with registry.report_prefill.override(calendar):
        data = selectors.report_prefill(user=people.east_rep, period_start=WEDNESDAY, period_end=WEDNESDAY)
    assert data["extra"] == {
        "calendar": {"label": "Meetings", "items": [{"title": "Standup 25", "url": "/cal/1"}]},
        "crm": {"label": "CRM activities", "items": []},  # the CRM's own source: nothing done that day
    }


# --- numbers other parts call ------------------------------------------------------------------------


def test_last_reports_is_the_latest_sent_or_rated_per_person_in_one_query(people):
    rep, field, dev = people.east_rep, people.field_rep, people.developer
    report(rep, MONDAY)
    latest = rated(rep, TUESDAY, Rating.NEGATIVE)
    report(rep, WEDNESDAY, status=ReportStatus.DRAFT)
    report(rep, THURSDAY, status=ReportStatus.RETURNED)
    field_latest = report(field, WEDNESDAY)
    result, n = queries(lambda: selectors.last_reports(user_ids=[rep.pk, field.pk, dev.pk]))
    assert n == 1
    assert result == {rep.pk: latest, field.pk: field_latest}
    assert result[rep.pk].rating == Rating.NEGATIVE
    assert selectors.last_reports(user_ids=[]) == {}


def test_waiting_counts_are_sent_unrated_reports(people):
    report(people.east_rep, MONDAY)
    report(people.east_rep, TUESDAY)
    rated(people.east_rep, WEDNESDAY)
    report(people.field_rep, MONDAY, status=ReportStatus.RETURNED)
    result, n = queries(
        lambda: selectors.waiting_counts(author_ids=[people.east_rep.pk, people.field_rep.pk])
    )
    assert (result, n) == ({people.east_rep.pk: 2}, 1)


def test_missing_reports_on_working_days_once_due(people, clock):
    rep, field, sales_rep, dev = people.east_rep, people.field_rep, people.sales_rep, people.developer
    ids = [rep.pk, field.pk, sales_rep.pk, dev.pk]
    clock.set(at(UTC, 2026, 11, 26, 9, 0))  # Thursday morning: Wednesday's daily reports are due
    report(rep, WEDNESDAY)
    report(field, WEDNESDAY, status=ReportStatus.DRAFT)  # a draft is not sent
    rated(sales_rep, WEDNESDAY, Rating.NEGATIVE)  # rated counts as sent
    assert selectors.missing_reports(user_ids=ids, date=WEDNESDAY) == {field.pk, dev.pk}
    # A Saturday is nobody's working day here; someone who had not joined yet owes nothing.
    assert selectors.missing_reports(user_ids=ids, date=SATURDAY) == set()
    type(dev).objects.filter(pk=dev.pk).update(date_joined=at(UTC, 2026, 11, 26, 8, 0))
    assert selectors.missing_reports(user_ids=ids, date=WEDNESDAY) == {field.pk}
    # Today's report is not missing before its due time.
    assert selectors.missing_reports(user_ids=[rep.pk], date=THURSDAY) == set()


def test_missing_reports_follow_schedules_and_weekly_periods(people, clock):
    rep, dev = people.east_rep, people.developer
    WorkScheduleFactory(user=dev, working_days=[5, 6])  # works weekends only
    ReportSettingsFactory(department=people.east, period=ReportPeriod.WEEK, due_weekday=4)
    clock.set(at(UTC, 2026, 11, 26, 9, 0))
    # The weekly report of this week is due on Friday: not missing on Thursday.
    assert selectors.missing_reports(user_ids=[rep.pk, dev.pk], date=WEDNESDAY) == set()
    clock.set(at(UTC, 2026, 11, 30, 9, 0))
    assert selectors.missing_reports(user_ids=[rep.pk, dev.pk], date=SATURDAY) == {dev.pk}
    assert selectors.missing_reports(user_ids=[rep.pk, dev.pk], date=WEDNESDAY) == {rep.pk}
    report(rep, MONDAY, end=SUNDAY, period=ReportPeriod.WEEK)
    assert selectors.missing_reports(user_ids=[rep.pk, dev.pk], date=WEDNESDAY) == set()


def test_missing_reports_cost_constant_queries(people, clock):
    clock.set(at(UTC, 2026, 11, 26, 9, 0))
    few = [people.east_rep.pk, people.field_rep.pk]
    _, small = queries(lambda: selectors.missing_reports(user_ids=few, date=WEDNESDAY))
    many = few + [UserFactory(department=people.east).pk for _ in range(30)]
    result, large = queries(lambda: selectors.missing_reports(user_ids=many, date=WEDNESDAY))
    assert small == large
    assert len(result) == 2  # the newcomers joined today


def test_negative_reports_cover_the_date(people):
    rep, field = people.east_rep, people.field_rep
    bad = rated(rep, WEDNESDAY, Rating.NEGATIVE)
    rated(rep, TUESDAY, Rating.NEGATIVE)
    rated(field, WEDNESDAY, Rating.POSITIVE)
    week = rated(field, MONDAY, Rating.NEGATIVE, end=SUNDAY, period=ReportPeriod.WEEK)
    result, n = queries(lambda: selectors.negative_reports(user_ids=[rep.pk, field.pk], date=WEDNESDAY))
    assert n == 1
    assert {r.pk for r in result} == {bad.pk, week.pk}


def test_credited_share_on_hand_made_cases(people):
    rep, field, dev, sales_rep = people.east_rep, people.field_rep, people.developer, people.sales_rep
    # east_rep: Mon + Tue positive, Wed negative, Thu sent unrated, Sat positive (not a working day).
    rated(rep, MONDAY)
    rated(rep, TUESDAY)
    rated(rep, WEDNESDAY, Rating.NEGATIVE)
    report(rep, THURSDAY)
    rated(rep, SATURDAY)
    # field_rep: one positive weekly report covers the whole week.
    rated(field, MONDAY, end=SUNDAY, period=ReportPeriod.WEEK)
    # developer works Mon, Tue, Wed only, positive on Wed.
    WorkScheduleFactory(user=dev, working_days=[0, 1, 2])
    rated(dev, WEDNESDAY)
    # sales_rep joined on Thursday: only Thu and Fri count; positive on Friday.
    type(sales_rep).objects.filter(pk=sales_rep.pk).update(date_joined=at(UTC, 2026, 11, 26, 8, 0))
    rated(sales_rep, FRIDAY)

    ids = [rep.pk, field.pk, dev.pk, sales_rep.pk]
    result, n = queries(lambda: selectors.credited_share(user_ids=ids, start=MONDAY, end=SUNDAY))
    assert result[rep.pk] == {"credited": 2, "working_days": 5, "share": 40.0}
    assert result[field.pk] == {"credited": 5, "working_days": 5, "share": 100.0}
    assert result[dev.pk] == {"credited": 1, "working_days": 3, "share": 33.3}
    assert result[sales_rep.pk] == {"credited": 1, "working_days": 2, "share": 50.0}
    assert n <= 5  # the people, their schedules (2), the company calendar, the positive reports
    # A period of days off only: nothing to credit.
    weekend = selectors.credited_share(user_ids=[rep.pk], start=SATURDAY, end=SUNDAY)
    assert weekend[rep.pk] == {"credited": 0, "working_days": 0, "share": 0.0}
    # A period cut through a weekly report counts only its own days.
    part = selectors.credited_share(user_ids=[field.pk], start=WEDNESDAY, end=datetime.date(2026, 12, 4))
    assert part[field.pk] == {"credited": 3, "working_days": 8, "share": 37.5}


# --- counters ----------------------------------------------------------------------------------------


def test_to_rate_counts_reports_sent_to_me_by_my_people(people):
    rep, field = people.east_rep, people.field_rep
    report(rep, MONDAY, supervisor=people.east_head)
    report(field, MONDAY, supervisor=people.east_head)
    report(rep, TUESDAY, supervisor=people.east_head, status=ReportStatus.RATED, rating="positive")
    report(people.east_head, MONDAY, supervisor=people.sales_head)
    # Sent to a supervisor who no longer heads the author's department: the current head rates it.
    report(people.developer, MONDAY, supervisor=people.east_head)
    ids = [people.east_head.pk, people.sales_head.pk, people.ceo.pk, rep.pk]
    counts = selectors.count_to_rate(ids)
    assert counts == {people.east_head.pk: 2, people.sales_head.pk: 1}
    # The badge counts what the inbox shows by default.
    for person in (people.east_head, people.sales_head, people.ceo):
        inbox = selectors.reports_to_rate(user=person, direct_only=True)
        assert inbox.count() == counts.get(person.pk, 0)
    assert selectors.reports_to_rate(user=people.sales_head).count() == 3  # the whole sub-tree
    assert selectors.reports_to_rate(user=people.admin, direct_only=False).count() == 4  # HR/admin: all


def test_my_unsent_when_due_passed_or_previous_missing(people, clock):
    rep = people.east_rep  # Berlin, daily by 19:00
    clock.set(at(BERLIN, 2026, 11, 25, 12, 0))
    report(rep, TUESDAY)
    assert selectors.count_my_unsent([rep.pk]) == {rep.pk: 0}  # today's not due yet, yesterday's sent
    clock.set(at(BERLIN, 2026, 11, 25, 19, 30))
    assert selectors.count_my_unsent([rep.pk]) == {rep.pk: 1}
    report(rep, WEDNESDAY, status=ReportStatus.RETURNED)
    assert selectors.count_my_unsent([rep.pk]) == {rep.pk: 1}  # returned is not sent
    WorkReportFactory._meta.model.objects.filter(author=rep, period_start=WEDNESDAY).update(status="sent")
    assert selectors.count_my_unsent([rep.pk]) == {rep.pk: 0}
    # Monday morning: the previous period with a working day is Friday, not Sunday.
    clock.set(at(BERLIN, 2026, 11, 30, 9, 0))
    assert selectors.count_my_unsent([rep.pk]) == {rep.pk: 1}
    report(rep, FRIDAY)
    assert selectors.count_my_unsent([rep.pk]) == {rep.pk: 0}
    # Nobody to report to: the head of the company owes no report.
    assert selectors.count_my_unsent([people.ceo.pk]) == {}


def test_my_unsent_for_weekly_reporters(people, clock):
    ReportSettingsFactory(department=people.east, period=ReportPeriod.WEEK, due_weekday=4)
    rep = people.east_rep
    report(rep, datetime.date(2026, 11, 16), end=datetime.date(2026, 11, 22), period=ReportPeriod.WEEK)
    clock.set(at(BERLIN, 2026, 11, 26, 12, 0))  # Thursday: due on Friday
    assert selectors.count_my_unsent([rep.pk]) == {rep.pk: 0}
    clock.set(at(BERLIN, 2026, 11, 27, 19, 5))  # Friday after 19:00
    assert selectors.count_my_unsent([rep.pk]) == {rep.pk: 1}
    report(rep, MONDAY, end=SUNDAY, period=ReportPeriod.WEEK)
    assert selectors.count_my_unsent([rep.pk]) == {rep.pk: 0}


def test_counters_cost_constant_queries(people, clock):
    clock.set(at(BERLIN, 2026, 11, 25, 20, 0))
    few = [people.east_rep.pk, people.east_head.pk]
    _, unsent_small = queries(lambda: selectors.count_my_unsent(few))
    _, rate_small = queries(lambda: selectors.count_to_rate(few))
    more = [UserFactory(department=people.east).pk for _ in range(25)]
    for pk in more[:10]:
        report(type(people.east_rep).objects.get(pk=pk), WEDNESDAY, supervisor=people.east_head)
    _, unsent_large = queries(lambda: selectors.count_my_unsent(few + more))
    _, rate_large = queries(lambda: selectors.count_to_rate(few + more))
    assert (unsent_small, rate_small) == (unsent_large, rate_large)


def test_rebuild_gives_the_same_numbers_as_the_incremental_path(people, clock, commit):
    clock.set(at(BERLIN, 2026, 11, 25, 20, 0))
    with commit():
        services.report_save(actor=people.east_rep, period_start=TUESDAY, facts="Tue", send=True)
        sent = services.report_save(actor=people.field_rep, period_start=TUESDAY, facts="Tue", send=True)
    with commit():
        services.report_rate(actor=people.east_head, report=sent, rating=Rating.POSITIVE)
    keys = ["reports.to_rate", "reports.my_unsent"]
    rows = UserCounter.objects.filter(key__in=keys).values_list("user_id", "key", "value")
    incremental = {(user_id, key): value for user_id, key, value in rows}
    counters_rebuild_all()
    rebuilt = {(user_id, key): value for user_id, key, value in rows.all()}
    # Every number the incremental path stored is what the rebuild computes.
    assert {pair: rebuilt.get(pair, 0) for pair in incremental} == incremental
    assert incremental[(people.east_head.pk, "reports.to_rate")] == 1
    assert incremental[(people.east_rep.pk, "reports.my_unsent")] == 1  # today's is due and not sent


def test_beat_sweep_recounts_people_whose_due_time_just_passed(people, clock):
    rep, tokyo = people.east_rep, people.developer
    tokyo.time_zone = "Asia/Tokyo"
    tokyo.save(update_fields=["time_zone"])
    report(rep, TUESDAY)
    report(tokyo, TUESDAY)
    clock.set(at(BERLIN, 2026, 11, 25, 19, 10))  # 19:00 passed in Berlin ten minutes ago; 03:10 in Tokyo
    ids = selectors.reports_unsent_boundary_passed()
    assert rep.pk in ids and people.east_head.pk in ids
    assert tokyo.pk not in ids
    clock.set(at(TOKYO, 2026, 11, 26, 0, 5))  # a new day has begun in Tokyo
    assert tokyo.pk in selectors.reports_unsent_boundary_passed()

    clock.set(at(BERLIN, 2026, 11, 25, 19, 10))
    assert reports_unsent_recount_job() >= 1
    assert UserCounter.objects.get(user=rep, key="reports.my_unsent").value == 1
    # A second beat finds the same people and stores nothing new.
    assert counters_store([rep.pk], ["reports.my_unsent"]) == 0


def test_beat_sweep_skips_while_another_runs(people, clock):
    from django.core.cache import cache

    cache.add("reports:reports_unsent_recount:lock", "1", timeout=60)
    try:
        assert reports_unsent_recount_job() == 0
    finally:
        cache.delete("reports:reports_unsent_recount:lock")


def test_a_report_is_overdue_once_due_and_not_sent(people, clock):
    span = selectors.report_period_for(people.east_rep, WEDNESDAY)
    before, after = at(BERLIN, 2026, 11, 25, 18, 59), at(BERLIN, 2026, 11, 25, 19, 1)
    assert selectors.report_is_overdue(report=None, span=span, now=before) is False
    assert selectors.report_is_overdue(report=None, span=span, now=after) is True
    draft = report(people.east_rep, WEDNESDAY, status=ReportStatus.RETURNED)
    assert selectors.report_is_overdue(report=draft, span=span, now=after) is True
    draft.status = ReportStatus.SENT
    assert selectors.report_is_overdue(report=draft, span=span, now=after) is False
