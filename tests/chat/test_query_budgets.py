"""Query budgets: the chat list and the message history cost the same at 10 and at 1,000 rows."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.chat.choices import ChatKind
from portal.chat.models import Chat, ChatMember, Message, direct_key_for
from tests.people.factories import UserFactory
from tests.utils import assert_query_budget, client_as

pytestmark = pytest.mark.django_db


def _add_chats(user, count: int) -> None:
    """`count` chats of `user` (every other one direct), each with a message from the other side."""
    start = Chat.objects.count()
    others = [UserFactory() for _ in range(3)]
    chats = []
    for i in range(count):
        n = start + i
        if i % 2:
            partner = UserFactory.build(email=f"partner{n}@acme.test")
            partner.save()
            chats.append(
                (Chat(kind=ChatKind.DIRECT, direct_key=direct_key_for(user.pk, partner.pk)), [user, partner])
            )
        else:
            chats.append((Chat(kind=ChatKind.GROUP, title=f"Team {n}", created_by=user), [user, *others]))
    created = Chat.objects.bulk_create([c for c, _m in chats])
    ChatMember.objects.bulk_create(
        [
            ChatMember(chat=chat, user=member)
            for chat, (_c, members) in zip(created, chats, strict=True)
            for member in members
        ]
    )
    messages = Message.objects.bulk_create(
        [
            Message(chat=chat, author=members[-1], body=f"hello {chat.pk}")
            for chat, (_c, members) in zip(created, chats, strict=True)
        ]
    )
    now = timezone.now()
    for chat, message in zip(created, messages, strict=True):
        chat.last_message, chat.last_message_at = message, now
    Chat.objects.bulk_update(created, ["last_message", "last_message_at"])


def _add_messages(chat, authors, count: int) -> None:
    Message.objects.bulk_create(
        [Message(chat=chat, author=authors[i % len(authors)], body=f"message {i}") for i in range(count)]
    )


@pytest.fixture
def reader(db):
    return UserFactory(email="reader@acme.test")


def _get_ok(client, url, **params):
    """A GET that must succeed; called once here so that per-process warm-up queries are not counted."""

    def call():
        response = client.get(url, params)
        assert response.status_code == 200
        return response

    call()
    return call


def test_chat_list_page_budget(reader):
    _add_chats(reader, 10)
    assert_query_budget(
        _get_ok(client_as(reader), reverse("chat:list")), lambda: _add_chats(reader, 990), budget=14
    )


def test_chat_list_api_budget(reader):
    _add_chats(reader, 10)
    assert_query_budget(
        _get_ok(client_as(reader), "/api/v1/chat/chats/"), lambda: _add_chats(reader, 990), budget=8
    )


@pytest.fixture
def busy_chat(reader):
    other = UserFactory()
    chat = Chat.objects.create(kind=ChatKind.GROUP, title="Busy", created_by=reader)
    ChatMember.objects.bulk_create(
        [ChatMember(chat=chat, user=reader)]
        + [ChatMember(chat=chat, user=UserFactory()) for _ in range(5)]
        + [ChatMember(chat=chat, user=other)]
    )
    _add_messages(chat, [reader, other], 10)
    return chat, [reader, other]


def test_message_history_page_budget(reader, busy_chat):
    chat, authors = busy_chat
    page = _get_ok(client_as(reader), reverse("chat:detail", args=[chat.pk]))

    def unread_then_open():
        # Opening the chat marks it read: start every measured call with unread messages (one query).
        ChatMember.objects.filter(chat=chat, user=reader).update(last_read_message_id=0)
        page()

    assert_query_budget(unread_then_open, lambda: _add_messages(chat, authors, 990), budget=17)


def test_older_messages_partial_budget(reader, busy_chat):
    chat, authors = busy_chat
    assert_query_budget(
        _get_ok(client_as(reader), reverse("chat:messages", args=[chat.pk]), before=10**9),
        lambda: _add_messages(chat, authors, 990),
        budget=8,
    )


def test_message_history_api_budget(reader, busy_chat):
    chat, authors = busy_chat
    assert_query_budget(
        _get_ok(client_as(reader), f"/api/v1/chat/chats/{chat.pk}/messages/"),
        lambda: _add_messages(chat, authors, 990),
        budget=8,
    )
