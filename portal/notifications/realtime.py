"""Live push: every signed-in browser listens on its person's group `user.<id>` (see consumers.py).

Apps push with `push_to_users(ids, {"event": "...", ...})`; the send happens after the transaction
commits, and a failing channel layer is logged, never raised into the request or job.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

log = logging.getLogger(__name__)

# The consumer method that receives pushes (`type` "live.push" -> LiveConsumer.live_push).
MESSAGE_TYPE = "live.push"


def user_group(user_id) -> str:
    """The channel-layer group of one person's open pages."""
    return f"user.{int(user_id)}"


def push_to_users(user_ids: Iterable[int], payload: dict) -> None:
    """Send `payload` (a dict with an "event" key) to every open page of these people, after commit."""
    if "event" not in payload:
        raise ValueError('A live payload needs an "event" key.')
    ids = list(dict.fromkeys(int(i) for i in user_ids))
    if not ids:
        return
    # Plain JSON types only: lazy strings, dates and decimals would not cross the Redis layer.
    message = {"type": MESSAGE_TYPE, "payload": json.loads(json.dumps(payload, cls=DjangoJSONEncoder))}
    transaction.on_commit(lambda: _send(ids, message))


async def _group_send_all(layer, ids: list[int], message: dict) -> None:
    for user_id in ids:
        try:
            await layer.group_send(user_group(user_id), message)
        except Exception:  # noqa: BLE001 - a push is best effort; the page recovers on reconnect
            log.exception("live push to user %s failed", user_id)


def _send(ids: list[int], message: dict) -> None:
    from channels.layers import get_channel_layer

    try:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            # Called from async code (a consumer, an async view): schedule instead of blocking the loop.
            loop.create_task(_group_send_all(layer, ids, message))
        else:
            async_to_sync(_group_send_all)(layer, ids, message)
    except Exception:  # noqa: BLE001 - never break the request because the layer is down
        log.exception("live push failed (event %s)", message["payload"].get("event"))
