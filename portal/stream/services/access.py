"""Who may act on the stream: a signed-in person who sees the entry; authors edit, admins moderate."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.core.errors import NotAllowed, NotFound
from portal.core.permissions import is_portal_admin

from ..models import Entry


def _require_actor(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise NotAllowed(_("Sign in first."))


def _require_visible(actor, entry: Entry) -> None:
    _require_actor(actor)
    if not Entry.objects.visible_to(actor).filter(pk=entry.pk).exists():
        raise NotFound("No stream entry matches the given query.")


def can_edit(user, obj) -> bool:
    """Only the author changes a post or comment."""
    return bool(user and user.is_authenticated and obj.author_id == user.pk)


def can_delete(user, obj) -> bool:
    """The author, and admins (moderation), delete a post or comment."""
    return can_edit(user, obj) or is_portal_admin(user)
