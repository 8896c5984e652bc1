"""Working days, work reports, timesheets and control digests for the demo company, written through the
reports services (so the events, audit rows, notifications and counters exist as after weeks of real use).

`seed_demo_reports()` runs after the company, its people and their tasks exist
(`portal.core.demo.seed_demo_social`):
- how people report: daily by 19:00 for the company, weekly (Friday 17:00) for Marketing;
- work schedules: Inside Sales starts at 8:00; one part-timer (Monday to Thursday, 9:00 to 14:00);
- working days of the last three weeks, and at least of the whole month so far, for everybody (the newest
  colleague since the day she joined; the sales manager since the first day of last month, for a full
  timesheet): mostly on time, some late starts (often with a comment), lunch breaks, a few short days; a day
  left open and closed automatically that waits for its owner's confirmation; an older one corrected and
  confirmed by the supervisor; a correction with its reason waiting for confirmation; today's day started by
  those whose start has come, one person on a break and one who has not turned up;
- work reports for those days: most sent and rated (mostly positive, some negative with a comment), the
  latest ones sent and waiting for their supervisor's rating, one returned for changes, one draft, some
  missing; the report texts name the tasks the person really completed that day;
- last month's timesheet of the sales manager, confirmed by the head of Sales;
- today's control digest of the CEO and of the head of Sales; then every counter is recounted.

The last two working days and today go through the services click by click and report by report (with
their events, audit rows and notifications); the older history is written in bulk, as those services would
have left it (the schedule's verdicts by the services' own rule, the pre-fill by its selector), which keeps
the seeding within a few seconds. The services stamp things "now" (the working-day services take the moment
as `now`); what they wrote is then moved back to when it happened. Deterministic (one seeded random.Random;
the dates follow today's date) and idempotent: when the demo people have working days or reports already, it
adds nothing.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from .digests import DigestsDemo
from .people import SEED, demo_people
from .reports import ReportsDemo
from .timesheets import TimesheetsDemo
from .workday import WorkdayDemo

__all__ = ["DemoReports", "demo_people", "demo_reports_exist", "seed_demo_reports"]


def demo_reports_exist(people: dict) -> bool:
    from ..models import WorkDay, WorkReport

    ids = [u.pk for u in people.values()]
    return (
        WorkDay.objects.filter(user_id__in=ids).exists()
        or WorkReport.objects.filter(author_id__in=ids).exists()
    )


def seed_demo_reports(*, stdout=None, now: datetime.datetime | None = None) -> dict[str, int]:
    """Schedules, report settings, working days, corrections, reports, a confirmed timesheet and today's
    control digests for the demo company; then every counter recounted. Returns how many of each thing
    were created (all zeros on a second run).

    `now`: the moment the demo stands at (default: the real now; tests pin a working-day morning). Days and
    reports of later dates are not made."""
    from portal.notifications.counters import counters_rebuild_all

    from ..models import DayCorrection, Digest, TimesheetConfirmation, WorkDay, WorkReport

    empty = {"days": 0, "reports": 0, "corrections": 0, "timesheets": 0, "digests": 0}
    people = demo_people()
    if "ceo" not in people:
        if stdout is not None:
            stdout.write("Reports demo skipped: the demo company is not there.")
        return empty
    if demo_reports_exist(people):
        if stdout is not None:
            stdout.write("Reports: " + ", ".join(f"0 {k}" for k in empty))
        return empty

    now = now or timezone.now()
    with transaction.atomic():
        seeder = DemoReports(people=people, rng=random.Random(SEED), now=now)
        seeder.setup()
        seeder.working_days()
        seeder.corrections()
        seeder.reports()
        seeder.timesheet()
        seeder.backdate()
    # Counters from scratch (the services scheduled recounts too; the result is the same), then the digests,
    # which show the counters as stored.
    counters_rebuild_all()
    digests = seeder.digests()

    ids = [u.pk for u in people.values()]
    created = {
        "days": WorkDay.objects.filter(user_id__in=ids).count(),
        "reports": WorkReport.objects.filter(author_id__in=ids).count(),
        "corrections": DayCorrection.objects.filter(day__user_id__in=ids).count(),
        "timesheets": TimesheetConfirmation.objects.filter(user_id__in=ids).count(),
        "digests": Digest.objects.filter(pk__in=[d.pk for d in digests]).count(),
    }
    if stdout is not None:
        stdout.write("Reports: " + ", ".join(f"{v} {k}" for k, v in created.items()))
    return created


class DemoReports(WorkdayDemo, ReportsDemo, TimesheetsDemo, DigestsDemo):
    """The steps of the reports demo, one module per subject (workday, reports, timesheets, digests) over the
    cast (`people`) and the record of moments (`history`)."""

    def setup(self) -> None:
        """Report settings (daily for the company, weekly for Marketing), the early shift of Inside Sales, a
        part-timer's own schedule, and joining dates from before the history (one newcomer)."""
        from ..selectors.workday import schedules_for

        self.report_settings()
        self.schedules()
        self.joining_dates()
        self.specs = schedules_for(list(self.people.values()))
