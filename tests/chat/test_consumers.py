"""The chat websocket against the real ASGI application (`portal.asgi.application`).

Runs on whatever channel layer the settings name: in-memory by default, Redis when REDIS_URL is set.
Communicators sign in with a test client's session cookie and send an allowed Origin, like a browser.
"""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from portal.chat import services
from portal.chat.models import ChatMember, Message

TIMEOUT = 5


@pytest.fixture
def application():
    from portal.asgi import application

    return application


@pytest.fixture
def ws_people(transactional_db):
    from tests.people.factories import UserFactory

    return (
        UserFactory(email="ann@acme.test", first_name="Ann", last_name="Able"),
        UserFactory(email="ben@acme.test", first_name="Ben", last_name="Baker"),
        UserFactory(email="out@acme.test", first_name="Out", last_name="Sider"),
    )


@pytest.fixture
def ws_chat(ws_people):
    ann, ben, _out = ws_people
    return services.chat_group_create(actor=ann, title="Realtime", members=[ben])


def _headers(user) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return headers


def _communicator(application, chat_id: int, headers) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/chat/{chat_id}/", headers=headers)


async def _next_of(communicator: WebsocketCommunicator, kind: str) -> dict:
    """The next frame of type `kind` (frames of other types in between are skipped)."""
    while True:
        frame = await communicator.receive_json_from(timeout=TIMEOUT)
        if frame.get("type") == kind:
            return frame


def test_members_receive_each_others_messages_and_read_receipts(application, ws_people, ws_chat):
    ann, ben, _out = ws_people
    as_ann, as_ben = _headers(ann), _headers(ben)  # sessions are made here, outside the event loop

    async def scenario():
        a = _communicator(application, ws_chat.pk, as_ann)
        b = _communicator(application, ws_chat.pk, as_ben)
        assert (await a.connect(timeout=TIMEOUT))[0]
        assert (await b.connect(timeout=TIMEOUT))[0]
        try:
            # Over the socket.
            await a.send_json_to({"type": "message", "body": "Hello @ben", "ref": "r1"})
            sent = await _next_of(a, "sent")
            assert sent["ref"] == "r1"
            frame = await _next_of(b, "message.new")
            assert frame["message"]["id"] == sent["message_id"]
            assert frame["message"]["body"] == "Hello @ben"
            assert frame["message"]["author"]["id"] == ann.pk
            assert f'id="message-{sent["message_id"]}"' in frame["html"]
            assert 'data-action="edit"' not in frame["html"]  # Ben's copy has no edit menu for Ann's message
            own = await _next_of(a, "message.new")
            assert 'data-action="edit"' in own["html"]

            # Over HTTP (the same service): it reaches both sockets too.
            message = await database_sync_to_async(services.message_send)(
                actor=ben, chat=ws_chat, body="Hi Ann"
            )
            assert (await _next_of(a, "message.new"))["message"]["id"] == message.pk
            assert (await _next_of(b, "message.new"))["message"]["id"] == message.pk

            # Read receipts.
            await a.send_json_to({"type": "read", "message_id": message.pk})
            receipt = await _next_of(b, "read")
            assert receipt["user_id"] == ann.pk and receipt["last_read_message_id"] == message.pk

            # Edits and deletions.
            await database_sync_to_async(services.message_edit)(actor=ben, message=message, body="Hi, Ann")
            edited = await _next_of(a, "message.edited")
            assert edited["message"]["is_edited"] and "edited" in edited["html"]
            await database_sync_to_async(services.message_delete)(actor=ben, message=message)
            deleted = await _next_of(a, "message.deleted")
            assert deleted["message"]["is_deleted"] and "This message was deleted." in deleted["html"]
        finally:
            await a.disconnect()
            await b.disconnect()

    async_to_sync(scenario)()
    assert (
        ChatMember.objects.get(chat=ws_chat, user=ann).last_read_message_id == Message.objects.latest("id").pk
    )


def test_bad_input_over_the_socket_is_an_error_frame_and_changes_nothing(application, ws_people, ws_chat):
    ann, _ben, _out = ws_people
    as_ann = _headers(ann)

    async def scenario():
        a = _communicator(application, ws_chat.pk, as_ann)
        assert (await a.connect(timeout=TIMEOUT))[0]
        try:
            await a.send_json_to({"type": "message", "body": "   "})
            error = await _next_of(a, "error")
            assert "body" in error["fields"]
            await a.send_json_to({"type": "dance"})
            assert (await _next_of(a, "error"))["message"] == "Unknown message type."
        finally:
            await a.disconnect()

    async_to_sync(scenario)()
    assert not Message.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_non_members_are_refused_before_accept(application, ws_people, ws_chat, who):
    headers = _headers(ws_people[2] if who == "outsider" else None)

    async def scenario():
        communicator = _communicator(application, ws_chat.pk, headers)
        connected, _code = await communicator.connect(timeout=TIMEOUT)
        assert not connected
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_a_missing_chat_is_refused(application, ws_people, ws_chat):
    headers = _headers(ws_people[0])

    async def scenario():
        communicator = _communicator(application, ws_chat.pk + 1000, headers)
        assert not (await communicator.connect(timeout=TIMEOUT))[0]
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_a_removed_member_is_disconnected(application, ws_people, ws_chat):
    ann, ben, _out = ws_people
    as_ben = _headers(ben)

    async def scenario():
        b = _communicator(application, ws_chat.pk, as_ben)
        assert (await b.connect(timeout=TIMEOUT))[0]
        await database_sync_to_async(services.chat_member_remove)(actor=ann, chat=ws_chat, user=ben)
        frame = await _next_of(b, "member.removed")
        assert frame["user_id"] == ben.pk
        output = await b.receive_output(timeout=TIMEOUT)
        assert output["type"] == "websocket.close"
        # Nothing more arrives for Ben from this chat.
        await database_sync_to_async(services.message_send)(actor=ann, chat=ws_chat, body="after")
        await asyncio.sleep(0.2)
        assert await b.receive_nothing(timeout=0.3)

    async_to_sync(scenario)()


@pytest.mark.redis
def test_an_idle_socket_stays_open_on_the_redis_layer(application, ws_people, ws_chat):
    """channels_redis waits for messages with a blocking pop of 5 s; the Redis client's socket timeout
    must be longer, or every idle consumer dies after a few seconds (and misses what follows)."""
    ann, ben, _out = ws_people
    as_ben = _headers(ben)

    async def scenario():
        b = _communicator(application, ws_chat.pk, as_ben)
        assert (await b.connect(timeout=TIMEOUT))[0]
        try:
            await asyncio.sleep(7)
            await database_sync_to_async(services.message_send)(actor=ann, chat=ws_chat, body="still there?")
            assert (await _next_of(b, "message.new"))["message"]["body"] == "still there?"
        finally:
            await b.disconnect()

    async_to_sync(scenario)()


def test_socket_errors_and_messages_come_in_the_connected_persons_language(application, ws_people, ws_chat):
    """The server's default language is English; a Russian member reads the socket's errors in Russian."""
    ann, ben, _out = ws_people
    type(ben).objects.filter(pk=ben.pk).update(language="ru", time_zone="Europe/Moscow")
    ben.refresh_from_db()
    as_ann, as_ben = _headers(ann), _headers(ben)

    async def scenario():
        a = _communicator(application, ws_chat.pk, as_ann)
        b = _communicator(application, ws_chat.pk, as_ben)
        assert (await a.connect(timeout=TIMEOUT))[0]
        assert (await b.connect(timeout=TIMEOUT))[0]
        try:
            await b.send_json_to({"type": "dance"})
            error = await _next_of(b, "error")
            assert error["message"] == "Неизвестный тип сообщения."
            await b.send_json_to(["not", "an", "object"])
            assert (await _next_of(b, "error"))["message"] != "Send a JSON object."
            await b.send_json_to({"type": "message", "body": 5})
            assert (await _next_of(b, "error"))["message"] != "Send the message as text."
            # The English member in the same chat still reads English.
            await a.send_json_to({"type": "dance"})
            assert (await _next_of(a, "error"))["message"] == "Unknown message type."
            # A deleted message's HTML, rendered for each reader in their language.
            message = await database_sync_to_async(services.message_send)(actor=ann, chat=ws_chat, body="Hi")
            await database_sync_to_async(services.message_delete)(actor=ann, message=message)
            deleted = await _next_of(b, "message.deleted")
            assert "This message was deleted." not in deleted["html"]
            assert "This message was deleted." in (await _next_of(a, "message.deleted"))["html"]
        finally:
            await a.disconnect()
            await b.disconnect()

    async_to_sync(scenario)()
