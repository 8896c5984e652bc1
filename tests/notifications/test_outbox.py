"""The live outbox (portal/core/live.py): pushes made outside the web process on an in-memory layer are
written to the outbox, the web process's relay sends and deletes them, and a shared layer bypasses it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from portal.asgi import application
from portal.chat import realtime as chat_realtime
from portal.core import live
from portal.core.models import LivePush
from portal.notifications.realtime import push_to_users, user_group
from tests.utils import client_as

ORIGIN = (b"origin", b"http://testserver")
TIMEOUT = 5
MEMORY_LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture
def memory_layer(settings, monkeypatch):
    """The embedded mode's layer, and a process whose relay has not started (a worker, a command)."""
    settings.CHANNEL_LAYERS = MEMORY_LAYER
    monkeypatch.setattr(live, "_relay_task", None)
    layer = get_channel_layer()
    yield layer
    async_to_sync(layer.flush)()


class SharedLayer:
    """Stands for the Redis layer: not in-memory, so every process reaches the sockets through it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    async def group_send(self, group: str, message: dict) -> None:
        self.sent.append((group, message))


async def _listen(layer, group: str) -> str:
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return channel


async def _receive(layer, channel: str, timeout: float = 0.3):
    try:
        return await asyncio.wait_for(layer.receive(channel), timeout)
    except TimeoutError:
        return None


def test_outside_the_web_process_a_push_waits_in_the_outbox(org, memory_layer, commit):
    async def listen():
        return await _listen(memory_layer, user_group(org.east_rep.pk))

    channel = async_to_sync(listen)()
    with commit():
        push_to_users(
            [org.east_rep.pk, org.developer.pk], {"event": "counters", "counters": {"chat.unread": 2}}
        )
        chat_realtime.broadcast(7, {"type": "read", "user_id": org.east_rep.pk})
        assert not LivePush.objects.exists()  # nothing leaves before the commit

    rows = list(LivePush.objects.values_list("group", "message"))
    payload = {"event": "counters", "counters": {"chat.unread": 2}}
    assert rows == [
        (f"user.{org.east_rep.pk}", {"type": "live.push", "payload": payload}),
        (f"user.{org.developer.pk}", {"type": "live.push", "payload": payload}),
        (
            "chat.7",
            {"type": "chat.event", "event": {"type": "read", "user_id": org.east_rep.pk, "chat_id": 7}},
        ),
    ]
    # This process's own layer got nothing: nobody listens to it here.
    assert async_to_sync(_receive)(memory_layer, channel) is None


def test_with_a_shared_layer_nothing_is_written(org, commit, monkeypatch):
    shared = SharedLayer()
    monkeypatch.setattr("channels.layers.get_channel_layer", lambda *a, **k: shared)
    monkeypatch.setattr(live, "_relay_task", None)
    with commit():
        push_to_users([org.east_rep.pk], {"event": "counters", "counters": {"chat.unread": 1}})
        chat_realtime.broadcast(3, {"type": "read", "user_id": 1})
    assert not LivePush.objects.exists()
    assert [group for group, _message in shared.sent] == [f"user.{org.east_rep.pk}", "chat.3"]


def test_the_relay_sends_fresh_rows_drops_old_ones_and_deletes_both(transactional_db, memory_layer):
    fresh = {"type": "live.push", "payload": {"event": "counters", "counters": {"chat.unread": 1}}}
    old = {"type": "live.push", "payload": {"event": "counters", "counters": {"chat.unread": 9}}}
    LivePush.objects.create(group="user.5", message=old, created_at=timezone.now() - timedelta(minutes=2))
    live.outbox_write(["user.5", "user.6"], fresh)

    async def scenario():
        five = await _listen(memory_layer, "user.5")
        six = await _listen(memory_layer, "user.6")
        sent = await live.relay_once()
        return (
            sent,
            await _receive(memory_layer, five),
            await _receive(memory_layer, five),
            await _receive(memory_layer, six),
        )

    sent, first, then, to_six = async_to_sync(scenario)()
    assert sent == 2
    assert first == fresh and then is None  # the two-minute-old row was dropped unsent
    assert to_six == fresh
    assert not LivePush.objects.exists()


def test_the_relay_drops_what_was_written_before_it_started(transactional_db, memory_layer):
    LivePush.objects.create(group="user.5", message={"type": "live.push", "payload": {"event": "x"}})
    started = timezone.now()
    live.outbox_write(["user.5"], {"type": "live.push", "payload": {"event": "y"}})

    async def scenario():
        channel = await _listen(memory_layer, "user.5")
        sent = await live.relay_once(clear_before=started)
        return sent, await _receive(memory_layer, channel), await _receive(memory_layer, channel)

    sent, first, then = async_to_sync(scenario)()
    assert sent == 1 and first["payload"] == {"event": "y"} and then is None
    assert not LivePush.objects.exists()


def test_a_websocket_starts_the_relay_which_delivers_a_workers_push(transactional_db, memory_layer, org):
    """The web process: its first socket starts the relay; a row a worker writes reaches that socket, and a
    push made in this process from then on goes straight through the layer."""
    session = client_as(org.east_rep).cookies["sessionid"].value
    headers = [ORIGIN, (b"host", b"testserver"), (b"cookie", f"sessionid={session}".encode())]
    from_worker = {"type": "live.push", "payload": {"event": "counters", "counters": {"chat.unread": 1}}}

    async def scenario():
        assert not live.relay_running()
        communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected
        await communicator.receive_json_from(timeout=TIMEOUT)  # the counters on connect
        running = live.relay_running()
        # What a Celery job does after its commit on the in-memory layer:
        await database_sync_to_async(live.outbox_write)([user_group(org.east_rep.pk)], from_worker)
        relayed = await communicator.receive_json_from(timeout=TIMEOUT)
        rows_left = await database_sync_to_async(LivePush.objects.count)()
        await database_sync_to_async(push_to_users)([org.east_rep.pk], {"event": "stream.post", "id": 1})
        direct = await communicator.receive_json_from(timeout=TIMEOUT)
        rows_now = await database_sync_to_async(LivePush.objects.count)()
        await communicator.disconnect()
        return running, relayed, rows_left, direct, rows_now

    running, relayed, rows_left, direct, rows_now = async_to_sync(scenario)()
    assert running
    assert relayed == from_worker["payload"] and rows_left == 0
    assert direct == {"event": "stream.post", "id": 1} and rows_now == 0
    assert not live.relay_running()  # its event loop is gone, and the relay with it


def test_a_broken_outbox_is_logged_not_raised(org, memory_layer, commit, monkeypatch, caplog):
    def broken(groups, message):
        raise RuntimeError("disk full")

    monkeypatch.setattr(live, "outbox_write", broken)
    with commit():
        push_to_users([org.east_rep.pk], {"event": "counters", "counters": {}})
    assert "live push" in caplog.text
