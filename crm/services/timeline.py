"""Writing the timeline: every CRM service that changes a record adds its entry here, in its transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ..choices import TimelineKind
from ..models import Activity, Company, Contact, Deal, Lead, TimelineEntry

RECORD_FIELDS = {Lead: "lead", Contact: "contact", Company: "company", Deal: "deal"}


def record_links(*records) -> dict[str, Any]:
    """{"lead": ..., "contact": ..., ...} for the records given (None and repeats are skipped)."""
    links: dict[str, Any] = {}
    for record in records:
        if record is None:
            continue
        field = RECORD_FIELDS[type(record)]
        links.setdefault(field, record)
    return links


@transaction.atomic
def timeline_add(
    *,
    kind: str,
    actor,
    records: list,
    text: str = "",
    data: dict | None = None,
    activity: Activity | None = None,
    file=None,
) -> TimelineEntry:
    """Add one entry on the timeline of each of `records` at once (one row links them all)."""
    links = record_links(*records)
    if not links:
        raise ValueError("A timeline entry needs a record.")
    return TimelineEntry.objects.create(
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        text=text,
        data=data or {},
        activity=activity,
        file=file,
        **links,
    )


def timeline_fields_changed(*, actor, record, changes: dict[str, list]) -> TimelineEntry | None:
    """A "fields changed" entry from an audit diff ({field: [old, new]}), labelled with the fields' names."""
    if not changes:
        return None
    meta = type(record)._meta
    rows = []
    for name, (old, new) in changes.items():
        try:
            label = str(meta.get_field(name).verbose_name)
        except Exception:  # a custom field's key
            label = name
        rows.append([label, old, new])
    return timeline_add(kind=TimelineKind.FIELDS, actor=actor, records=[record], data={"changes": rows})
