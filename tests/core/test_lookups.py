"""Integer keys beyond their column's range match nothing, in every lookup a request can reach (exact and `in`
on keys, on foreign keys too): SQLite cannot even bind such a number, which made a server error of any list
filtered by an id from a request that was too big."""

from __future__ import annotations

import pytest

from portal.people.models import Department, User
from portal.stream.models import Entry
from tests.stream.factories import post

BEYOND = 10**20  # beyond bigint: a key no database Lumen runs on can hold


@pytest.mark.parametrize("value", [BEYOND, -BEYOND])
def test_keys_beyond_their_range_match_nothing(org, value, django_assert_num_queries):
    with django_assert_num_queries(0):  # answered without asking the database, as Django does for `pk=`
        assert list(User.objects.filter(pk__in=[value])) == []
        assert list(User.objects.filter(department=value)) == []
        assert list(User.objects.filter(department__in=[value])) == []
    assert list(User.objects.filter(pk__in=[value])) == []
    assert list(User.objects.filter(pk__in=[value, org.ceo.pk])) == [org.ceo]
    assert list(User.objects.filter(department=value)) == []
    assert list(User.objects.filter(department_id__in=[value])) == []
    assert list(User.objects.filter(department__in=[value, org.it.pk])).count(org.developer) == 1
    assert not Department.objects.filter(head_id=value).exists()


def test_keys_in_range_and_subqueries_are_untouched(org):
    entry = post(org.ceo, "Hello")
    assert list(Entry.objects.filter(author__in=User.objects.filter(pk=org.ceo.pk))) == [entry]
    assert list(Entry.objects.filter(author=org.ceo.pk)) == [entry]
    assert list(Entry.objects.filter(author=org.ceo)) == [entry]
    assert list(Entry.objects.filter(pk__in={entry.pk, BEYOND})) == [entry]
