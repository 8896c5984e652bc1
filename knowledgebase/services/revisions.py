"""Revisions: every save of a page keeps one; restoring an old one makes a new one.

The hook other parts of the app listen to:

``page_revised`` (a `django.dispatch.Signal`) is sent inside the saving transaction each time a page gets a
new revision (created, edited, restored, imported), with keyword arguments ``page`` (the `Page`, already
saved), ``revision`` (the new `PageRevision`) and ``minor`` (bool: the editor marked the change minor). A
receiver that writes (familiarisation re-asking those who confirmed, on a major revision) writes in the same
transaction, so the revision and its consequences commit together or not at all. Connect it in
``AppConfig.ready()``::

    from knowledgebase.services.revisions import page_revised
    page_revised.connect(on_page_revised, dispatch_uid="kb_familiarisation_reask")

    def on_page_revised(sender, *, page, revision, minor, **kwargs):
        if not minor and revision.number > 1: ...

The first revision of a new page is sent too (``revision.number == 1``), with ``minor=False``.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _

from portal.core.audit import audit_record

from ..models import Page, PageRevision

page_revised = Signal()  # page, revision, minor


def revision_add(
    *, actor, page: Page, comment: str = "", minor: bool = False, restored_from: int | None = None
) -> PageRevision:
    """Keep the page's current title and text as its next revision and tell the listeners (`page_revised`).
    Called by the page services inside their transaction, after the page row is saved with its new number."""
    revision = PageRevision.objects.create(
        page=page,
        number=page.revision,
        title=page.title,
        body=page.body,
        author=actor,
        comment=(comment or "")[:255],
        minor=minor,
        restored_from=restored_from,
    )
    page_revised.send(sender=Page, page=page, revision=revision, minor=minor)
    return revision


@transaction.atomic
def revision_restore(*, actor, page: Page, number: int, comment: str = "") -> PageRevision:
    """Make the text of revision `number` the page's current one, as a new revision (the page's editors).
    Audited as ``kb.page.restore``. A restore is a major change (familiarisation asks again)."""
    from .pages import _lock_for_edit

    page = _lock_for_edit(actor=actor, page=page)
    old = PageRevision.objects.filter(page=page, number=number).first()
    if old is None:
        from portal.core.errors import NotFound

        raise NotFound(_("No revision matches the given query."))
    page.title, page.body = old.title, old.body
    page.revision += 1
    page.updated_by = actor
    page.save(update_fields=["title", "body", "revision", "updated_by", "updated_at"])
    revision = revision_add(
        actor=actor,
        page=page,
        comment=comment or _("Restored revision %(number)s") % {"number": number},
        restored_from=number,
    )
    audit_record(
        actor=actor, action="kb.page.restore", target=page, changes={"revision": [number, revision.number]}
    )
    return revision
