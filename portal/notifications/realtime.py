"""Live push: every signed-in browser listens on its person's group `user.<id>` (see consumers.py).

Apps push with `push_to_users(ids, {"event": "...", ...})`; the send happens after the transaction
commits, through `portal.core.live`, which reaches the browsers in every run mode (from a Celery job in
the embedded mode too, through the outbox the web process relays). A failing channel layer is logged,
never raised into the request or job.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from portal.core import live

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


def _send(ids: list[int], message: dict) -> None:
    # The one push path of the project: the channel layer, or the outbox the web process relays when the
    # layer is in-memory and this is a worker or a command (portal/core/live.py).
    live.send([user_group(user_id) for user_id in ids], message)
