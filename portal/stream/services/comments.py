"""Comments on entries and photos, one level of replies."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotAllowed

from .. import mentions
from ..models import Comment, Entry, Photo
from . import notices
from .access import _require_visible, can_delete, can_edit
from .counts import _bump
from .entries import _clean_text

COMMENT_MAX = 5_000


@transaction.atomic
def comment_create(
    *, actor, entry: Entry, body: str, parent: Comment | None = None, photo: Photo | None = None
) -> Comment:
    """Comment on an entry (or on one of its photos); a reply to a reply joins the thread of its parent."""
    _require_visible(actor, entry)
    body = _clean_text(
        body, field_name="body", max_length=COMMENT_MAX, empty_message=_("Write a comment first.")
    )
    if photo is not None and photo.album.entry_id != entry.pk:
        raise Invalid({"photo": [_("The photo does not belong to this post.")]})
    if parent is not None:
        if parent.entry_id != entry.pk or parent.photo_id != (photo.pk if photo else None):
            raise Invalid({"parent": [_("You can only reply to a comment of the same post.")]})
        if parent.parent_id:
            parent = parent.parent  # replies stay one level deep
    comment = Comment.objects.create(entry=entry, photo=photo, parent=parent, author=actor, body=body)
    if photo is not None:
        _bump(Photo, photo.pk, "comments_count", 1)
    else:
        _bump(Entry, entry.pk, "comments_count", 1)
    audit_record(actor=actor, action="stream.comment_create", target=comment, changes={"entry": entry.pk})
    url = (photo.get_absolute_url() if photo else entry.get_absolute_url()) + f"#comment-{comment.pk}"
    recipients = {entry.author_id}
    if parent is not None:
        recipients.add(parent.author_id)
    recipients -= {actor.pk}
    mentioned = set(mentions.mentioned_ids(body))
    notices.notify(
        recipients=sorted(recipients - mentioned),
        kind="comment",
        title=i18n.message(
            gettext_lazy("%(name)s commented: %(text)s"),
            name=actor.full_name or actor.email,
            text=mentions.plain(body)[:80],
        ),
        actor=actor,
        body=mentions.plain(body)[:300],
        url=url,
        target=entry,
    )
    notices.notify_mentions(actor=actor, entry=entry, text=body, url=url)
    return comment


@transaction.atomic
def comment_update(*, actor, comment: Comment, body: str) -> Comment:
    """The author changes their comment; it is shown as edited."""
    _require_visible(actor, comment.entry)
    if not can_edit(actor, comment):
        raise NotAllowed(_("Only the author may change this comment."))
    old = comment.body
    comment.body = _clean_text(
        body, field_name="body", max_length=COMMENT_MAX, empty_message=_("Write a comment first.")
    )
    if comment.body == old:
        return comment
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at", "updated_at"])
    audit_record(
        actor=actor, action="stream.comment_update", target=comment, changes={"body": [old, comment.body]}
    )
    notices.notify_mentions(
        actor=actor,
        entry=comment.entry,
        text=comment.body,
        url=comment.entry.get_absolute_url(),
        old_text=old,
    )
    return comment


@transaction.atomic
def comment_delete(*, actor, comment: Comment) -> None:
    """The author or an admin deletes a comment (with its replies)."""
    _require_visible(actor, comment.entry)
    if not can_delete(actor, comment):
        raise NotAllowed(_("Only the author or an admin may delete this comment."))
    removed = 1 + comment.replies.count()
    audit_record(
        actor=actor, action="stream.comment_delete", target=comment, changes={"body": comment.body[:500]}
    )
    if comment.photo_id:
        _bump(Photo, comment.photo_id, "comments_count", -removed)
    else:
        _bump(Entry, comment.entry_id, "comments_count", -removed)
    comment.delete()
