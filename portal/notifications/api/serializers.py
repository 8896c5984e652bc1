from __future__ import annotations

from rest_framework import serializers

from ..models import Notification


class ActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")


class NotificationSerializer(serializers.ModelSerializer):
    actor = ActorSerializer(read_only=True, allow_null=True)
    is_read = serializers.BooleanField(read_only=True)
    target_type = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "url",
            "actor",
            "target_type",
            "target_id",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_target_type(self, obj) -> str | None:
        ct = obj.target_type
        return f"{ct.app_label}.{ct.model}" if ct else None


class NotificationSettingKindSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    email = serializers.BooleanField()


class NotificationSettingsSerializer(serializers.Serializer):
    """GET: every kind with its e-mail switch. PUT: `email_kinds`, the kinds that also go by e-mail."""

    email_kinds = serializers.ListField(child=serializers.CharField(max_length=64), allow_empty=True)
    kinds = NotificationSettingKindSerializer(many=True, read_only=True)

    def validate_email_kinds(self, value):
        from ..services import notification_kinds

        known = {k.key for k in notification_kinds()}
        unknown = sorted(set(value) - known)
        if unknown:
            raise serializers.ValidationError(f"Unknown kinds: {', '.join(unknown)}")
        return value


class MarkAllReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class CountersSerializer(serializers.Serializer):
    counters = serializers.DictField(child=serializers.IntegerField())
