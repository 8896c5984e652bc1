"""Serializers of the task files API."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.people.api.serializers import PersonRefSerializer

from ...models import TaskFile


class TaskFileSerializer(serializers.ModelSerializer):
    uploaded_by = PersonRefSerializer(read_only=True, allow_null=True)
    # The API keeps its field name; the model's is the attachments' `created_at`.
    uploaded_at = serializers.DateTimeField(source="created_at", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = TaskFile
        fields = ["id", "task", "name", "size", "content_type", "uploaded_by", "uploaded_at", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, task_file: TaskFile) -> str:
        url = reverse("task-file-download", args=[task_file.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class TaskFileUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
