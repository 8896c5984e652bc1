"""Likes on entries and photos."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.core.errors import Invalid

from .. import mentions
from ..models import Entry, Like, Photo
from . import notices
from .access import _require_visible
from .counts import _bump


@transaction.atomic
def like_add(*, actor, entry: Entry, photo: Photo | None = None) -> bool:
    """Like an entry or a photo; True when the like is new (liking twice changes nothing)."""
    _require_visible(actor, entry)
    if photo is not None and photo.album.entry_id != entry.pk:
        raise Invalid({"photo": [_("The photo does not belong to this post.")]})
    try:
        with transaction.atomic():
            Like.objects.create(entry=entry, photo=photo, user=actor)
    except IntegrityError:
        return False
    if photo is not None:
        _bump(Photo, photo.pk, "likes_count", 1)
    else:
        _bump(Entry, entry.pk, "likes_count", 1)
        notices.notify(
            recipients=[entry.author_id],
            kind="like",
            title=i18n.message(gettext_lazy("%(name)s liked your post"), name=actor.full_name or actor.email),
            actor=actor,
            body=mentions.plain(entry.body)[:200],
            url=entry.get_absolute_url(),
            target=entry,
        )
    return True


@transaction.atomic
def like_remove(*, actor, entry: Entry, photo: Photo | None = None) -> bool:
    """Take a like back; True when there was one."""
    _require_visible(actor, entry)
    deleted, _rows = Like.objects.filter(entry=entry, photo=photo, user=actor).delete()
    if deleted:
        if photo is not None:
            _bump(Photo, photo.pk, "likes_count", -1)
        else:
            _bump(Entry, entry.pk, "likes_count", -1)
    return bool(deleted)


def like_toggle(*, actor, entry: Entry, photo: Photo | None = None) -> bool:
    """Like, or take the like back. Returns whether the actor likes it now."""
    if Like.objects.filter(entry=entry, photo=photo, user_id=getattr(actor, "pk", None)).exists():
        like_remove(actor=actor, entry=entry, photo=photo)
        return False
    like_add(actor=actor, entry=entry, photo=photo)
    return True
