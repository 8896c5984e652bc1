"""Core's absences (`portal.core.absences`): the providers' days merged, and who is away until when, in a
constant number of provider calls. Fake providers are registered with `registry.absence_providers.override`."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from portal.core import absences
from portal.core.registry import AbsenceProvider, registry

JAN_5 = datetime.date(2026, 1, 5)  # a Monday


def days(start: datetime.date, end: datetime.date):
    while start <= end:
        yield start
        start += datetime.timedelta(days=1)


class Fake:
    """A provider over a table {user_id: [(start, end, label), ...]} that records its calls."""

    def __init__(self, table: dict[int, list[tuple]]):
        self.table = table
        self.calls: list[tuple[list[int], datetime.date, datetime.date]] = []

    def __call__(self, *, user_ids, start, end):
        asked = list(user_ids)
        self.calls.append((asked, start, end))
        answer: dict[int, dict] = {}
        for user_id in asked:
            for first, last, label in self.table.get(user_id, []):
                for day in days(max(first, start), min(last, end)):
                    answer.setdefault(user_id, {})[day] = label
        return answer

    def item(self, key: str = "fake") -> AbsenceProvider:
        return AbsenceProvider(key, self)


def test_the_timesheets_keep_importing_the_hook_from_reports():
    from reports import selectors
    from reports.selectors import timesheet_absences

    assert selectors.absence_days is absences.absence_days
    assert timesheet_absences.register_absence_provider is absences.register_absence_provider
    assert timesheet_absences.unregister_absence_provider is absences.unregister_absence_provider


def test_register_and_unregister_a_provider():
    fake = Fake({1: [(JAN_5, JAN_5, "Vacation")]})

    def provider(**kwargs):
        return fake(**kwargs)

    with registry.absence_providers.override(clear=True):
        absences.register_absence_provider(provider)
        absences.register_absence_provider(provider)  # twice: one
        assert len(registry.absence_providers) == 1
        assert absences.absence_days(user_ids=[1, 2], start=JAN_5, end=JAN_5) == {1: {JAN_5: "Vacation"}}
        absences.unregister_absence_provider(provider)
        assert absences.absence_days(user_ids=[1], start=JAN_5, end=JAN_5) == {}


def test_absence_days_merges_providers_and_drops_what_was_not_asked():
    vacation = Fake({1: [(JAN_5, JAN_5 + datetime.timedelta(days=2), "Vacation")], 3: [(JAN_5, JAN_5, "X")]})
    trip = Fake({1: [(JAN_5, JAN_5, "Trip")], 2: [(JAN_5 - datetime.timedelta(days=9), JAN_5, "")]})
    with registry.absence_providers.override(vacation.item("a"), trip.item("b"), clear=True):
        found = absences.absence_days(user_ids=[1, 2], start=JAN_5, end=JAN_5 + datetime.timedelta(days=1))
    assert found == {
        1: {JAN_5: "Vacation, Trip", JAN_5 + datetime.timedelta(days=1): "Vacation"},
        2: {JAN_5: "Absent"},  # no label: "Absent"; days before the range dropped
    }


def test_absence_until_joins_the_days_of_every_provider_into_one_run():
    jan = lambda d: datetime.date(2026, 1, d)  # noqa: E731
    vacation = Fake(
        {
            1: [(jan(1), jan(9), "Vacation"), (jan(14), jan(16), "Vacation")],  # a gap after the 9th
            2: [(jan(5), jan(5), "Day off")],
            4: [(jan(6), jan(8), "Vacation")],  # away later, not on the 5th
        }
    )
    sick = Fake({1: [(jan(10), jan(12), "Sick leave")], 3: [(jan(2), jan(4), "Sick leave")]})
    with registry.absence_providers.override(vacation.item("a"), sick.item("b"), clear=True):
        away = absences.absence_until(user_ids=[1, 2, 3, 4, 5], day=jan(5))
    # 1: the vacation then the sick leave, continuous to the 12th; the label is that of the day asked about
    assert away == {1: absences.Away("Vacation", jan(12)), 2: absences.Away("Day off", jan(5))}
    # each provider: the day for everybody, then the weeks after it for the two people away only
    for provider in (vacation, sick):
        assert [call[0] for call in provider.calls] == [[1, 2, 3, 4, 5], [1, 2]]
        assert provider.calls[0][1:] == (jan(5), jan(5))


def test_absence_until_looks_further_for_a_long_absence_in_a_bounded_number_of_calls():
    start = datetime.date(2026, 1, 1)
    long = Fake({1: [(start, start + datetime.timedelta(days=400), "Parental leave")]})
    endless = Fake({2: [(start, start + datetime.timedelta(days=50_000), "Sabbatical")]})
    with registry.absence_providers.override(long.item("a"), endless.item("b"), clear=True):
        away = absences.absence_until(user_ids=[1, 2], day=start)
    assert away[1] == absences.Away("Parental leave", start + datetime.timedelta(days=400))
    assert away[2].label == "Sabbatical" and away[2].last_day > start + datetime.timedelta(days=3000)
    assert len(long.calls) == len(endless.calls) <= 1 + absences.UNTIL_MAX_ROUNDS


def test_absence_until_reads_who_is_away_from_the_days_a_caller_holds():
    fake = Fake({1: [(JAN_5, JAN_5 + datetime.timedelta(days=3), "Vacation")]})
    week = {1: {JAN_5: "Vacation"}, 2: {JAN_5 - datetime.timedelta(days=1): "Trip"}}
    with registry.absence_providers.override(fake.item(), clear=True):
        away = absences.absence_until(user_ids=[1, 2], day=JAN_5, days=week)
    assert away == {1: absences.Away("Vacation", JAN_5 + datetime.timedelta(days=3))}
    assert [call[0] for call in fake.calls] == [[1]]  # only the days after, for the one away


def test_nobody_away_costs_one_call_and_no_provider_costs_none():
    fake = Fake({})
    with registry.absence_providers.override(fake.item(), clear=True):
        assert absences.absence_until(user_ids=range(1, 500), day=JAN_5) == {}
    assert len(fake.calls) == 1
    with registry.absence_providers.override(clear=True):
        assert absences.absence_until(user_ids=[1], day=JAN_5) == {}
        assert absences.absence_days(user_ids=[1], start=JAN_5, end=JAN_5) == {}


@pytest.mark.django_db
def test_a_queryset_of_people_goes_to_the_providers_unread():
    from portal.people.models import User
    from tests.people.factories import UserFactory

    people = [UserFactory(), UserFactory()]
    fake = Fake({people[0].pk: [(JAN_5, JAN_5, "Vacation")]})
    asked = User.objects.filter(pk__in=[p.pk for p in people]).values_list("pk", flat=True)
    with registry.absence_providers.override(fake.item(), clear=True):
        found = absences.absence_days(user_ids=asked, start=JAN_5, end=JAN_5)
    assert found == {people[0].pk: {JAN_5: "Vacation"}}


def test_the_away_text_names_the_absence_and_its_last_day():
    this_year = timezone.localdate().year
    away = absences.Away("Vacation", datetime.date(this_year, 1, 12))
    with translation.override("en"):
        assert away.until == "12 Jan"
        assert away.text == str(away) == "Vacation until 12 Jan"
        assert (
            absences.Away("Vacation", datetime.date(this_year + 1, 1, 12)).until == f"12 Jan {this_year + 1}"
        )
    label, last_day = away  # a plain (label, last_day) pair too
    assert (label, last_day) == ("Vacation", datetime.date(this_year, 1, 12))
