"""A person's model permissions come from the cache after the first request that asks: `has_perm` costs no
query then, and any change of a permission, a group's permissions or someone's groups is seen at once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.people.backends import PersonBackend

pytestmark = pytest.mark.django_db

PERM = "workflows.view_all_processes"


def _fresh(user):
    """The person as the next request reads them (no per-object memo)."""
    return PersonBackend().get_user(user.pk)


def _permission() -> Permission:
    app_label, codename = PERM.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def test_the_second_request_asks_no_query(org):
    person = org.sales_rep
    org.sales_rep.user_permissions.add(_permission())
    assert _fresh(person).has_perm(PERM)
    again = _fresh(person)
    with CaptureQueriesContext(connection) as queries:
        assert again.has_perm(PERM)
        assert not again.has_perm("workflows.delete_process")
    assert len(queries) == 0


def test_a_granted_or_withdrawn_permission_is_seen_by_the_next_request(org):
    person = org.sales_rep
    assert not _fresh(person).has_perm(PERM)
    person.user_permissions.add(_permission())
    assert _fresh(person).has_perm(PERM)
    person.user_permissions.remove(_permission())
    assert not _fresh(person).has_perm(PERM)


def test_group_changes_are_seen_by_the_next_request(org):
    person = org.sales_rep
    group = Group.objects.create(name="Auditors")
    assert not _fresh(person).has_perm(PERM)
    group.permissions.add(_permission())
    person.groups.add(group)
    assert _fresh(person).has_perm(PERM)
    group.permissions.clear()
    assert not _fresh(person).has_perm(PERM)
    group.permissions.add(_permission())
    assert _fresh(person).has_perm(PERM)
    group.user_set.remove(person)
    assert not _fresh(person).has_perm(PERM)
    group.user_set.add(person)
    assert _fresh(person).has_perm(PERM)
    group.delete()
    assert not _fresh(person).has_perm(PERM)


def test_one_persons_permissions_are_not_anothers(org):
    org.sales_rep.user_permissions.add(_permission())
    assert _fresh(org.sales_rep).has_perm(PERM)
    assert not _fresh(org.east_rep).has_perm(PERM)


def test_a_superuser_and_a_deactivated_person(org):
    person = org.sales_rep
    assert not _fresh(person).has_perm(PERM)
    person.is_superuser = True
    person.save(update_fields=["is_superuser"])
    assert _fresh(person).has_perm(PERM)
    assert PERM in PersonBackend().get_all_permissions(_fresh(person))
    person.is_superuser = False
    person.save(update_fields=["is_superuser"])
    assert PERM not in PersonBackend().get_all_permissions(_fresh(person))
    person.user_permissions.add(_permission())
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert PersonBackend().get_all_permissions(person) == set()


def test_a_per_process_cache_keeps_no_permissions(org, settings):
    """The embedded mode's memory cache is one per process: the worker would not see a grant made on the web."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    person = org.sales_rep
    assert not _fresh(person).has_perm(PERM)
    again = _fresh(person)
    with CaptureQueriesContext(connection) as queries:
        again.has_perm(PERM)
    assert len(queries) == 2  # asked of the database each request, as Django does
