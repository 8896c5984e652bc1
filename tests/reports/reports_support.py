"""Shared fixtures of the work-report tests (imported by tests/reports/test_reports_*.py).

`clock` pins `django.utils.timezone.now` to a chosen instant; `people` is the `org` company with everybody
joined long ago (periods before a person joined owe no report) and a few time zones set.
"""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from portal.people.models import User

UTC = datetime.UTC
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")

# Wednesday 25 November 2026 (the week runs Monday 23 to Sunday 29).
WEDNESDAY = datetime.date(2026, 11, 25)
MONDAY = datetime.date(2026, 11, 23)


def at(tz, *args) -> datetime.datetime:
    """An aware instant given as local wall time in `tz`."""
    return datetime.datetime(*args, tzinfo=tz)


class Clock:
    def __init__(self) -> None:
        self.now = at(UTC, 2026, 11, 25, 12, 0)

    def set(self, moment: datetime.datetime) -> datetime.datetime:
        self.now = moment
        return moment


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(timezone, "now", lambda: c.now)
    return c


PEOPLE = (
    "ceo",
    "sales_head",
    "sales_rep",
    "east_head",
    "east_rep",
    "field_rep",
    "it_head",
    "developer",
    "admin",
)


@pytest.fixture
def people(org):
    User.objects.update(date_joined=at(UTC, 2020, 1, 1))
    User.objects.filter(pk__in=[org.east_rep.pk, org.east_head.pk, org.sales_head.pk]).update(
        time_zone="Europe/Berlin"
    )
    for name in PEOPLE:
        getattr(org, name).refresh_from_db()
    return org


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """`with commit(): ...` runs what the block scheduled on commit (counter recounts) at its end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
