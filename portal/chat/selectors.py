"""Every read of chats, members and messages, already filtered to what the user may see.

A chat the user is not a member of answers 404, exactly like a chat that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from portal.core.permissions import get_visible

from .choices import ChatKind
from .models import Chat, ChatMember, Message, MessageAttachment

PAGE_SIZE = 50


def _unread_subquery(user) -> Subquery:
    """Messages after the member's last read one, not written by them and not deleted."""
    my_last_read = ChatMember.objects.filter(chat=OuterRef(OuterRef("pk")), user=user).values(
        "last_read_message_id"
    )[:1]
    newer = (
        Message.objects.filter(chat=OuterRef("pk"), id__gt=Subquery(my_last_read), deleted_at__isnull=True)
        .exclude(author=user)
        .order_by()
        .values("chat")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Subquery(newer, output_field=IntegerField())


def _with_list_data(chats: QuerySet[Chat], user) -> QuerySet[Chat]:
    return (
        chats.select_related("last_message__author", "last_message__attachment", "workgroup")
        .annotate(unread=Coalesce(_unread_subquery(user), Value(0)))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=ChatMember.objects.filter(chat__kind=ChatKind.DIRECT)
                .exclude(user=user)
                .select_related("user"),
                to_attr="direct_others",
            )
        )
    )


def chat_list(*, user, query: str = "") -> QuerySet[Chat]:
    """My chats, most recently active first, each with `unread` and (direct chats) `direct_others`.

    `query` matches a group chat's title or the other person's name of a direct chat.
    """
    chats = Chat.objects.visible_to(user)
    query = (query or "").strip()
    if query:
        people = get_user_model().objects.filter(
            Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(email__icontains=query)
        )
        direct = ChatMember.objects.filter(chat__kind=ChatKind.DIRECT, user__in=people).exclude(user=user)
        chats = chats.filter(Q(title__icontains=query) | Q(pk__in=direct.values("chat_id")))
    return _with_list_data(chats, user)


def chat_get(*, user, pk) -> Chat:
    """One chat I am a member of (404 otherwise), with `unread` for me."""
    chats = (
        Chat.objects.visible_to(user)
        .select_related("workgroup", "created_by")
        .annotate(unread=Coalesce(_unread_subquery(user), Value(0)))
    )
    return get_visible(chats, pk=pk)


def chat_members(*, user, chat: Chat) -> QuerySet[ChatMember]:
    """The members of a chat I am in, creator first, then by name."""
    if not Chat.objects.visible_to(user).filter(pk=chat.pk).exists():
        return ChatMember.objects.none()
    return ChatMember.objects.filter(chat=chat).select_related("user").order_by("user__first_name", "user_id")


def membership_of(*, user, chat_id: int) -> ChatMember | None:
    if not (user and user.is_authenticated and user.is_active):
        return None
    return ChatMember.objects.filter(chat_id=chat_id, user=user).first()


def is_member(*, user, chat_id: int) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return ChatMember.objects.filter(chat_id=chat_id, user=user).exists()


@dataclass
class MessagePage:
    """A slice of a chat's history in reading order (oldest first), and whether older messages exist."""

    messages: list[Message]
    has_older: bool

    @property
    def oldest_id(self) -> int | None:
        return self.messages[0].pk if self.messages else None


def message_qs(*, user, chat: Chat) -> QuerySet[Message]:
    """A chat's messages I may read (all of them when I am a member, none otherwise)."""
    return Message.objects.visible_to(user).filter(chat=chat).select_related("author", "attachment")


def message_page(*, user, chat: Chat, before: int | None = None, limit: int = PAGE_SIZE) -> MessagePage:
    """The newest `limit` messages older than message id `before` (keyset pagination: cost independent of depth)."""
    qs = message_qs(user=user, chat=chat).order_by("-id")
    if before:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: limit + 1])
    has_older = len(rows) > limit
    return MessagePage(messages=list(reversed(rows[:limit])), has_older=has_older)


def message_get(*, user, pk, chat: Chat | None = None) -> Message:
    """One message of a chat I am in; 404 otherwise (and when it belongs to another chat than `chat`)."""
    qs = Message.objects.visible_to(user).select_related("author", "chat", "attachment")
    if chat is not None:
        qs = qs.filter(chat=chat)
    return get_visible(qs, pk=pk)


def attachment_queryset(request, **_url_kwargs) -> QuerySet[MessageAttachment]:
    """Files of the live messages of the chats the requesting user is in (for core's download view)."""
    visible = Message.objects.visible_to(request.user).filter(deleted_at__isnull=True)
    return MessageAttachment.objects.filter(message__in=visible)


def seen_by(messages: list[Message], members: list[ChatMember]) -> dict[int, list]:
    """Per message id: the members (other than its author) whose last read message is at or after it."""
    result: dict[int, list] = {}
    for message in messages:
        result[message.pk] = [
            m.user
            for m in members
            if m.user_id != message.author_id
            and m.last_read_message_id >= message.pk
            and not message.is_deleted
        ]
    return result


def unread_counts(user_ids: list[int]) -> dict[int, int]:
    """Unread messages across all chats of each person, in one query (the `chat.unread` counter)."""
    ids = [int(i) for i in user_ids]
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    unread = (
        Q(chat__messages__id__gt=F("last_read_message_id"))
        & Q(chat__messages__deleted_at__isnull=True)
        & (Q(chat__messages__author_id__isnull=True) | ~Q(chat__messages__author_id=F("user_id")))
    )
    rows = (
        ChatMember.objects.filter(user_id__in=ids)
        .order_by()
        .values("user_id")
        .annotate(n=Count("chat__messages", filter=unread))
    )
    for row in rows:
        counts[row["user_id"]] = row["n"]
    return counts


def people_for_chat(*, user, query: str = "", exclude_chat: Chat | None = None, limit: int = 20):
    """Active colleagues to start a chat with or to add to one, matching a name or e-mail."""
    people = get_user_model().objects.visible_to(user).filter(is_active=True).exclude(pk=user.pk)
    query = (query or "").strip()
    if query:
        for word in query.split()[:3]:
            people = people.filter(
                Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
            )
    if exclude_chat is not None:
        people = people.exclude(chat_memberships__chat=exclude_chat)
    return people.order_by("first_name", "last_name", "id")[:limit]
