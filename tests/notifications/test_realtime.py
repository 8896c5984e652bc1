"""The live socket against the real ASGI application: in-memory layer locally, Redis when REDIS_URL is set."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from portal.asgi import application
from portal.notifications.realtime import push_to_users, user_group
from tests.utils import client_as

ORIGIN = (b"origin", b"http://testserver")
TIMEOUT = 5


@pytest.fixture
def layer():
    layer = get_channel_layer()
    yield layer
    if hasattr(layer, "flush"):
        async_to_sync(layer.flush)()


def _headers(user) -> list[tuple[bytes, bytes]]:
    headers = [ORIGIN, (b"host", b"testserver")]
    if user is not None:
        session = client_as(user).cookies["sessionid"].value
        headers.append((b"cookie", f"sessionid={session}".encode()))
    return headers


def _run(coro_fn, *args):
    return async_to_sync(coro_fn)(*args)


def test_user_group_name():
    assert user_group(42) == "user.42"
    with pytest.raises(ValueError):
        push_to_users([1], {"no": "event"})


def test_anonymous_connection_is_refused(transactional_db, layer):
    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/live/", headers=_headers(None))
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        await communicator.disconnect()
        return connected

    assert _run(scenario) is False


def test_signed_in_user_gets_counters_then_pushed_notifications(transactional_db, layer, org):
    from portal.notifications.counters import counters_store
    from portal.notifications.services import notify
    from tests.notifications.factories import NotificationFactory

    NotificationFactory.create_batch(2, recipient=org.east_rep)
    counters_store([org.east_rep.pk], push=False)
    headers = _headers(org.east_rep)

    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected
        hello = await communicator.receive_json_from(timeout=TIMEOUT)
        # transactional_db: on_commit runs at once; the recount job runs inline (eager Celery).
        await database_sync_to_async(notify)(
            recipients=[org.east_rep, org.developer], kind="comment", title="New comment", actor=org.ceo
        )
        first = await communicator.receive_json_from(timeout=TIMEOUT)
        second = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.send_json_to({"event": "ping"})
        pong = await communicator.receive_json_from(timeout=TIMEOUT)
        nothing_else = await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()
        return hello, first, second, pong, nothing_else

    hello, first, second, pong, nothing_else = _run(scenario)
    assert hello["event"] == "counters" and hello["counters"]["notifications.unread"] == 2
    assert first["event"] == "notification"
    assert (
        first["notification"]["title"] == "New comment" and first["notification"]["actor"]["id"] == org.ceo.pk
    )
    assert second == {"event": "counters", "counters": {"notifications.unread": 3}}
    assert pong == {"event": "pong"}
    assert nothing_else  # the developer's notification went to the developer only


def test_other_apps_events_are_forwarded_as_is(transactional_db, layer, org):
    headers = _headers(org.east_rep)

    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected
        await communicator.receive_json_from(timeout=TIMEOUT)  # the counters on connect
        await database_sync_to_async(push_to_users)(
            [org.east_rep.pk], {"event": "chat.message", "chat": 7, "text": "hi"}
        )
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return message

    assert _run(scenario) == {"event": "chat.message", "chat": 7, "text": "hi"}


@pytest.mark.redis
def test_push_crosses_the_redis_layer(transactional_db, layer, org):
    """With REDIS_URL the layer is channels_redis: the push from a sync thread reaches the socket."""
    from channels_redis.core import RedisChannelLayer

    assert isinstance(layer, RedisChannelLayer)
    headers = _headers(org.east_rep)

    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected
        await communicator.receive_json_from(timeout=TIMEOUT)
        await database_sync_to_async(push_to_users)([org.east_rep.pk], {"event": "stream.post", "id": 1})
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return message

    assert _run(scenario) == {"event": "stream.post", "id": 1}
