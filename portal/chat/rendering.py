"""Rendering one message for one reader: the same partial serves the page, htmx swaps and live events."""

from __future__ import annotations

from django.template.loader import render_to_string

from . import selectors
from .actions import message_actions
from .annotations import message_annotations
from .models import Chat, ChatMember, Message


def message_context(*, message: Message, viewer, chat: Chat, seen: list, annotations=None) -> dict:
    return {
        "message": message,
        "chat": chat,
        "viewer": viewer,
        "mine": message.author_id == viewer.pk,
        "seen": seen,
        "actions": message_actions(viewer, message),
        "annotations": annotations or [],
    }


def render_message(*, message: Message, viewer, members: list[ChatMember] | None = None, request=None) -> str:
    """The HTML of one message as `viewer` sees it (their own messages get the edit and delete menu)."""
    chat = message.chat
    if members is None:
        members = list(ChatMember.objects.filter(chat_id=chat.pk).select_related("user"))
    seen = selectors.seen_by([message], members)[message.pk]
    notes = message_annotations(viewer, [message])[message.pk]
    context = message_context(message=message, viewer=viewer, chat=chat, seen=seen, annotations=notes)
    return render_to_string("chat/partials/message.html", context, request=request)


def history_items(*, messages: list[Message], viewer, chat: Chat, members: list[ChatMember]) -> list[dict]:
    """Contexts for a list of messages, the "seen by" lists computed once from the members' read marks."""
    seen = selectors.seen_by(messages, members)
    notes = message_annotations(viewer, messages)
    return [
        message_context(message=m, viewer=viewer, chat=chat, seen=seen[m.pk], annotations=notes[m.pk])
        for m in messages
    ]
