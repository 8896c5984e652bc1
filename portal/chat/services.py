"""Every write to chats, their members and messages.

Services are keyword-only and atomic. A chat the actor is not a member of answers 404 (its existence does
not leak); an action in a chat one is in but without the right answers 403; bad input raises
ValidationError with a field dict and changes nothing. After commit, services broadcast the change to the
chat's open pages (`realtime.broadcast`) and have the `chat.unread` counter recounted.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.core.attachments import attachment_files_discard, attachment_store
from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotAllowed, NotFound

from . import realtime
from .choices import ChatKind
from .models import Chat, ChatMember, Message, MessageAttachment, direct_key_for

log = logging.getLogger(__name__)

DEFAULT_FILE_MAX_BYTES = 25 * 1024 * 1024
MESSAGE_MAX_LENGTH = 10_000
TITLE_MAX_LENGTH = 200
# "@ethan", "@ethan.walker", "@sales.manager": a word after "@" that is not part of an e-mail address.
MENTION_RE = re.compile(r"(?<![\w@./])@([A-Za-z0-9](?:[\w.\-]*\w)?)", re.UNICODE)


def file_max_bytes() -> int:
    return int(getattr(settings, "LUMEN_CHAT_FILE_MAX_BYTES", DEFAULT_FILE_MAX_BYTES))


# --- guards ------------------------------------------------------------------------------------------


def _require_actor(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise NotAllowed(_("Sign in first."))


def _membership(actor, chat: Chat) -> ChatMember:
    """The actor's membership, or 404: outsiders (admins included) do not learn that the chat exists."""
    _require_actor(actor)
    membership = ChatMember.objects.filter(chat_id=chat.pk, user=actor).first()
    if membership is None:
        raise NotFound("No chat matches the given query.")
    return membership


def _require_manageable(actor, chat: Chat) -> None:
    """Members of a group chat are managed by its creator; a workgroup's chat follows the workgroup."""
    if chat.kind == ChatKind.DIRECT:
        raise Invalid({"chat": [_("A direct chat always has the same two people.")]})
    if chat.workgroup_id:
        raise Invalid({"chat": [_("This chat follows its workgroup: add and remove members in the group.")]})
    if chat.created_by_id != actor.pk:
        raise NotAllowed(_("Only the chat's creator adds and removes members."))


def _clean_user(user, *, field: str = "user"):
    if user is None or not getattr(user, "is_active", False):
        raise Invalid({field: [_("Choose an active colleague.")]})
    return user


def _set_members_count(chat: Chat) -> None:
    count = ChatMember.objects.filter(chat=chat).count()
    Chat.objects.filter(pk=chat.pk).update(members_count=count)
    chat.members_count = count


def _member_ids(chat: Chat) -> list[int]:
    return list(ChatMember.objects.filter(chat=chat).values_list("user_id", flat=True))


# --- chats -------------------------------------------------------------------------------------------


@transaction.atomic
def chat_direct_open(*, actor, other) -> Chat:
    """The direct chat between the actor and `other`, created on first use (one chat per pair)."""
    _require_actor(actor)
    _clean_user(other)
    if other.pk == actor.pk:
        raise Invalid({"user": [_("Choose someone other than yourself.")]})
    key = direct_key_for(actor.pk, other.pk)
    chat = Chat.objects.filter(direct_key=key).first()
    if chat is not None:
        return chat
    try:
        with transaction.atomic():
            chat = Chat.objects.create(
                kind=ChatKind.DIRECT, direct_key=key, created_by=actor, members_count=2
            )
    except IntegrityError:  # the other person opened it at the same moment
        return Chat.objects.get(direct_key=key)
    ChatMember.objects.bulk_create([ChatMember(chat=chat, user=actor), ChatMember(chat=chat, user=other)])
    audit_record(actor=actor, action="chat.direct_open", target=chat, changes={"user": other})
    return chat


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise Invalid({"title": [_("Give the chat a name.")]})
    if len(title) > TITLE_MAX_LENGTH:
        raise Invalid({"title": [_("Keep the name under %(n)d characters.") % {"n": TITLE_MAX_LENGTH + 1}]})
    return title


@transaction.atomic
def chat_group_create(*, actor, title: str, members=()) -> Chat:
    """A named group chat of the actor (its creator, who manages its members) and `members`."""
    _require_actor(actor)
    title = _clean_title(title)
    people = {actor.pk: actor}
    for user in members or ():
        _clean_user(user, field="members")
        people.setdefault(user.pk, user)
    chat = Chat.objects.create(kind=ChatKind.GROUP, title=title, created_by=actor, members_count=len(people))
    ChatMember.objects.bulk_create([ChatMember(chat=chat, user=user) for user in people.values()])
    audit_record(
        actor=actor, action="chat.create", target=chat, changes={"title": title, "members": len(people)}
    )
    return chat


@transaction.atomic
def chat_workgroup_open(*, actor, group) -> Chat:
    """The chat of a workgroup, created on first use by one of its members; its members follow the group."""
    from portal.groups.models import Membership, Workgroup

    _require_actor(actor)
    if not Workgroup.objects.visible_to(actor).filter(pk=group.pk).exists():
        raise NotFound("No workgroup matches the given query.")
    if not Membership.objects.filter(group=group, user=actor).exists():
        raise NotAllowed(_("Only the group's members take part in its chat."))
    chat = Chat.objects.filter(workgroup=group).first()
    if chat is not None:
        return chat
    try:
        with transaction.atomic():
            chat = Chat.objects.create(
                kind=ChatKind.GROUP, title=group.name[:TITLE_MAX_LENGTH], workgroup=group, created_by=actor
            )
    except IntegrityError:
        return Chat.objects.get(workgroup=group)
    user_ids = Membership.objects.filter(group=group, user__is_active=True).values_list("user_id", flat=True)
    ChatMember.objects.bulk_create([ChatMember(chat=chat, user_id=uid) for uid in user_ids])
    _set_members_count(chat)
    audit_record(actor=actor, action="chat.create", target=chat, changes={"workgroup": group})
    return chat


@transaction.atomic
def chat_member_add(*, actor, chat: Chat, user) -> ChatMember:
    """Add a colleague to a group chat (its creator only). They see the whole history."""
    _membership(actor, chat)
    _require_manageable(actor, chat)
    _clean_user(user)
    if ChatMember.objects.filter(chat=chat, user=user).exists():
        raise Invalid({"user": [_("%(name)s is in this chat already.") % {"name": user}]})
    try:
        with transaction.atomic():
            membership = ChatMember.objects.create(chat=chat, user=user)
    except IntegrityError as exc:
        raise Invalid({"user": [_("%(name)s is in this chat already.") % {"name": user}]}) from exc
    _set_members_count(chat)
    audit_record(actor=actor, action="chat.member_add", target=chat, changes={"user": user})
    realtime.broadcast(chat.pk, {"type": "member.added", "user_id": user.pk, "user_name": str(user)})
    realtime.recount_unread([user.pk])
    return membership


@transaction.atomic
def chat_member_remove(*, actor, chat: Chat, user) -> None:
    """Remove someone from a group chat (the creator removes anyone but themselves; anyone may leave)."""
    _membership(actor, chat)
    if user.pk != actor.pk:
        _require_manageable(actor, chat)
    elif chat.kind == ChatKind.DIRECT or chat.workgroup_id:
        _require_manageable(actor, chat)  # raises the reason
    if chat.kind == ChatKind.GROUP and user.pk == chat.created_by_id and not chat.workgroup_id:
        raise Invalid({"user": [_("The chat's creator stays in it (they manage its members).")]})
    deleted, _rows = ChatMember.objects.filter(chat=chat, user=user).delete()
    if not deleted:
        raise Invalid({"user": [_("%(name)s is not in this chat.") % {"name": user}]})
    _set_members_count(chat)
    action = "chat.leave" if user.pk == actor.pk else "chat.member_remove"
    audit_record(actor=actor, action=action, target=chat, changes={"user": user})
    realtime.broadcast(chat.pk, {"type": "member.removed", "user_id": user.pk, "user_name": str(user)})
    realtime.recount_unread([user.pk])


def workgroup_member_joined(*, group_id: int, user_id: int) -> None:
    """Keep a workgroup's chat in step: a new group member joins its chat (called from a signal)."""
    chat = Chat.objects.filter(workgroup_id=group_id).first()
    if chat is None:
        return
    with transaction.atomic():
        _created = ChatMember.objects.get_or_create(chat=chat, user_id=user_id)[1]
        if _created:
            _set_members_count(chat)
            realtime.broadcast(chat.pk, {"type": "member.added", "user_id": user_id, "user_name": ""})
            realtime.recount_unread([user_id])


def workgroup_member_left(*, group_id: int, user_id: int) -> None:
    """Keep a workgroup's chat in step: who leaves the group leaves its chat (called from a signal)."""
    chat = Chat.objects.filter(workgroup_id=group_id).first()
    if chat is None:
        return
    with transaction.atomic():
        deleted, _rows = ChatMember.objects.filter(chat=chat, user_id=user_id).delete()
        if deleted:
            _set_members_count(chat)
            realtime.broadcast(chat.pk, {"type": "member.removed", "user_id": user_id, "user_name": ""})
            realtime.recount_unread([user_id])


# --- messages ----------------------------------------------------------------------------------------


def _clean_body(body: str | None) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) > MESSAGE_MAX_LENGTH:
        raise Invalid(
            {"body": [_("Keep the message under %(n)d characters.") % {"n": MESSAGE_MAX_LENGTH + 1}]}
        )
    return body


def _attachment_store(*, actor, message: Message, attachment: UploadedFile) -> MessageAttachment:
    """The file part goes through core's attachments: size limit, type detected from the bytes,
    pictures re-encoded (they show inline) and given a thumbnail."""
    return attachment_store(
        model=MessageAttachment,
        actor=actor,
        upload=attachment,
        field="attachment",
        max_bytes=file_max_bytes(),
        message=message,
    )


def mentioned_members(*, chat: Chat, body: str, author_id: int | None) -> list:
    """Members of the chat named with "@" in `body`: by e-mail name (@ethan.walker), first name or
    first.last, case-insensitive. Nobody outside the chat is ever notified (they could not read it)."""
    words = {w.lower().rstrip(".") for w in MENTION_RE.findall(body or "")}
    if not words:
        return []
    found = []
    members = [m.user for m in ChatMember.objects.filter(chat=chat).select_related("user")]
    for user in members:
        if user.pk == author_id:
            continue
        names = {
            user.email.split("@", 1)[0].lower(),
            user.first_name.lower(),
            f"{user.first_name}.{user.last_name}".lower(),
        }
        if names & words:
            found.append(user)
    return found


def _notify_mentions(*, actor, chat: Chat, message: Message) -> None:
    recipients = mentioned_members(chat=chat, body=message.body, author_id=actor.pk)
    if not recipients:
        return
    try:
        from portal.notifications.services import notify
    except ImportError:  # notifications are not installed (yet): the mention is still shown
        return
    name = actor.full_name or actor.email
    if chat.is_direct:
        title = i18n.message(gettext_lazy("%(name)s mentioned you in a direct chat"), name=name)
    else:
        # Each recipient reads it in their own language: an unnamed chat's title is translated, too.
        title = i18n.message(
            gettext_lazy("%(name)s mentioned you in “%(chat)s”"),
            name=name,
            chat=i18n.deferred(chat.display_title, None),
        )
    notify(
        recipients=recipients,
        kind="mention",
        title=title,
        actor=actor,
        body=message.body[:300],
        url=f"{chat.get_absolute_url()}#message-{message.pk}",
        target=message,
    )


@transaction.atomic
def message_send(*, actor, chat: Chat, body: str, attachment: UploadedFile | None = None) -> Message:
    """Post a message (text, a file, or both) to a chat the actor is in.

    After commit the chat's open pages receive it and the other members' `chat.unread` is recounted;
    mentioned members get a notification.
    """
    membership = _membership(actor, chat)
    body = _clean_body(body)
    if not body and attachment is None:
        raise Invalid({"body": [_("Write a message or attach a file.")]})
    message = Message.objects.create(chat=chat, author=actor, body=body)
    if attachment is not None:
        # A refused file raises Invalid and this transaction takes the message back with it.
        _attachment_store(actor=actor, message=message, attachment=attachment)
    Chat.objects.filter(pk=chat.pk).update(last_message=message, last_message_at=message.created_at)
    chat.last_message, chat.last_message_at = message, message.created_at
    # The author has read their own message (and everything before it).
    ChatMember.objects.filter(pk=membership.pk).update(last_read_message_id=message.pk)
    _notify_mentions(actor=actor, chat=chat, message=message)
    realtime.broadcast(chat.pk, {"type": "message.new", "message_id": message.pk, "author_id": actor.pk})
    realtime.recount_unread([uid for uid in _member_ids(chat) if uid != actor.pk])
    return message


def _require_author(actor, message: Message) -> None:
    if message.author_id != actor.pk:
        raise NotAllowed(_("Only the author changes a message."))
    if message.is_deleted:
        raise Invalid({"message": [_("This message was deleted.")]})


@transaction.atomic
def message_edit(*, actor, message: Message, body: str) -> Message:
    """Change the text of one's own message; it shows "edited" from then on."""
    _membership(actor, message.chat)
    message = Message.objects.select_for_update().get(pk=message.pk)
    _require_author(actor, message)
    body = _clean_body(body)
    if not body and not message.attachment_name:
        raise Invalid({"body": [_("A message needs text; delete it instead.")]})
    if body == message.body:
        return message
    old = message.body
    message.body = body
    message.edited_at = timezone.now()
    message.save(update_fields=["body", "edited_at"])
    audit_record(actor=actor, action="chat.message_edit", target=message, changes={"body": [old, body]})
    realtime.broadcast(message.chat_id, {"type": "message.edited", "message_id": message.pk})
    return message


@transaction.atomic
def message_delete(*, actor, message: Message) -> Message:
    """Delete one's own message: its text and file go, a "deleted" stub stays in the history."""
    chat = message.chat
    _membership(actor, chat)
    message = Message.objects.select_for_update().get(pk=message.pk)
    _require_author(actor, message)
    attached = message.file
    old = {"body": message.body, "attachment": message.attachment_name}
    message.body = ""
    message.deleted_at = timezone.now()
    message.save(update_fields=["body", "deleted_at"])
    if attached is not None:
        MessageAttachment.objects.filter(pk=attached.pk).delete()
        attachment_files_discard(attached)
    audit_record(actor=actor, action="chat.message_delete", target=message, changes=old)
    realtime.broadcast(chat.pk, {"type": "message.deleted", "message_id": message.pk})
    realtime.recount_unread([uid for uid in _member_ids(chat) if uid != actor.pk])
    return message


@transaction.atomic
def chat_mark_read(*, actor, chat: Chat, message_id: int | None = None) -> ChatMember:
    """Mark the chat read up to `message_id` (default: its newest message). Never moves backwards.

    The other members' pages get a read receipt; the actor's `chat.unread` is recounted.
    """
    membership = _membership(actor, chat)
    newest = Message.objects.filter(chat=chat).aggregate(newest=Max("id"))["newest"] or 0
    target = newest if message_id is None else min(int(message_id), newest)
    if target <= membership.last_read_message_id:
        return membership
    moved = ChatMember.objects.filter(pk=membership.pk, last_read_message_id__lt=target).update(
        last_read_message_id=target
    )
    membership.last_read_message_id = target
    if moved:
        realtime.broadcast(
            chat.pk,
            {
                "type": "read",
                "user_id": actor.pk,
                "user_name": actor.full_name or actor.email,
                "last_read_message_id": target,
            },
        )
        realtime.recount_unread([actor.pk])
    return membership
