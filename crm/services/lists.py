"""A person's list settings: saved filters and the chosen columns of each CRM list."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.errors import Invalid, NotFound

from ..choices import Entity
from ..models import CrmListColumns, CrmSavedFilter

# Parameters that are not part of a filter (the page, the sort is kept: it is part of how one looks at a list).
NOT_SAVED = {"page", "csrfmiddlewaretoken"}
MAX_FILTERS = 50


def clean_query(query: str) -> str:
    """The query string without the page number and empty values."""
    pairs = [(k, v) for k, v in parse_qsl(query or "", keep_blank_values=False) if k not in NOT_SAVED]
    return urlencode(pairs)[:2000]


@transaction.atomic
def saved_filter_save(*, user, entity: str, name: str, query: str) -> CrmSavedFilter:
    """Save the list's current query under `name` (a filter of the same name is replaced)."""
    if entity not in Entity.values:
        raise Invalid(fields={"entity": [_("Unknown list.")]})
    name = " ".join((name or "").split())[:100]
    if not name:
        raise Invalid(fields={"name": [_("Give the filter a name.")]})
    existing = CrmSavedFilter.objects.filter(user=user, entity=entity, name=name).first()
    query = clean_query(query)
    if existing is not None:
        existing.query = query
        existing.save(update_fields=["query"])
        return existing
    if CrmSavedFilter.objects.filter(user=user, entity=entity).count() >= MAX_FILTERS:
        raise Invalid(fields={"name": [_("You have too many saved filters here; delete some first.")]})
    return CrmSavedFilter.objects.create(user=user, entity=entity, name=name, query=query)


@transaction.atomic
def saved_filter_delete(*, user, pk: int) -> str:
    """Delete one of the person's saved filters (another person's is "not found"); returns its entity."""
    saved = CrmSavedFilter.objects.filter(user=user, pk=pk).first()
    if saved is None:
        raise NotFound()
    entity = saved.entity
    saved.delete()
    return entity


@transaction.atomic
def list_columns_set(*, user, entity: str, columns: list[str], available) -> list[str]:
    """Keep the person's columns of a list in the given order (only known ones, each once; at least one)."""
    if entity not in Entity.values:
        raise Invalid(fields={"entity": [_("Unknown list.")]})
    chosen = [key for key in dict.fromkeys(columns) if key in available]
    if not chosen:
        raise Invalid(fields={"columns": [_("Choose at least one column.")]})
    CrmListColumns.objects.update_or_create(user=user, entity=entity, defaults={"columns": chosen})
    return chosen


@transaction.atomic
def list_columns_reset(*, user, entity: str) -> None:
    """Back to the list's default columns."""
    CrmListColumns.objects.filter(user=user, entity=entity).delete()
