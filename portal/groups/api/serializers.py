"""Serializers of the groups API. Reads describe; writes validate shapes and hand over to services."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from portal.core.links import url_for_pk
from portal.people.models import Department

from .. import services
from ..choices import GroupKind, GroupVisibility, MemberRole
from ..models import GroupFile, JoinRequest, Membership, Workgroup

User = get_user_model()


class GroupPersonSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "full_name", "email", "position"]
        read_only_fields = fields


class WorkgroupSerializer(serializers.ModelSerializer):
    """A group as the caller sees it, with the caller's own role (null when not a member)."""

    my_role = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Workgroup
        fields = [
            "id",
            "name",
            "description",
            "kind",
            "visibility",
            "start_date",
            "end_date",
            "department",
            "is_archived",
            "members_count",
            "files_count",
            "my_role",
            "url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True, "enum": [*MemberRole.values, None]})
    def get_my_role(self, group: Workgroup) -> str | None:
        return getattr(group, "my_role", None)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, group: Workgroup) -> str:
        path = url_for_pk("workgroup-detail", group.pk)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class WorkgroupWriteSerializer(serializers.Serializer):
    """Creating or changing a group; the services check who may and the rules of dates and kinds."""

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=GroupKind.choices, default=GroupKind.GROUP)
    visibility = serializers.ChoiceField(choices=GroupVisibility.choices, default=GroupVisibility.OPEN)
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True, default=None
    )

    def create(self, validated_data):
        return services.group_create(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        # On PATCH only the fields sent change; defaults must not overwrite stored values.
        sent = set(self.initial_data) if self.partial else set(self.fields)
        changes = {k: v for k, v in validated_data.items() if k in sent}
        return services.group_update(actor=self.context["request"].user, group=instance, **changes)


class GroupArchiveSerializer(serializers.Serializer):
    archived = serializers.BooleanField(default=True)


class GroupMembershipSerializer(serializers.ModelSerializer):
    user = GroupPersonSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["user", "role", "joined_at"]
        read_only_fields = fields


class GroupMemberAddSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    role = serializers.ChoiceField(choices=MemberRole.choices, default=MemberRole.MEMBER)


class GroupMemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=MemberRole.choices)


class GroupJoinInputSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class GroupJoinResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["joined", "requested"])
    role = serializers.ChoiceField(choices=MemberRole.choices, allow_null=True)
    join_request = serializers.IntegerField(allow_null=True)


class GroupJoinRequestSerializer(serializers.ModelSerializer):
    user = GroupPersonSerializer(read_only=True)

    class Meta:
        model = JoinRequest
        fields = ["id", "group", "user", "message", "status", "created_at", "decided_at"]
        read_only_fields = fields


class GroupFileSerializer(serializers.ModelSerializer):
    uploaded_by = GroupPersonSerializer(read_only=True)
    # The API keeps its field name; the model's is the attachments' `created_at`.
    uploaded_at = serializers.DateTimeField(source="created_at", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = GroupFile
        fields = ["id", "name", "size", "content_type", "uploaded_by", "uploaded_at", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, group_file: GroupFile) -> str:
        return reverse(
            "workgroup-file-download",
            args=[group_file.group_id, group_file.pk],
            request=self.context.get("request"),
        )


class GroupFileUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
