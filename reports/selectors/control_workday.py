"""Reports: what the control dashboard opens in place under a person's "Today" and "This week" cells: the
person's schedule, today's working day, the days of the week against what the schedule asks for, absences,
and whether they were already reminded to start the day. A constant number of queries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from portal.core.absences import Away, absence_days, absence_until

from ..models import WorkDay
from .control_columns import _expected_seconds, absent_text
from .workday import ScheduleSpec, day_running_seconds, schedule_for, workday_local_date

__all__ = ["WORKDAY_REMINDER_KEY", "ControlWorkday", "ControlWorkdayDay", "control_workday"]

WORKDAY_REMINDER_KEY = "reports.workday_start"


@dataclass
class ControlWorkdayDay:
    date: datetime.date
    working: bool
    day: WorkDay | None
    seconds: int
    absence: str = ""
    holiday: str = ""  # the public holiday's name (the company calendar)

    @property
    def started(self) -> bool:
        return self.day is not None


@dataclass
class ControlWorkday:
    """The facts behind a person's "Today" and "This week" cells."""

    today: datetime.date
    spec: ScheduleSpec
    day: WorkDay | None
    days: list[ControlWorkdayDay] = field(default_factory=list)
    week_seconds: int = 0
    expected_seconds: int = 0
    late: bool = False  # today: not started and past the start + allowed lateness of a working day
    reminded: bool = False
    away: Away | None = None  # away today: the absence and its last day

    @property
    def away_text(self) -> str:
        """ "Absent (Vacation) until 12 Jan" when away today, else ""."""
        return absent_text(self.away) if self.away is not None else ""

    @property
    def working_today(self) -> bool:
        return self.spec.is_working_day(self.today)

    @property
    def absent_today(self) -> str:
        return next((d.absence for d in self.days if d.date == self.today), "")

    @property
    def can_remind(self) -> bool:
        """A reminder to start the day makes sense: a working day, not started, not away, not reminded."""
        return self.working_today and self.day is None and not self.absent_today and not self.reminded

    @property
    def below(self) -> bool:
        return self.week_seconds < self.expected_seconds


def control_workday(*, person, now: datetime.datetime | None = None) -> ControlWorkday:
    """The person's day and week as of `now` (their own time zone)."""
    from portal.notifications.services import reminder_sent

    now = now or timezone.now()
    today = workday_local_date(person, now)
    spec = schedule_for(person)
    monday = today - datetime.timedelta(days=today.weekday())
    rows = {
        day.date: day for day in WorkDay.objects.filter(user_id=person.pk, date__gte=monday, date__lte=today)
    }
    away = absence_days(user_ids=[person.pk], start=monday, end=today).get(person.pk, {})
    away_today = None
    if today in away:  # until when (the days after today, read for this person only)
        away_today = absence_until(user_ids=[person.pk], day=today, days={person.pk: away}).get(person.pk)
    days = []
    total = 0
    for offset in range((today - monday).days + 1):
        date = monday + datetime.timedelta(days=offset)
        row = rows.get(date)
        seconds = day_running_seconds(row, now) if row is not None else 0
        total += seconds
        days.append(
            ControlWorkdayDay(
                date, spec.is_working_day(date), row, seconds, away.get(date, ""), spec.holiday(date)
            )
        )
    joined = person.date_joined.astimezone(spec.tzinfo).date() if person.date_joined else monday
    expected = _expected_seconds(spec, max(monday, joined), today, now, frozenset(away))
    day = rows.get(today)
    late = spec.is_working_day(today) and day is None and today not in away and now > spec.late_after(today)
    reminded = day is None and reminder_sent(
        recipient=person, key=f"{WORKDAY_REMINDER_KEY}:{today}", date=today
    )
    return ControlWorkday(
        today=today,
        spec=spec,
        day=day,
        days=days,
        week_seconds=total,
        expected_seconds=expected,
        late=late,
        reminded=reminded,
        away=away_today,
    )
