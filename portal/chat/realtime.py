"""Chat events over the channel layer: every open chat page listens on the group `chat.<id>`.

Services call `broadcast(chat_id, event)`; the send happens after the transaction commits and is best
effort: a failing layer is logged, never raised into the request. The consumer turns message events into
JSON (and HTML rendered for its own reader) before they reach the browser.
"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import async_to_sync
from django.db import transaction

log = logging.getLogger(__name__)

# The consumer method that receives events (`type` "chat.event" -> ChatConsumer.chat_event).
MESSAGE_TYPE = "chat.event"


def chat_group(chat_id) -> str:
    """The channel-layer group of one chat's open pages."""
    return f"chat.{int(chat_id)}"


def broadcast(chat_id: int, event: dict) -> None:
    """Send `event` (plain JSON types, with a "type" key) to everybody watching the chat, after commit."""
    message = {"type": MESSAGE_TYPE, "event": {**event, "chat_id": int(chat_id)}}
    transaction.on_commit(lambda: _send(chat_group(chat_id), message))


async def _group_send(layer, group: str, message: dict) -> None:
    try:
        await layer.group_send(group, message)
    except Exception:  # noqa: BLE001 - best effort: the page catches up on reload
        log.exception("chat event to %s failed", group)


def _send(group: str, message: dict) -> None:
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
            loop.create_task(_group_send(layer, group, message))
        else:
            async_to_sync(_group_send)(layer, group, message)
    except Exception:  # noqa: BLE001 - never break the request because the layer is down
        log.exception("chat event failed (%s)", message["event"].get("type"))


def recount_unread(user_ids) -> None:
    """Have the notifications app recount `chat.unread` for these people (it waits for the commit itself)."""
    ids = sorted({int(i) for i in user_ids})
    if not ids:
        return
    try:
        from portal.notifications.counters import counters_recount
    except ImportError:  # the notifications app is not there: nothing to keep in step
        return
    counters_recount(ids, keys=["chat.unread"])
