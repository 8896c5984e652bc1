"""Serializers of the checklist API."""

from __future__ import annotations

from rest_framework import serializers

from portal.people.api.serializers import PersonRefSerializer

from ...models import ChecklistItem
from .fields import ActivePersonField


class ChecklistItemSerializer(serializers.ModelSerializer):
    assignee = PersonRefSerializer(read_only=True, allow_null=True)
    done_by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ChecklistItem
        fields = ["id", "task", "text", "position", "is_done", "assignee", "done_by", "done_at"]
        read_only_fields = fields


class ChecklistItemCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    assignee = ActivePersonField(required=False, allow_null=True, default=None)


class ChecklistItemUpdateSerializer(serializers.Serializer):
    """Only the fields sent change; `is_done` ticks or unticks the item."""

    text = serializers.CharField(max_length=500, required=False)
    assignee = ActivePersonField(required=False, allow_null=True)
    is_done = serializers.BooleanField(required=False)


class ChecklistReorderSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        help_text="Every item id of the checklist, in the new order.",
    )
