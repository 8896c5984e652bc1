"""Reports: what the control dashboard opens in place under a person's row for their reports ("Last report",
"To rate"): the reports waiting for the viewer's rating, the facts of a day whose report is missing (a draft,
the working day, the tasks closed that day) and whether the person was already reminded of it today.

The viewer controls the person (`can_control_person`); everybody else gets 404. Each read costs a constant
number of queries whatever the number of reports.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from ..choices import ReportStatus
from ..models import WorkDay, WorkReport
from .report_numbers import missing_reports
from .report_prefills import prefill_links, report_prefill, report_prefills_shown
from .reports import SENT_STATES, local_today, reports_to_rate
from .workday import day_running_seconds, workday_states

__all__ = [
    "MissingReportDay",
    "PersonReports",
    "person_reports_for_control",
    "report_reminder_day",
    "report_reminder_key",
]


def report_reminder_key(person_id: int, date: datetime.date) -> str:
    """The reminder key of a person's missing report for `date` (one reminder per person, date and day)."""
    return f"reports.missing:{int(person_id)}:{date.isoformat()}"


def report_reminder_day(person) -> datetime.date:
    """The day a reminder counts for: the person's own today (they are reminded at most once a day)."""
    return local_today(person)


@dataclass
class MissingReportDay:
    """What is known about a day whose report has not been sent: the person's draft (or returned) report
    covering it, the working day, the tasks closed that day (as the viewer may read them), and whether the
    report is due so that a reminder makes sense, or one was sent today already."""

    date: datetime.date
    draft: WorkReport | None
    day: WorkDay | None
    worked_seconds: int
    prefill: dict
    due: bool
    reminded: bool


@dataclass
class PersonReports:
    """The reports fragment of one person, for one viewer."""

    person: Any
    waiting: list[WorkReport] = field(default_factory=list)
    last_rated: WorkReport | None = None
    missing: MissingReportDay | None = None
    date: datetime.date | None = None


def _missing_day(*, viewer, person, date: datetime.date, now=None) -> MissingReportDay | None:
    """The facts of `date` when no sent (or rated) report of the person covers it; None when one does or the
    day has not come yet in the person's time zone."""
    if date > local_today(person, now):
        return None
    covering = list(
        WorkReport.objects.visible_to(viewer)
        .filter(author=person, period_start__lte=date, period_end__gte=date)
        .order_by("-period_start", "-id")
    )
    if any(report.status in SENT_STATES for report in covering):
        return None
    draft = covering[0] if covering else None
    day = workday_states(user_ids=[person.pk], date=date).get(person.pk)
    computed = report_prefill(user=person, period_start=date, period_end=date)
    # The pre-fill is the author's view of their day; read it as the viewer may (a report not stored, so that
    # the lines naming tasks the viewer cannot see are hidden exactly as on a sent report).
    shown = report_prefills_shown(user=viewer, reports=[WorkReport(author=person, prefill=computed)])
    due = person.pk in missing_reports(user_ids=[person.pk], date=date, now=now, people=[person])
    reminded = False
    if due:
        from portal.notifications.services import reminders_sent

        key = report_reminder_key(person.pk, date)
        reminded = bool(reminders_sent(recipients=[person], keys=[key], date=report_reminder_day(person)))
    return MissingReportDay(
        date=date,
        draft=draft,
        day=day,
        worked_seconds=day_running_seconds(day, now) if day is not None else 0,
        prefill=prefill_links(shown[None]),
        due=due,
        reminded=reminded,
    )


def person_reports_for_control(
    *, viewer, person, date: datetime.date | None = None, now=None
) -> PersonReports:
    """The reports fragment of `person` (whom `viewer` controls): the reports waiting for the viewer's
    rating, newest first (the inbox's rule, `reports_to_rate`); the last rated report when none waits; the
    facts of `date` when its report is missing. A constant number of queries."""
    waiting = list(
        reports_to_rate(user=viewer, direct_only=False).filter(author=person).order_by("-period_start", "-id")
    )
    last_rated = None
    if not waiting:
        last_rated = (
            WorkReport.objects.visible_to(viewer)
            .filter(author=person, status=ReportStatus.RATED)
            .select_related("rated_by")
            .order_by("-period_start", "-id")
            .first()
        )
    missing = _missing_day(viewer=viewer, person=person, date=date, now=now) if date else None
    return PersonReports(person=person, waiting=waiting, last_rated=last_rated, missing=missing, date=date)
