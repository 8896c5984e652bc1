"""Serializers of the task links API."""

from __future__ import annotations

from rest_framework import serializers

from ...choices import LinkKind
from ...models import TaskLink
from .fields import TaskRefSerializer, VisibleTaskField


class TaskLinkSerializer(serializers.ModelSerializer):
    predecessor = TaskRefSerializer(read_only=True)
    successor = TaskRefSerializer(read_only=True)

    class Meta:
        model = TaskLink
        fields = ["id", "predecessor", "successor", "kind", "created_by", "created_at"]
        read_only_fields = fields


class TaskLinkCreateSerializer(serializers.Serializer):
    predecessor = VisibleTaskField()
    successor = VisibleTaskField()
    kind = serializers.ChoiceField(choices=LinkKind.choices, default=LinkKind.FINISH_TO_START)
