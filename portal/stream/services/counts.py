"""The stored counters: likes, comments and photos by F(), and the important-unread badge."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db.models import F

log = logging.getLogger(__name__)


IMPORTANT_UNREAD = "stream.important_unread"


def _recount(user_ids: Iterable[int]) -> None:
    ids = [i for i in user_ids if i]
    if not ids:
        return
    try:
        from portal.notifications.counters import counters_recount
    except ImportError:  # pragma: no cover
        return
    try:
        counters_recount(ids, [IMPORTANT_UNREAD])
    except ValueError:  # the counter is not registered (a test that clears the registry)
        log.warning("counter %s is not registered", IMPORTANT_UNREAD)


def _bump(model, pk: int, field_name: str, delta: int) -> None:
    model.objects.filter(pk=pk).update(**{field_name: F(field_name) + delta})
