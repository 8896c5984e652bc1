"""Reading a record's timeline: newest first, in pages keyed by (time, id) so that "older" never skips or
repeats an entry, in a constant number of queries whatever the entries hold."""

from __future__ import annotations

import datetime

from django.db.models import Q

from portal.core.errors import NotFound

from ..choices import Action
from ..models import TimelineEntry
from ..models.links import LINK_FIELDS
from .records import record_get

PAGE_SIZE = 20


def cursor_of(entry: TimelineEntry) -> str:
    return f"{entry.created_at.isoformat()}_{entry.pk}"


def _parse_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        moment, _sep, pk = cursor.rpartition("_")
        when = datetime.datetime.fromisoformat(moment)
        if when.tzinfo is None:
            raise ValueError
        return when, int(pk)
    except (ValueError, TypeError):
        raise NotFound() from None


def timeline_entries(*, record, entity: str, before: str = "", limit: int = PAGE_SIZE):
    """(entries, cursor of the next older page or "") of a record the caller already may see."""
    queryset = (
        TimelineEntry.objects.filter(**{f"{entity}_id": record.pk})
        .select_related(
            "actor",
            "activity",
            "activity__responsible",
            "file",
            *LINK_FIELDS,
            *(f"activity__{name}" for name in LINK_FIELDS),
        )
        .prefetch_related("activity__files")
        .order_by("-created_at", "-id")
    )
    if before:
        when, pk = _parse_cursor(before)
        queryset = queryset.filter(Q(created_at__lt=when) | Q(created_at=when, id__lt=pk))
    rows = list(queryset[: limit + 1])
    older = cursor_of(rows[limit - 1]) if len(rows) > limit else ""
    return rows[:limit], older


def timeline_get(*, user, entity: str, pk, before: str = "", limit: int = PAGE_SIZE) -> dict:
    """The record (404 when hidden), a page of its timeline, and whether the person may edit the record
    (which lets them add activities and files and change the activities shown)."""
    record = record_get(user=user, entity=entity, pk=pk)
    entries, older = timeline_entries(record=record, entity=entity, before=before, limit=limit)
    can_edit = type(record).objects.allowed(user, Action.EDIT).filter(pk=record.pk).exists()
    return {"record": record, "entity": entity, "entries": entries, "older": older, "can_edit": can_edit}


def timeline_entry_get(*, user, pk) -> TimelineEntry:
    """One entry the person sees (404 otherwise)."""
    try:
        return TimelineEntry.objects.visible_to(user).select_related("actor", *LINK_FIELDS).get(pk=int(pk))
    except (TimelineEntry.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
