"""Chats: direct chats between two people, group chats (optionally a workgroup's), members and messages.

`Chat.objects.visible_to(user)` is the choke point: a chat is seen by its members only (admins too
read only the chats they are in). Everything a reader may not see answers 404.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.core.attachments import AttachmentBase
from portal.core.links import url_for_pk
from portal.core.models import TimeStampedModel

from .choices import ChatKind


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def direct_key_for(user_a_id: int, user_b_id: int) -> str:
    """The one key of the direct chat between two people, whatever the order they are named in."""
    low, high = sorted((int(user_a_id), int(user_b_id)))
    return f"{low}:{high}"


class ChatQuerySet(models.QuerySet):
    def visible_to(self, user) -> ChatQuerySet:
        """Chats the user is a member of. Nobody else reads a chat, portal admins included."""
        if not _active(user):
            return self.none()
        return self.filter(Exists(ChatMember.objects.filter(chat=OuterRef("pk"), user=user)))


class Chat(TimeStampedModel):
    """A conversation: a direct chat of exactly two people, or a named group chat."""

    kind = models.CharField(_("kind"), max_length=16, choices=ChatKind.choices, default=ChatKind.GROUP)
    title = models.CharField(_("title"), max_length=200, blank=True)
    # "<lower id>:<higher id>" for direct chats, so that a pair has one chat only; NULL for group chats.
    direct_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    workgroup = models.OneToOneField(
        "workgroups.Workgroup",
        verbose_name=_("workgroup"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="chat",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chats_created",
    )
    # Denormalised for the chat list: one join instead of a subquery per row.
    last_message = models.ForeignKey(
        "Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    last_message_at = models.DateTimeField(null=True, blank=True, editable=False)
    members_count = models.PositiveIntegerField(default=0, editable=False)

    objects = ChatQuerySet.as_manager()

    class Meta:
        verbose_name = _("chat")
        ordering = [models.F("last_message_at").desc(nulls_last=True), "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=ChatKind.DIRECT) & Q(direct_key__isnull=False) & Q(workgroup__isnull=True))
                | (Q(kind=ChatKind.GROUP) & Q(direct_key__isnull=True)),
                name="chat_kind_fields",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return url_for_pk("chat:detail", self.pk)

    @property
    def is_direct(self) -> bool:
        return self.kind == ChatKind.DIRECT

    def display_title(self, viewer) -> str:
        """What the viewer calls this chat: the other person's name for a direct chat."""
        if self.is_direct:
            other = self.other_member(viewer)
            if other is not None:
                return other.full_name or other.email
        return self.title or str(self)

    def other_member(self, viewer):
        """The other person of a direct chat (from prefetched memberships when there are some)."""
        for membership in self.memberships.all():
            if membership.user_id != getattr(viewer, "pk", None):
                return membership.user
        return None


class ChatMember(models.Model):
    """A person's membership of a chat, with how far they have read."""

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_memberships"
    )
    # The id of the newest message this person has seen; unread = newer messages by others.
    last_read_message_id = models.PositiveBigIntegerField(default=0)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chat member")
        ordering = ["chat", "joined_at", "id"]
        constraints = [models.UniqueConstraint(fields=["chat", "user"], name="chatmember_unique")]
        indexes = [models.Index(fields=["user", "chat"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.chat}"


class MessageQuerySet(models.QuerySet):
    def visible_to(self, user) -> MessageQuerySet:
        """Messages of the chats the user is a member of."""
        if not _active(user):
            return self.none()
        return self.filter(Exists(ChatMember.objects.filter(chat=OuterRef("chat_id"), user=user)))


def attachment_path(instance, filename: str) -> str:
    """Where files went before `attachment_upload_to`; the first migration still names it."""
    return f"chat/{instance.chat_id}/{filename}"


class Message(models.Model):
    """A message in a chat: text with @mentions and an optional file. Deleting keeps a "deleted" stub."""

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="chat_messages"
    )
    body = models.TextField(_("message"), blank=True, max_length=10_000)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        ordering = ["id"]
        indexes = [models.Index(fields=["chat", "id"])]

    def __str__(self) -> str:
        return f"#{self.pk} in chat {self.chat_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_edited(self) -> bool:
        return self.edited_at is not None and not self.is_deleted

    @property
    def file(self) -> MessageAttachment | None:
        """The message's attachment row, or None (select_related("attachment") to read it for free)."""
        try:
            return self.attachment
        except MessageAttachment.DoesNotExist:
            return None

    @property
    def has_attachment(self) -> bool:
        return not self.is_deleted and self.file is not None

    # What pages, the API and the admin show of the file; empty when there is none (or it was deleted).
    @property
    def attachment_name(self) -> str:
        return self.file.name if self.has_attachment else ""

    @property
    def attachment_size(self) -> int:
        return self.file.size if self.has_attachment else 0

    @property
    def attachment_type(self) -> str:
        return self.file.content_type if self.has_attachment else ""

    @property
    def attachment_extension(self) -> str:
        return self.file.extension if self.has_attachment else ""

    def get_attachment_url(self) -> str:
        return reverse("chat:attachment", args=[self.pk])


class MessageAttachment(AttachmentBase):
    """The file of a chat message (one at most). Pictures show inline in the chat; others download."""

    storage_folder = "chat"
    storage_owner_field = "message"
    download_url_name = "chat:attachment"

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="attachment")

    class Meta:
        verbose_name = _("chat file")

    def get_download_url(self) -> str:
        # The chat's file URL names the message (as it did before files had rows of their own).
        return reverse(self.download_url_name, args=[self.message_id])
