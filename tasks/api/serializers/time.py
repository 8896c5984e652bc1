"""Serializers of the time tracking API: time entries and the timer."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal.people.api.serializers import PersonRefSerializer

from ...models import TimeEntry
from ...services.time import MAX_ENTRY_SECONDS
from .fields import TaskRefSerializer, VisibleTaskField


class TimeEntrySerializer(serializers.ModelSerializer):
    user = PersonRefSerializer(read_only=True)
    task = TaskRefSerializer(read_only=True)
    is_running = serializers.SerializerMethodField()

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "task",
            "user",
            "started_at",
            "ended_at",
            "seconds",
            "source",
            "comment",
            "is_running",
            "created_at",
        ]
        read_only_fields = fields

    def get_is_running(self, entry: TimeEntry) -> bool:
        return entry.ended_at is None


class TimeEntryCreateSerializer(serializers.Serializer):
    task = VisibleTaskField()
    seconds = serializers.IntegerField(min_value=1, max_value=MAX_ENTRY_SECONDS)
    started_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class TimeEntryUpdateSerializer(serializers.Serializer):
    seconds = serializers.IntegerField(min_value=1, max_value=MAX_ENTRY_SECONDS, required=False)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)


class TimeEntryQuerySerializer(serializers.Serializer):
    """Filters of the time entry list: one task, one person, a period of start dates."""

    task = serializers.IntegerField(required=False, min_value=1)
    user = serializers.IntegerField(required=False, min_value=1)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": [_("The period ends before it starts.")]})
        return attrs


class TimerStartSerializer(serializers.Serializer):
    task = VisibleTaskField()


class TimerStateSerializer(serializers.Serializer):
    running = serializers.BooleanField()
    entry = TimeEntrySerializer(allow_null=True)
