"""Chat events over the channel layer: every open chat page listens on the group `chat.<id>`.

Services call `broadcast(chat_id, event)`; the send happens after the transaction commits, through
`portal.core.live` (which reaches the web process from a worker or a command in the embedded mode too),
and is best effort: a failing layer is logged, never raised into the request. The consumer turns message events into
JSON (and HTML rendered for its own reader) before they reach the browser.
"""

from __future__ import annotations

from django.db import transaction

from portal.core import live

# The consumer method that receives events (`type` "chat.event" -> ChatConsumer.chat_event).
MESSAGE_TYPE = "chat.event"


def chat_group(chat_id) -> str:
    """The channel-layer group of one chat's open pages."""
    return f"chat.{int(chat_id)}"


def broadcast(chat_id: int, event: dict) -> None:
    """Send `event` (plain JSON types, with a "type" key) to everybody watching the chat, after commit."""
    message = {"type": MESSAGE_TYPE, "event": {**event, "chat_id": int(chat_id)}}
    transaction.on_commit(lambda: _send(chat_group(chat_id), message))


def _send(group: str, message: dict) -> None:
    # The one push path of the project (portal/core/live.py): the channel layer, or the outbox the web
    # process relays when the layer is in-memory and the event comes from a worker or a command.
    live.send([group], message)


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
