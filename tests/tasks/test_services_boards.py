"""Saved filters of the task lists: validated names, the page number left out, upsert by name, private."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.core.errors import NotFound
from portal.core.models import AuditLog
from tasks import services
from tasks.models import SavedFilter

pytestmark = pytest.mark.django_db


def test_save_strips_the_page_and_empty_values(org):
    saved = services.saved_filter_save(
        actor=org.east_rep, name="  My   overdue ", query="?role=do&overdue=true&page=3&q=&tag=1,2"
    )
    assert saved.name == "My overdue"
    assert saved.user == org.east_rep
    assert saved.query == "role=do&overdue=true&tag=1%2C2"
    assert AuditLog.objects.filter(action="task_filter.create", target_id=str(saved.pk)).exists()


def test_saving_under_the_same_name_replaces_the_query(org):
    first = services.saved_filter_save(actor=org.east_rep, name="Mine", query="role=do")
    second = services.saved_filter_save(actor=org.east_rep, name="Mine", query="role=set")
    assert second.pk == first.pk
    assert SavedFilter.objects.get(pk=first.pk).query == "role=set"
    # Another person may use the same name for their own filter.
    other = services.saved_filter_save(actor=org.field_rep, name="Mine", query="role=help")
    assert other.pk != first.pk
    assert SavedFilter.objects.count() == 2


@pytest.mark.parametrize(
    "name, query, field",
    [("   ", "role=do", "name"), ("x" * 101, "role=do", "name"), ("Long", "q=" + "a" * 2100, "query")],
)
def test_bad_input_is_refused_and_changes_nothing(org, name, query, field):
    with pytest.raises(ValidationError) as caught:
        services.saved_filter_save(actor=org.east_rep, name=name, query=query)
    assert field in caught.value.error_dict
    assert not SavedFilter.objects.exists()


def test_delete_own_filter_only(org):
    saved = services.saved_filter_save(actor=org.east_rep, name="Mine", query="role=do")
    with pytest.raises(NotFound):
        services.saved_filter_delete(actor=org.admin, saved_filter=saved)
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    services.saved_filter_delete(actor=org.east_rep, saved_filter=saved)
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()
    assert AuditLog.objects.filter(action="task_filter.delete").exists()


def test_anonymous_cannot_save(org):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotFound):
        services.saved_filter_save(actor=AnonymousUser(), name="x", query="")
