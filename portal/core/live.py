"""Live pushes: the one path from any process to the websocket groups of the browsers.

Apps do not talk to the channel layer themselves. Their realtime modules (`portal.notifications.realtime`
for a person's pages, `portal.chat.realtime` for a chat's pages, and any later one: caller pop-up cards)
build a message and, after the transaction commits, hand it to `send(groups, message)`. Where the message
goes depends on the run mode (ARCHITECTURE.md, section 4):

- **Shared layer** (services mode: `REDIS_URL`, the Redis channel layer). Every process reaches every
  socket through Redis: `send` does a plain `group_send`, whatever process it runs in. Nothing else here
  is used.
- **In-memory layer** (embedded mode: `make run` without `REDIS_URL`). The layer lives inside one process,
  and web, worker and beat are three processes. A push made in the web process (a view, a consumer) is sent
  into its own layer, where the sockets are. A push made anywhere else (a Celery job recounting counters, a
  management command) would land in a layer no browser listens to, so it goes to the **outbox** instead:
  one `LivePush` row per group (group, message JSON, time), written after the commit in a short
  transaction of its own, so that SQLite's single writer is held for one insert.

  The web process runs the **relay**: an asyncio task started by the first websocket connection that
  process accepts (`LiveRelayStarter` wraps the websocket routes in portal/asgi.py; uvicorn and daphne run
  no ASGI lifespan here). Every `RELAY_INTERVAL` seconds it reads the outbox in one short query, sends the
  rows through its in-memory layer and deletes them. Rows older than `OUTBOX_MAX_AGE` are dropped unsent (a
  page that has been away that long reloads its counters when its socket reconnects), and so are rows
  written before the relay started, when nobody in the process listened: each socket receives the current
  counters when it connects. The database work runs through `database_sync_to_async`, so no connection
  is held across an await.

  "The web process" means the process whose relay is running: that is where the sockets are. Embedded
  mode has one web process; several web processes need the shared layer (services mode).

Every send is best effort: a failing layer or outbox is logged, never raised into the request or job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

# How often the relay looks at the outbox, and how old a push may be before it is dropped unsent.
RELAY_INTERVAL = 0.5
OUTBOX_MAX_AGE = timedelta(minutes=1)
# At most this many rows per round, so that one round stays a short query and a short burst of sends.
RELAY_BATCH = 200

_relay_task: asyncio.Task | None = None


def _layer():
    from channels.layers import get_channel_layer

    return get_channel_layer()


def layer_is_shared(layer) -> bool:
    """Whether every process reaches the same groups through this layer (anything but the in-memory one)."""
    from channels.layers import InMemoryChannelLayer

    return not isinstance(layer, InMemoryChannelLayer)


def relay_running() -> bool:
    """Whether this process relays the outbox, i.e. serves the websockets of an in-memory layer."""
    task = _relay_task
    return task is not None and not task.done()


def send(groups: Iterable[str], message: dict) -> None:
    """Send `message` (plain JSON types, with the consumer's "type") to every socket in `groups`, now.

    Call it after the commit (the realtime modules do). Through a shared layer, or from the process that
    serves the sockets, it is a `group_send`; from any other process with an in-memory layer it is an
    outbox row per group, which the web process relays.
    """
    groups = list(dict.fromkeys(groups))
    if not groups:
        return
    try:
        layer = _layer()
        if layer is None:
            return
        if not layer_is_shared(layer) and not relay_running():
            outbox_write(groups, message)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            # Called from async code (a consumer): schedule instead of blocking the loop.
            loop.create_task(_group_send_all(layer, groups, message))
        else:
            async_to_sync(_group_send_all)(layer, groups, message)
    except Exception:  # noqa: BLE001 - never break the request or job because the layer is down
        log.exception("live push to %s failed", ", ".join(groups))


async def _group_send_all(layer, groups: list[str], message: dict) -> None:
    for group in groups:
        try:
            await layer.group_send(group, message)
        except Exception:  # noqa: BLE001 - a push is best effort; the page recovers on reconnect
            log.exception("live push to %s failed", group)


# --- the outbox -------------------------------------------------------------------------------------


def outbox_write(groups: Iterable[str], message: dict) -> None:
    """Leave `message` for the web process's relay, one row per group, in one short transaction."""
    from .models import LivePush

    now = timezone.now()
    with transaction.atomic():
        LivePush.objects.bulk_create(
            [LivePush(group=group, message=message, created_at=now) for group in groups]
        )


def _outbox_take(*, started_at) -> list:
    """The oldest waiting rows. The first round also clears what was written before the relay started."""
    from .models import LivePush

    if started_at is not None:
        LivePush.objects.filter(created_at__lt=started_at).delete()
    return list(LivePush.objects.order_by("id")[:RELAY_BATCH])


def _outbox_delete(ids: list[int]) -> None:
    from .models import LivePush

    LivePush.objects.filter(pk__in=ids).delete()


async def relay_once(*, clear_before=None) -> int:
    """One round of the relay: send the waiting rows through this process's layer and delete them.

    Rows older than `OUTBOX_MAX_AGE` are deleted unsent; with `clear_before`, so is everything written
    before that moment. Returns the number of rows sent.
    """
    rows = await database_sync_to_async(_outbox_take)(started_at=clear_before)
    if not rows:
        return 0
    layer = _layer()
    cutoff = timezone.now() - OUTBOX_MAX_AGE
    sent = 0
    for row in rows:
        if row.created_at < cutoff or layer is None:
            continue
        try:
            await layer.group_send(row.group, row.message)
            sent += 1
        except Exception:  # noqa: BLE001 - one bad row must not stop the relay
            log.exception("live push to %s failed (relayed from the outbox)", row.group)
    await database_sync_to_async(_outbox_delete)([row.pk for row in rows])
    return sent


async def _relay_forever(started_at) -> None:
    clear_before = started_at
    while True:
        try:
            await relay_once(clear_before=clear_before)
            clear_before = None
        except Exception:  # noqa: BLE001 - a locked or unreachable database: try again next round
            log.exception("the live outbox relay failed; retrying")
        await asyncio.sleep(RELAY_INTERVAL)


def relay_start() -> bool:
    """Start the outbox relay on the running event loop, once per process; only for an in-memory layer.

    Returns whether a relay runs in this process now. Called from async code (`LiveRelayStarter`).
    """
    global _relay_task
    layer = _layer()
    if layer is None or layer_is_shared(layer):
        return False
    loop = asyncio.get_running_loop()
    task = _relay_task
    if task is not None and not task.done():
        if task.get_loop() is loop:
            return True
        # Left on a loop that is no longer serving (only tests switch loops): stop it, start here.
        try:
            task.get_loop().call_soon_threadsafe(task.cancel)
        except RuntimeError:  # that loop is closed already
            pass
    _relay_task = loop.create_task(_relay_forever(timezone.now()), name="lumen-live-relay")
    return True


class LiveRelayStarter:
    """ASGI middleware around the websocket routes: the first connection starts this process's relay."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "websocket":
            try:
                relay_start()
            except Exception:  # noqa: BLE001 - the socket works without it; pushes from jobs wait
                log.exception("could not start the live outbox relay")
        return await self.app(scope, receive, send)
