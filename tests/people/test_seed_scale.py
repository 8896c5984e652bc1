"""`manage.py seed_scale`: a large company (and a stream history) for the benchmark, in bulk."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.groups.models import Workgroup
from portal.people.models import Company, Department, User
from portal.people.selectors import subordinates_of
from portal.stream.models import Entry
from portal.stream.selectors import feed_page


@pytest.fixture
def empty_portal(db):
    Company.objects.all().delete()


def test_seeds_people_tree_groups_and_a_stream_history(empty_portal):
    call_command("seed_scale", "--employees", "60", "--groups", "6", "--entries", "120", verbosity=0)
    assert User.objects.count() == 61  # with the admin
    assert Department.objects.filter(depth=4).exists()
    assert Workgroup.objects.count() == 6
    assert Entry.objects.count() == 120
    stamps = list(Entry.objects.order_by("created_at").values_list("created_at", flat=True))
    assert (stamps[-1] - stamps[0]).days > 300  # a history, not one moment
    head = Department.objects.filter(depth=2, head__isnull=False).first().head
    assert subordinates_of(head, recursive=True).exists()
    person = User.objects.filter(headed_department__isnull=True, is_active=True).first()
    page = feed_page(user=person, limit=20)
    assert 0 < len(page) <= 20


def test_second_run_with_same_numbers_changes_nothing(empty_portal):
    args = ("seed_scale", "--employees", "20", "--groups", "6", "--entries", "10")
    call_command(*args, verbosity=0)
    first = set(User.objects.values_list("id", flat=True))
    call_command(*args, verbosity=0)
    assert set(User.objects.values_list("id", flat=True)) == first


def test_refuses_a_database_with_real_people(db):
    User.objects.create_user(email="real.person@acme.test", password="x", first_name="Real")
    with pytest.raises(CommandError):
        call_command("seed_scale", "--employees", "20", verbosity=0)
