"""Serializers of the tags API, and which tags a caller may see on a task."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework import serializers

from portal.groups.models import Membership

from ...models import Tag
from .fields import GroupRefSerializer, VisibleGroupField, VisibleTagField


@dataclass(frozen=True)
class TagScope:
    """Which tags the caller may see on a task: their own and their groups' (admins: all). Mirrors
    `Tag.objects.visible_to` for tags already loaded with the task, so that another person's personal tags
    never show."""

    user_id: int | None
    group_ids: frozenset[int]
    everything: bool = False

    @classmethod
    def of(cls, user) -> TagScope:
        if not (user and user.is_authenticated and user.is_active):
            return cls(None, frozenset())
        if user.is_staff or user.is_superuser:
            return cls(user.pk, frozenset(), everything=True)
        groups = Membership.objects.filter(user=user).values_list("group_id", flat=True)
        return cls(user.pk, frozenset(groups))

    def allows(self, tag: Tag) -> bool:
        return self.everything or tag.owner_id == self.user_id or tag.group_id in self.group_ids


class TagSerializer(serializers.ModelSerializer):
    """A tag: personal (`owner` is set) or shared within a workgroup (`group` is set)."""

    group = GroupRefSerializer(read_only=True, allow_null=True)
    is_shared = serializers.SerializerMethodField()

    class Meta:
        model = Tag
        fields = ["id", "name", "owner", "group", "is_shared", "created_at"]
        read_only_fields = fields

    def get_is_shared(self, tag: Tag) -> bool:
        return tag.group_id is not None


class TaskTagRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    group = serializers.IntegerField(source="group_id", read_only=True, allow_null=True)


class TagCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    group = VisibleGroupField(
        required=False, allow_null=True, default=None, help_text="Share the tag within this workgroup."
    )


class TagRenameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)


class TagMergeSerializer(serializers.Serializer):
    into = VisibleTagField(help_text="The tag that stays; the merged tag's tasks move to it.")
