"""Serializers of the task comments API."""

from __future__ import annotations

from rest_framework import serializers

from portal.people.api.serializers import PersonRefSerializer
from portal.stream import mentions

from ...models import TaskComment


class TaskCommentSerializer(serializers.ModelSerializer):
    author = PersonRefSerializer(read_only=True)
    text = serializers.SerializerMethodField(help_text="The body with mentions as @Name.")

    class Meta:
        model = TaskComment
        fields = ["id", "task", "author", "body", "text", "created_at", "edited_at"]
        read_only_fields = fields

    def get_text(self, comment: TaskComment) -> str:
        return mentions.plain(comment.body)


class TaskCommentWriteSerializer(serializers.Serializer):
    body = serializers.CharField(
        trim_whitespace=False, max_length=20000, help_text="Mentions: @[Name](user:ID)"
    )
