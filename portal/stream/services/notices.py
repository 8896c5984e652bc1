"""What the stream hands to the notifications app: comments, likes, mentions, announcements."""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy

from portal.core import i18n

from .. import mentions
from ..audience import entry_audience_users
from ..models import Entry

log = logging.getLogger(__name__)


def notify(*, recipients, kind: str, title, actor=None, body="", url: str = "", target=None) -> None:
    """Hand a notification to the notifications app (absent in a stripped-down install: then nothing).

    `title` and `body` are lazy messages (`portal.core.i18n.message`) or plain text: the notifications
    app renders them in each recipient's language."""
    recipients = [r for r in recipients if r is not None]
    if not recipients:
        return
    try:
        from portal.notifications.services import notify as deliver
    except ImportError:  # pragma: no cover - the notifications app is part of every real install
        log.info("notifications app not available: %s not sent", kind)
        return
    deliver(recipients=recipients, kind=kind, title=title, actor=actor, body=body, url=url, target=target)


def notify_mentions(*, actor, entry: Entry, text: str, url: str, old_text: str = "") -> None:
    """Notify people newly mentioned in `text`, but only those who may see the entry."""
    ids = set(mentions.mentioned_ids(text)) - set(mentions.mentioned_ids(old_text)) - {actor.pk}
    if not ids:
        return
    readers = list(entry_audience_users(entry).filter(pk__in=ids).values_list("pk", flat=True))
    notify(
        recipients=readers,
        kind="mention",
        title=i18n.message(gettext_lazy("%(name)s mentioned you"), name=actor.full_name or actor.email),
        actor=actor,
        body=mentions.plain(text)[:300],
        url=url,
        target=entry,
    )
