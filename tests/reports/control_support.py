"""Shared data of the control tests (imported by tests/reports/test_control_*.py).

Time is pinned by passing `now` to the selectors and services (the dashboard is computed at one instant):
Wednesday 18 November 2026, 11:00 UTC (the week runs Monday 16 to Sunday 22). Everybody joined long ago
(periods before a person joined owe no report) and works the company default (Monday to Friday, 9:00 to
18:00 in their own time zone, 10 minutes of allowed lateness, a one-hour break).
"""

from __future__ import annotations

import datetime

import pytest

from portal.notifications.models import UserCounter
from portal.people.models import User
from reports.choices import DayState, Rating, ReportStatus
from tests.reports.factories import WorkDayFactory, WorkReportFactory

UTC = datetime.UTC
MONDAY = datetime.date(2026, 11, 16)
TUESDAY = datetime.date(2026, 11, 17)
WEDNESDAY = datetime.date(2026, 11, 18)
SATURDAY = datetime.date(2026, 11, 21)
NOW = datetime.datetime(2026, 11, 18, 11, 0, tzinfo=UTC)


def at(date: datetime.date, hour: int, minute: int = 0, tz=UTC) -> datetime.datetime:
    return datetime.datetime.combine(date, datetime.time(hour, minute), tzinfo=tz)


@pytest.fixture
def staff(org):
    """The `org` company, everybody joined in 2020."""
    User.objects.update(date_joined=datetime.datetime(2020, 1, 1, tzinfo=UTC))
    for person in vars(org).values():
        if isinstance(person, User):
            person.refresh_from_db()
    return org


def workday(user, date, start=(9, 0), end=None, *, late=False, tz=UTC):
    """A day started at `start` (local), closed at `end` when given (worked = end − start)."""
    started = at(date, *start, tz=tz)
    if end is None:
        return WorkDayFactory(user=user, date=date, started_at=started, state=DayState.OPEN, is_late=late)
    ended = at(date, *end, tz=tz)
    return WorkDayFactory(
        user=user,
        date=date,
        started_at=started,
        ended_at=ended,
        state=DayState.CLOSED,
        worked_seconds=int((ended - started).total_seconds()),
        is_late=late,
    )


def report(author, date, *, status=ReportStatus.SENT, rating="", sent_at=None):
    """A daily report of `date`, sent that evening (rated when `rating` is given)."""
    if rating:
        status = ReportStatus.RATED
    return WorkReportFactory(
        author=author,
        period_start=date,
        period_end=date,
        status=status,
        rating=rating,
        sent_at=sent_at or at(date, 18),
    )


def counter(user, key: str, value: int) -> UserCounter:
    return UserCounter.objects.create(user=user, key=key, value=value)


POSITIVE, NEGATIVE = Rating.POSITIVE, Rating.NEGATIVE
