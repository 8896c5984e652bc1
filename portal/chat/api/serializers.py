"""Serializers of the chat API. They shape data and validate input; the services hold the rules."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import ChatKind
from ..models import Chat, ChatMember, Message


@extend_schema_field({"type": "string", "pattern": "^(direct|group)$", "description": "`direct` or `group`."})
class ChatKindField(serializers.ChoiceField):
    """The chat's kind. Described inline in the schema: a named enum would collide with other apps' `kind`."""

    def __init__(self, **kwargs):
        super().__init__(choices=ChatKind.choices, **kwargs)


class PersonBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.full_name or user.email, "email": user.email}


class AttachmentSerializer(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    url = serializers.CharField()


class MessageSerializer(serializers.ModelSerializer):
    """A message. `seen_by` lists the ids of members (other than the author) who have read it."""

    chat = serializers.IntegerField(source="chat_id", read_only=True)
    author = serializers.SerializerMethodField()
    attachment = serializers.SerializerMethodField()
    seen_by = serializers.SerializerMethodField()
    is_edited = serializers.BooleanField(read_only=True)
    is_deleted = serializers.BooleanField(read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "chat",
            "author",
            "body",
            "attachment",
            "created_at",
            "edited_at",
            "deleted_at",
            "is_edited",
            "is_deleted",
            "seen_by",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonBriefSerializer(allow_null=True))
    def get_author(self, message) -> dict | None:
        return _person(message.author)

    @extend_schema_field(AttachmentSerializer(allow_null=True))
    def get_attachment(self, message) -> dict | None:
        if not message.has_attachment:
            return None
        return {
            "name": message.attachment_name,
            "size": message.attachment_size,
            "content_type": message.attachment_type,
            "url": message.get_attachment_url(),
        }

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_seen_by(self, message) -> list[int]:
        members = self.context.get("members")
        if members is None or message.is_deleted:
            return []
        return [
            m.user_id
            for m in members
            if m.user_id != message.author_id and m.last_read_message_id >= message.pk
        ]


class LastMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = PersonBriefSerializer(allow_null=True)
    body = serializers.CharField()
    has_attachment = serializers.BooleanField()
    is_deleted = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class ChatSerializer(serializers.ModelSerializer):
    """A chat as the caller sees it: a direct chat is named after the other person."""

    kind = ChatKindField(read_only=True)
    display_title = serializers.SerializerMethodField()
    workgroup = serializers.IntegerField(source="workgroup_id", read_only=True, allow_null=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    unread = serializers.IntegerField(read_only=True, default=0)
    last_message = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Chat
        fields = [
            "id",
            "kind",
            "title",
            "display_title",
            "workgroup",
            "created_by",
            "members_count",
            "unread",
            "last_message",
            "last_message_at",
            "created_at",
            "url",
        ]
        read_only_fields = fields

    def get_display_title(self, chat) -> str:
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        others = getattr(chat, "direct_others", None)
        if chat.is_direct and others:
            return others[0].user.full_name or others[0].user.email
        return chat.display_title(viewer)

    @extend_schema_field(LastMessageSerializer(allow_null=True))
    def get_last_message(self, chat) -> dict | None:
        message = chat.last_message
        if message is None:
            return None
        return {
            "id": message.pk,
            "author": _person(message.author),
            "body": message.body[:200],
            "has_attachment": message.has_attachment,
            "is_deleted": message.is_deleted,
            "created_at": message.created_at,
        }


def _people():
    return get_user_model().objects.filter(is_active=True)


class ChatQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, help_text="A group chat's title or the other person's name."
    )


class ChatCreateSerializer(serializers.Serializer):
    """`{"kind": "direct", "user": 7}`, `{"kind": "group", "title": "...", "members": [7, 9]}`, or
    `{"kind": "group", "workgroup": 3}` for a workgroup's chat (members follow the group)."""

    kind = ChatKindField()
    user = serializers.PrimaryKeyRelatedField(queryset=_people(), required=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    members = serializers.PrimaryKeyRelatedField(queryset=_people(), many=True, required=False)
    workgroup = serializers.IntegerField(required=False)

    def validate(self, attrs):
        if attrs["kind"] == ChatKind.DIRECT and not attrs.get("user"):
            raise serializers.ValidationError({"user": [_("Choose the person to write to.")]})
        if (
            attrs["kind"] == ChatKind.GROUP
            and not attrs.get("workgroup")
            and not attrs.get("title", "").strip()
        ):
            raise serializers.ValidationError({"title": [_("Give the chat a name.")]})
        return attrs


class ChatMemberSerializer(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()

    class Meta:
        model = ChatMember
        fields = ["user", "last_read_message_id", "joined_at"]
        read_only_fields = fields

    @extend_schema_field(PersonBriefSerializer)
    def get_user(self, membership) -> dict | None:
        return _person(membership.user)


class MemberAddSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=_people())


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    attachment = serializers.FileField(required=False, allow_empty_file=True)


class MessageEditSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)


class ChatReadSerializer(serializers.Serializer):
    message_id = serializers.IntegerField(
        required=False, min_value=1, help_text="Default: the newest message."
    )


class ChatReadResultSerializer(serializers.Serializer):
    chat = serializers.IntegerField()
    last_read_message_id = serializers.IntegerField()
    unread = serializers.IntegerField()
