"""Files on CRM records, kept through core's attachments (sizes, types, names and storage decided there).

Uploading needs the right to edit the record; the uploader or an editor of a linked record deletes a file.
Each upload is a "file" entry on the record's timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.attachments import attachment_files_discard, attachment_max_bytes, attachment_store
from portal.core.audit import audit_record
from portal.core.errors import NotAllowed, NotFound

from ..choices import TimelineKind
from ..models import CrmFile
from .activities import _editable, _require_edit
from .timeline import record_links, timeline_add

__all__ = ["file_delete", "file_max_bytes", "file_upload"]


def file_max_bytes() -> int:
    """LUMEN_CRM_FILE_MAX_BYTES when set, else the portal's attachment limit (LUMEN_ATTACHMENT_MAX_BYTES)."""
    return int(getattr(settings, "LUMEN_CRM_FILE_MAX_BYTES", 0) or attachment_max_bytes())


@transaction.atomic
def file_upload(*, actor, record, upload, activity=None) -> CrmFile:
    """Keep `upload` on `record` (and an activity of it); refused with `Invalid({"file": ...})` and nothing
    stored when empty, too large or of a refused type."""
    _require_edit(actor, record)
    crm_file = attachment_store(
        model=CrmFile,
        actor=actor,
        upload=upload,
        max_bytes=file_max_bytes(),
        activity=activity,
        **record_links(record),
    )
    timeline_add(kind=TimelineKind.FILE, actor=actor, records=[record], text=crm_file.name, file=crm_file)
    audit_record(
        actor=actor,
        action="crm.file_upload",
        target=record,
        changes={"file": crm_file.name, "size": crm_file.size},
    )
    return crm_file


@transaction.atomic
def file_delete(*, actor, crm_file: CrmFile) -> None:
    """Delete a file (its uploader, or an editor of a record it is on); the stored bytes go on commit and its
    timeline entries stay, saying the file was removed."""
    if not CrmFile.objects.visible_to(actor).filter(pk=crm_file.pk).exists():
        raise NotFound()
    records = crm_file.records
    if crm_file.uploaded_by_id != actor.pk and not any(_editable(actor, record) for record in records):
        raise NotAllowed(_("Only the person who uploaded the file or an editor of the record deletes it."))
    name = crm_file.name
    deleted, _rows = CrmFile.objects.filter(pk=crm_file.pk).delete()
    if not deleted:
        return
    for record in records[:1]:
        audit_record(actor=actor, action="crm.file_delete", target=record, changes={"file": name})
    attachment_files_discard(crm_file)
