"""Important posts: "I have read it"."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import Invalid

from ..models import Entry, EntryRead
from .access import _require_visible
from .counts import _recount


@transaction.atomic
def announcement_read(*, actor, entry: Entry) -> EntryRead:
    """ "I have read it": the important entry stops being pinned for the reader. Repeating is harmless."""
    _require_visible(actor, entry)
    if not entry.is_important:
        raise Invalid({"entry": [_("Only important posts are confirmed as read.")]})
    read, created = EntryRead.objects.get_or_create(entry=entry, user=actor)
    if created:
        audit_record(actor=actor, action="stream.announcement_read", target=entry)
        _recount([actor.pk])
    return read
