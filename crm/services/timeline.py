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


# --- comments (the composer's "Comment" tab) ------------------------------------------------------------------

COMMENT_MAX = 20000


def _comment_text(text: str) -> str:
    from django.utils.translation import gettext as _

    from portal.core.errors import Invalid

    text = (text or "").strip()
    if not text:
        raise Invalid(fields={"text": [_("Write the comment first.")]})
    if len(text) > COMMENT_MAX:
        raise Invalid(
            fields={"text": [_("Keep the comment under %(max)d characters.") % {"max": COMMENT_MAX}]}
        )
    return text


@transaction.atomic
def timeline_comment_add(*, actor, record, text: str) -> TimelineEntry:
    """A comment (Markdown) on a record's timeline: anyone who sees the record may comment."""
    from portal.core.audit import audit_record
    from portal.core.errors import NotFound

    if not type(record).objects.visible_to(actor).filter(pk=record.pk).exists():
        raise NotFound()
    entry = timeline_add(kind=TimelineKind.COMMENT, actor=actor, records=[record], text=_comment_text(text))
    audit_record(actor=actor, action="crm.comment_add", target=record, changes={"comment": entry.pk})
    return entry


def _require_author(actor, entry: TimelineEntry) -> None:
    from django.utils.translation import gettext as _

    from portal.core.errors import NotAllowed, NotFound

    if not TimelineEntry.objects.visible_to(actor).filter(pk=entry.pk, kind=TimelineKind.COMMENT).exists():
        raise NotFound()
    if entry.actor_id != getattr(actor, "pk", None):
        raise NotAllowed(_("Only the author changes a comment."))


@transaction.atomic
def timeline_comment_edit(*, actor, entry: TimelineEntry, text: str) -> TimelineEntry:
    """Change one's own comment."""
    from django.utils import timezone

    from portal.core.audit import audit_record

    _require_author(actor, entry)
    text = _comment_text(text)
    if text == entry.text:
        return entry
    old = entry.text
    entry.text, entry.edited_at = text, timezone.now()
    entry.save(update_fields=["text", "edited_at"])
    for record in entry.records[:1]:
        audit_record(actor=actor, action="crm.comment_edit", target=record, changes={"text": [old, text]})
    return entry


@transaction.atomic
def timeline_comment_delete(*, actor, entry: TimelineEntry) -> None:
    """Delete one's own comment."""
    from portal.core.audit import audit_record

    _require_author(actor, entry)
    for record in entry.records[:1]:
        audit_record(actor=actor, action="crm.comment_delete", target=record, changes={"text": entry.text})
    TimelineEntry.objects.filter(pk=entry.pk).delete()
