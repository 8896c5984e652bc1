"""CRM API: a record's timeline (/api/v1/crm/timeline/<entity>/<pk>/): its entries newest first, in pages
(`?before=<cursor>` from the previous page's `older`), and a new comment by POST."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import TimelineEntry
from ..selectors import timeline as selectors
from ..selectors.records import record_get
from ..services import timeline as services
from .activities import ActivitySerializer


class TimelineEntrySerializer(serializers.ModelSerializer):
    actor = serializers.PrimaryKeyRelatedField(read_only=True)
    activity = ActivitySerializer(read_only=True, allow_null=True)  # on activity entries only
    file = serializers.SerializerMethodField()

    class Meta:
        model = TimelineEntry
        fields = ["id", "kind", "created_at", "edited_at", "actor", "text", "data", "activity", "file",
                  "lead", "contact", "company", "deal"]  # fmt: skip
        read_only_fields = fields

    def get_file(self, entry) -> dict | None:
        if entry.file is None:
            return None
        return {
            "id": entry.file.pk,
            "name": entry.file.name,
            "size": entry.file.size,
            "url": entry.file.download_url,
        }


class TimelinePageSerializer(serializers.Serializer):
    results = TimelineEntrySerializer(many=True)
    older = serializers.CharField(allow_blank=True)


class CommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=20000)


class TimelineView(APIView):
    """GET: a page of the record's timeline; POST: add a comment (anyone who sees the record)."""

    @extend_schema(
        summary="A record's timeline, newest first",
        parameters=[OpenApiParameter("before", str, description="The `older` cursor of the previous page")],
        responses=TimelinePageSerializer,
    )
    def get(self, request, entity: str, pk: int):
        data = selectors.timeline_get(
            user=request.user, entity=entity, pk=pk, before=request.GET.get("before", "")
        )
        return Response(
            {"results": TimelineEntrySerializer(data["entries"], many=True).data, "older": data["older"]}
        )

    @extend_schema(
        summary="Comment on a record", request=CommentSerializer, responses={201: TimelineEntrySerializer}
    )
    def post(self, request, entity: str, pk: int):
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = record_get(user=request.user, entity=entity, pk=pk)
        entry = services.timeline_comment_add(
            actor=request.user, record=record, text=data.validated_data["text"]
        )
        return Response(TimelineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    """No view sets: the timeline is read per record (see `urls`)."""


urls: list = [
    path("timeline/<str:entity>/<int:pk>/", TimelineView.as_view(), name="crm-timeline"),
]
