"""Writes of governance: the responsible editor marks a page verified (with its next review-by date), is told
of pages past their review-by date (the daily sweep) and of broken internal links after a save; and what
follows a page's new revision (familiarisation asks again after a major one)."""

from __future__ import annotations

import datetime
import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.notifications.counters import counters_recount
from portal.notifications.services import reminder_send

from ..choices import PageStatus
from ..models.governance import PageVerification
from ..models.pages import Page
from ..selectors.governance import may_verify, review_due_q

REVIEW_COUNTER = "kb.pages_to_review"
KIND_REVIEW = "kb_review"
KIND_LINKS = "kb_broken_links"
DEFAULT_REVIEW_DAYS = 180


def _today() -> datetime.date:
    return timezone.localdate()


@transaction.atomic
def page_verify(*, actor, page: Page, next_review: datetime.date | None = None) -> PageVerification:
    """ "Verified": the page's responsible editor confirms it is up to date. The page's review-by date moves to
    `next_review` (default: in half a year); the mark shows until that date passes."""
    if not Page.objects.visible_to(actor).filter(pk=page.pk).exists():
        raise NotFound()
    page = Page.objects.select_related("space").select_for_update(of=("self",)).get(pk=page.pk)
    if not may_verify(actor, page):
        raise NotAllowed(_("Only the page's responsible editor marks it verified."))
    today = _today()
    next_review = next_review or today + datetime.timedelta(days=DEFAULT_REVIEW_DAYS)
    if next_review <= today:
        raise Invalid({"next_review": [_("The next review must be after today.")]})
    old_review = page.review_by
    Page.objects.filter(pk=page.pk).update(review_by=next_review)
    page.review_by = next_review
    mark, _created = PageVerification.objects.update_or_create(
        page=page, defaults={"verified_by": actor, "verified_at": timezone.now(), "revision": page.revision}
    )
    audit_record(
        actor=actor,
        action="kb.page_verify",
        target=page,
        changes={"review_by": [old_review, next_review], "revision": page.revision},
    )
    counters_recount([page.answering_editor_id], [REVIEW_COUNTER])
    return mark


def review_due_notify(*, today: datetime.date | None = None) -> int:
    """The daily sweep: the responsible editor of each page whose review-by date has come is told once per
    review-by date (a second run sends nothing), and the editors' counters are recounted. Returns how many
    were told."""
    today = today or _today()
    pages = list(
        Page.objects.filter(review_due_q(today)).select_related("space").order_by("review_by", "id")[:5000]
    )
    told = 0
    editors = set()
    for page in pages:
        editor = page.answering_editor_id
        if not editor:
            continue
        editors.add(editor)
        with transaction.atomic():
            told += reminder_send(
                actor=None,
                recipient=editor,
                key=f"kb.review:{page.pk}",
                date=page.review_by,
                kind=KIND_REVIEW,
                title=i18n.message(
                    gettext_lazy("“%(page)s” was due for review on %(date)s"),
                    page=page.title,
                    date=i18n.deferred(date_format, page.review_by, "DATE_FORMAT"),
                ),
                url=page.get_absolute_url(),
                target=page,
            )
    # Recount the editors of due pages and those counting some still (a review-by date moved without a new
    # revision leaves no other trace).
    from portal.notifications.counters import counters_store
    from portal.notifications.models import UserCounter

    editors |= set(
        UserCounter.objects.filter(key=REVIEW_COUNTER, value__gt=0).values_list("user_id", flat=True)
    )
    if editors:
        counters_store(sorted(editors), [REVIEW_COUNTER])
    return told


# --- broken links -------------------------------------------------------------------------------------------


def page_links_check(*, page_id: int) -> list[str]:
    """After a save: tell the page's responsible editor of its broken `[[links]]` (as the page part resolves
    them for the editor: gone, or hidden from them), once per set of broken links and day. Returns them."""
    from ..markdown import broken_links

    page = (
        Page.objects.select_related("space", "space__responsible", "responsible").filter(pk=page_id).first()
    )
    if page is None or page.status != PageStatus.PUBLISHED:
        return []
    editor = page.responsible or page.space.responsible
    if editor is None or not editor.is_active:
        return []
    broken = broken_links(user=editor, space=page.space, text=page.body)
    if not broken:
        return []
    digest = hashlib.sha1("\n".join(sorted(broken)).encode()).hexdigest()[:12]
    with transaction.atomic():
        reminder_send(
            actor=None,
            recipient=editor,
            key=f"kb.links:{page.pk}:{digest}",
            date=_today(),
            kind=KIND_LINKS,
            title=i18n.message(
                gettext_lazy("“%(page)s” has broken links: %(links)s"),
                page=page.title,
                links=", ".join(broken),
            ),
            url=page.get_absolute_url(),
            target=page,
        )
    return broken


def on_page_revised(sender, *, page, revision, minor, **kwargs) -> None:
    """The page part's `page_revised` hook (sent inside the saving transaction): a major revision asks again
    those who confirmed the page, in the same transaction; after commit a job checks the page's links and the
    responsible editor's "to review" counter is recounted."""
    from .familiarisation import reading_reask

    actor = getattr(revision, "author", None)
    reading_reask(page_id=page.pk, revision=revision.number, minor=minor, actor=actor)
    editor = (
        page.responsible_id
        or Page.objects.filter(pk=page.pk).values_list("space__responsible_id", flat=True).first()
    )
    if editor:
        counters_recount([editor], [REVIEW_COUNTER])

    def enqueue() -> None:
        from ..jobs import kb_page_links_check

        kb_page_links_check.delay(page.pk)

    transaction.on_commit(enqueue)
