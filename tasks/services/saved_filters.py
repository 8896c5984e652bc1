"""Tasks: saved filters of the list pages (a person's named query strings of the task lists)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import NotFound

from ..models import SavedFilter

__all__ = [
    "saved_filter_save",
    "saved_filter_delete",
]

NAME_MAX = SavedFilter._meta.get_field("name").max_length
QUERY_MAX = SavedFilter._meta.get_field("query").max_length
# Parameters that describe where the person was, not what they filter: never part of a saved filter.
NOT_SAVED = ("page", "csrfmiddlewaretoken", "name")


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _clean_query(query: str) -> str:
    """The query string without the page number and empty values, in a stable form."""
    params: dict[str, list[str]] = {}  # grouped by name, in the order the names first appear
    for key, value in parse_qsl((query or "").strip().lstrip("?"), keep_blank_values=True):
        params.setdefault(key, []).append(value)
    return urlencode(
        [
            (key, value)
            for key, values in params.items()
            if key not in NOT_SAVED
            for value in values
            if value.strip()
        ]
    )


@transaction.atomic
def saved_filter_save(*, actor, name: str, query: str) -> SavedFilter:
    """Store the list page's query string under `name` for `actor`; a filter of the same name is replaced."""
    if not _active(actor):
        raise NotFound(_("No person to save the filter for."))
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": [_("Give the filter a name.")]}, code="required")
    if len(name) > NAME_MAX:
        raise ValidationError(
            {"name": [_("The name is too long (at most %(n)d characters).") % {"n": NAME_MAX}]},
            code="max_length",
        )
    cleaned = _clean_query(query)
    if len(cleaned) > QUERY_MAX:
        raise ValidationError({"query": [_("This filter is too long to save.")]}, code="max_length")
    existing = SavedFilter.objects.select_for_update().filter(user=actor, name=name).first()
    if existing is None:
        saved = SavedFilter.objects.create(user=actor, name=name, query=cleaned)
        audit_record(
            actor=actor, action="task_filter.create", target=saved, changes={"query": [None, cleaned]}
        )
        return saved
    if existing.query != cleaned:
        old = existing.query
        existing.query = cleaned
        existing.save(update_fields=["query"])
        audit_record(
            actor=actor, action="task_filter.update", target=existing, changes={"query": [old, cleaned]}
        )
    return existing


@transaction.atomic
def saved_filter_delete(*, actor, saved_filter: SavedFilter) -> None:
    """Delete one of the actor's saved filters (another person's filter answers 404: it is private)."""
    if not _active(actor) or saved_filter.user_id != actor.pk:
        raise NotFound(_("No saved filter matches the given query."))
    audit_record(
        actor=actor, action="task_filter.delete", target=saved_filter, changes={"name": saved_filter.name}
    )
    saved_filter.delete()
