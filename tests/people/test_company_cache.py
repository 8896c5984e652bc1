"""The company is on every page, so it is cached: every way it changes shows at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.people import services
from portal.people.models import Company
from portal.people.selectors import company_get


def test_the_company_is_read_once_then_kept(org):
    company_get()
    with CaptureQueriesContext(connection) as queries:
        assert company_get().name == Company.objects.get().name
    assert len(queries) == 1  # the check above, not company_get


def test_renaming_the_company_or_its_root_department_shows_at_once(org, django_capture_on_commit_callbacks):
    company = company_get()
    company.name = "Acme Worldwide"
    company.save()
    assert company_get().name == "Acme Worldwide"
    with django_capture_on_commit_callbacks(execute=True):
        services.department_update(actor=org.admin, department=org.root, name="Acme Global")
    assert company_get().name == "Acme Global"


def test_a_deleted_company_is_gone_from_the_cache(org):
    assert company_get() is not None
    Company.objects.all().delete()
    assert company_get() is None


def test_the_process_keeps_it_without_asking_the_cache_and_hands_out_copies(org, monkeypatch):
    from django.core.cache import cache

    company_get()
    monkeypatch.setattr(cache, "get", lambda *a, **k: pytest.fail("the cache was asked"))
    first = company_get()
    first.name = "Edited in a form that failed"
    assert company_get().name == Company.objects.get().name
