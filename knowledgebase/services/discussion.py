"""Writes of the discussion under pages: comment, reply, edit, delete, like, and the moderation of a moderated
space's comments (approve, reject). Mentions and the rendering are the stream's (`portal.stream.mentions`)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.notifications.counters import counters_recount
from portal.notifications.services import notify
from portal.stream import mentions

from ..models.discussion import CommentStatus, PageComment, PageCommentLike
from ..models.pages import Page
from ..selectors.discussion import can_moderate

COMMENT_MAX = 10_000
PENDING_COUNTER = "kb.comments_pending"
KIND_COMMENT = "kb_comment"
KIND_MODERATION = "kb_moderation"


def _name(user) -> str:
    return user.full_name or user.email


def readers_among(page: Page, user_ids) -> list[int]:
    """The active people among `user_ids` who may read `page`: its space's readers for a published page (one
    query); a draft only by who sees drafts (one query per person: a short list)."""
    from ..choices import PageStatus
    from ..selectors.familiarisation import space_reader_ids

    if page.status == PageStatus.PUBLISHED:
        return space_reader_ids(page.space, user_ids)
    people = get_user_model().objects.filter(pk__in=set(user_ids), is_active=True).order_by("pk")
    return [person.pk for person in people if Page.objects.visible_to(person).filter(pk=page.pk).exists()]


def _require_readable(actor, page: Page) -> None:
    if not Page.objects.visible_to(actor).filter(pk=page.pk).exists():
        raise NotFound()


def _require_visible(actor, comment: PageComment) -> None:
    if not PageComment.objects.visible_to(actor).filter(pk=comment.pk).exists():
        raise NotFound()


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise Invalid({"body": [_("Write a comment first.")]})
    if len(body) > COMMENT_MAX:
        raise Invalid({"body": [_("Keep the comment under %(max)d characters.") % {"max": COMMENT_MAX}]})
    return body


def _moderator_id(page: Page) -> int | None:
    return page.responsible_id or page.space.responsible_id


def _notify_mentions(*, actor, comment: PageComment, old_body: str = "") -> set[int]:
    """Notify people newly mentioned who may read the page (nobody while the comment waits for approval)."""
    if comment.status != CommentStatus.APPROVED:
        return set()
    ids = (
        set(mentions.mentioned_ids(comment.body))
        - set(mentions.mentioned_ids(old_body))
        - {comment.author_id}
    )
    readers = set(readers_among(comment.page, ids)) if ids else set()
    if readers:
        notify(
            recipients=sorted(readers),
            kind="mention",
            title=i18n.message(
                gettext_lazy("%(name)s mentioned you on the page “%(page)s”"),
                name=_name(comment.author),
                page=comment.page.title,
            ),
            actor=actor,
            body=mentions.plain(comment.body)[:300],
            url=comment.get_absolute_url(),
            target=comment.page,
        )
    return readers


def _announce(*, actor, comment: PageComment) -> None:
    """A published comment: its mentions, the page's responsible editor, the author of the comment replied to."""
    page = comment.page
    mentioned = _notify_mentions(actor=actor, comment=comment)
    wanted = {_moderator_id(page)}
    if comment.parent_id:
        wanted.add(comment.parent.author_id)
    wanted -= mentioned | {comment.author_id, None}
    recipients = readers_among(page, wanted) if wanted else []
    if recipients:
        notify(
            recipients=recipients,
            kind=KIND_COMMENT,
            title=i18n.message(
                gettext_lazy("%(name)s commented on the page “%(page)s”"),
                name=_name(comment.author),
                page=page.title,
            ),
            actor=comment.author,
            body=mentions.plain(comment.body)[:300],
            url=comment.get_absolute_url(),
            target=page,
        )


@transaction.atomic
def comment_add(*, actor, page: Page, body: str, parent: PageComment | None = None) -> PageComment:
    """Comment under a page (anyone who reads it), or reply to a comment of the same page (a reply to a reply
    hangs under its top comment: one level). In a moderated space the comment waits for the responsible
    editor's approval (they are told); elsewhere, and for the moderator themselves, it is published."""
    _require_readable(actor, page)
    page = Page.objects.select_related("space").get(pk=page.pk)
    body = _clean_body(body)
    if parent is not None:
        _require_visible(actor, parent)
        if parent.page_id != page.pk:
            raise Invalid({"parent": [_("The comment replied to is on another page.")]})
        # Re-read (the caller's copy may be stale); a reply to a reply hangs under its top comment.
        parent = PageComment.objects.get(pk=parent.parent_id or parent.pk)
        if parent.status != CommentStatus.APPROVED:
            raise Invalid({"parent": [_("Only a published comment can be replied to.")]})
    moderated = page.space.moderated and not can_moderate(actor, page)
    comment = PageComment.objects.create(
        page=page,
        parent=parent,
        author=actor,
        body=body,
        status=CommentStatus.PENDING if moderated else CommentStatus.APPROVED,
    )
    audit_record(
        actor=actor,
        action="kb.comment_add",
        target=page,
        changes={"comment": comment.pk, "status": comment.status, "body": mentions.plain(body)[:300]},
    )
    if moderated:
        moderator = _moderator_id(page)
        if moderator:
            notify(
                recipients=readers_among(page, [moderator]),
                kind=KIND_MODERATION,
                title=i18n.message(
                    gettext_lazy("A comment on “%(page)s” waits for your approval"), page=page.title
                ),
                actor=actor,
                body=mentions.plain(body)[:300],
                url=_queue_url(),
                target=page,
            )
            counters_recount([moderator], [PENDING_COUNTER])
    else:
        _announce(actor=actor, comment=comment)
    return comment


def _queue_url() -> str:
    from django.urls import reverse

    return reverse("kb:moderation_queue")


def _require_moderator(actor, comment: PageComment) -> Page:
    _require_visible(actor, comment)
    page = Page.objects.select_related("space").get(pk=comment.page_id)
    if not can_moderate(actor, page):
        raise NotAllowed(_("Only the page's responsible editor moderates its discussion."))
    return page


@transaction.atomic
def comment_approve(*, actor, comment: PageComment) -> PageComment:
    """Publish a waiting comment (the page's responsible editor): everyone who reads the page sees it now, and
    its mentions and the page's people are told as for a comment published at once."""
    page = _require_moderator(actor, comment)
    comment = PageComment.objects.select_for_update().get(pk=comment.pk)
    if comment.status != CommentStatus.PENDING:
        raise Invalid(_("This comment has been moderated already."), code="already_decided")
    comment.status = CommentStatus.APPROVED
    comment.moderated_by, comment.moderated_at = actor, timezone.now()
    comment.save(update_fields=["status", "moderated_by", "moderated_at"])
    comment.page = page
    audit_record(actor=actor, action="kb.comment_approve", target=page, changes={"comment": comment.pk})
    notify(
        recipients=[comment.author_id],
        kind=KIND_MODERATION,
        title=i18n.message(gettext_lazy("Your comment on “%(page)s” is published"), page=page.title),
        actor=actor,
        url=comment.get_absolute_url(),
        target=page,
    )
    _announce(actor=actor, comment=comment)
    counters_recount([_moderator_id(page)], [PENDING_COUNTER])
    return comment


@transaction.atomic
def comment_reject(*, actor, comment: PageComment, reason: str = "") -> PageComment:
    """Refuse a waiting comment: it stays visible to its author only, marked rejected (with the reason)."""
    page = _require_moderator(actor, comment)
    comment = PageComment.objects.select_for_update().get(pk=comment.pk)
    if comment.status != CommentStatus.PENDING:
        raise Invalid(_("This comment has been moderated already."), code="already_decided")
    reason = (reason or "").strip()[:500]
    comment.status = CommentStatus.REJECTED
    comment.moderated_by, comment.moderated_at = actor, timezone.now()
    comment.save(update_fields=["status", "moderated_by", "moderated_at"])
    audit_record(
        actor=actor,
        action="kb.comment_reject",
        target=page,
        changes={"comment": comment.pk, "reason": reason},
    )
    notify(
        recipients=[comment.author_id],
        kind=KIND_MODERATION,
        title=i18n.message(gettext_lazy("Your comment on “%(page)s” was not published"), page=page.title),
        actor=actor,
        body=reason,
        url=page.get_absolute_url(),
        target=page,
    )
    counters_recount([_moderator_id(page)], [PENDING_COUNTER])
    return comment


@transaction.atomic
def comment_edit(*, actor, comment: PageComment, body: str) -> PageComment:
    """The author changes their comment (shown as edited); newly mentioned people are told."""
    _require_visible(actor, comment)
    if comment.author_id != actor.pk:
        raise NotAllowed(_("Only the author may change this comment."))
    body = _clean_body(body)
    old = comment.body
    if body == old:
        return comment
    comment.body, comment.edited_at = body, timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    audit_record(
        actor=actor,
        action="kb.comment_edit",
        target=comment.page,
        changes={"comment": comment.pk, "body": [mentions.plain(old)[:300], mentions.plain(body)[:300]]},
    )
    _notify_mentions(actor=actor, comment=comment, old_body=old)
    return comment


@transaction.atomic
def comment_delete(*, actor, comment: PageComment) -> None:
    """Delete a comment and its replies: its author, or the page's moderator."""
    _require_visible(actor, comment)
    page = Page.objects.select_related("space").get(pk=comment.page_id)
    if comment.author_id != actor.pk and not can_moderate(actor, page):
        raise NotAllowed(_("Only the author or the page's responsible editor may delete this comment."))
    was_pending = comment.status == CommentStatus.PENDING
    audit_record(
        actor=actor,
        action="kb.comment_delete",
        target=page,
        changes={
            "comment": comment.pk,
            "author": comment.author_id,
            "body": mentions.plain(comment.body)[:300],
        },
    )
    PageComment.objects.filter(pk=comment.pk).delete()
    if was_pending:
        counters_recount([_moderator_id(page)], [PENDING_COUNTER])


@transaction.atomic
def comment_like_toggle(*, actor, comment: PageComment) -> bool:
    """Like a published comment, or take the like back; returns whether the actor likes it now."""
    _require_visible(actor, comment)
    if comment.status != CommentStatus.APPROVED:
        raise Invalid(_("Only a published comment can be liked."))
    deleted, _rows = PageCommentLike.objects.filter(comment=comment, user=actor).delete()
    if deleted:
        PageComment.objects.filter(pk=comment.pk).update(likes_count=F("likes_count") - 1)
        return False
    try:
        with transaction.atomic():
            PageCommentLike.objects.create(comment=comment, user=actor)
    except IntegrityError:  # a double click: liked already
        return True
    PageComment.objects.filter(pk=comment.pk).update(likes_count=F("likes_count") + 1)
    if comment.author_id != actor.pk:
        notify(
            recipients=[comment.author_id],
            kind="like",
            title=i18n.message(
                gettext_lazy("%(name)s liked your comment on “%(page)s”"),
                name=_name(actor),
                page=comment.page.title,
            ),
            actor=actor,
            body=mentions.plain(comment.body)[:200],
            url=comment.get_absolute_url(),
            target=comment.page,
        )
    return True
