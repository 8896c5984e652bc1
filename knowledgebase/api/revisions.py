"""Revisions in the API: a page's history (/api/v1/kb/pages/<id>/revisions/), one revision with its text, the
diff between two (`?from=&to=`) and restore (a new revision)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from portal.core.api.pagination import StandardPagination
from portal.core.errors import NotAllowed

from ..models import PageRevision
from ..selectors.pages import page_get
from ..selectors.revisions import revision_diff, revision_get, revision_list
from ..selectors.spaces import space_may_edit
from ..services.revisions import revision_restore


class KbRevisionSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = PageRevision
        fields = [
            "number",
            "title",
            "author",
            "author_name",
            "comment",
            "minor",
            "restored_from",
            "created_at",
        ]
        read_only_fields = fields

    def get_author_name(self, revision) -> str:
        return str(revision.author) if revision.author_id else ""


class KbRevisionDetailSerializer(KbRevisionSerializer):
    class Meta(KbRevisionSerializer.Meta):
        fields = [*KbRevisionSerializer.Meta.fields, "body"]
        read_only_fields = fields


class KbDiffRowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["equal", "insert", "delete", "replace"])
    old_number = serializers.IntegerField(allow_null=True)
    old = serializers.CharField(allow_null=True)
    new_number = serializers.IntegerField(allow_null=True)
    new = serializers.CharField(allow_null=True)


class KbDiffSerializer(serializers.Serializer):
    old = serializers.IntegerField()
    new = serializers.IntegerField()
    title_changed = serializers.BooleanField()
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    unified = serializers.CharField(help_text="The unified diff of the texts.")
    rows = KbDiffRowSerializer(many=True, help_text="Side by side, row by row.")


class RevisionListView(GenericAPIView):
    serializer_class = KbRevisionSerializer
    queryset = PageRevision.objects.none()
    filter_backends: list = []
    pagination_class = StandardPagination

    @extend_schema(
        summary="The page's revisions, newest first",
        operation_id="kb_page_revisions_list",
        responses=KbRevisionSerializer(many=True),
    )
    def get(self, request, pk):
        page = page_get(user=request.user, pk=pk)
        rows = self.paginate_queryset(revision_list(user=request.user, page=page))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class RevisionDetailView(GenericAPIView):
    serializer_class = KbRevisionDetailSerializer
    queryset = PageRevision.objects.none()
    filter_backends: list = []

    @extend_schema(summary="One revision with its text", operation_id="kb_page_revision_retrieve")
    def get(self, request, pk, number):
        page = page_get(user=request.user, pk=pk)
        return Response(self.get_serializer(revision_get(user=request.user, page=page, number=number)).data)


class RevisionDiffView(GenericAPIView):
    serializer_class = KbDiffSerializer
    queryset = PageRevision.objects.none()
    filter_backends: list = []

    @extend_schema(
        summary="What changed between two revisions (default: the last two)",
        parameters=[OpenApiParameter("from", int), OpenApiParameter("to", int)],
    )
    def get(self, request, pk):
        page = page_get(user=request.user, pk=pk)

        def number(name, default):
            try:
                return int(request.query_params.get(name, default))
            except (TypeError, ValueError):
                return default

        new_number = number("to", page.revision)
        old = revision_get(user=request.user, page=page, number=number("from", max(1, new_number - 1)))
        new = revision_get(user=request.user, page=page, number=new_number)
        diff = revision_diff(old=old, new=new)
        data = {
            "old": old.number,
            "new": new.number,
            "title_changed": diff.title_changed,
            "added": diff.added,
            "removed": diff.removed,
            "unified": "\n".join(line for _kind, line in diff.unified),
            "rows": [row.__dict__ for row in diff.rows],
        }
        return Response(KbDiffSerializer(data).data)


class RevisionRestoreView(GenericAPIView):
    serializer_class = KbRevisionSerializer
    queryset = PageRevision.objects.none()
    filter_backends: list = []

    @extend_schema(
        summary="Restore the revision: its text becomes a new revision (the space's editors)",
        request=None,
        responses={201: KbRevisionSerializer},
    )
    def post(self, request, pk, number):
        page = page_get(user=request.user, pk=pk)
        if not space_may_edit(user=request.user, space=page.space):
            raise NotAllowed()
        revision_get(user=request.user, page=page, number=number)
        revision = revision_restore(actor=request.user, page=page, number=number)
        return Response(self.get_serializer(revision).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    pass


urls = [
    path("pages/<int:pk>/revisions/", RevisionListView.as_view(), name="kb-revision-list"),
    path("pages/<int:pk>/revisions/<int:number>/", RevisionDetailView.as_view(), name="kb-revision-detail"),
    path(
        "pages/<int:pk>/revisions/<int:number>/restore/",
        RevisionRestoreView.as_view(),
        name="kb-revision-restore",
    ),
    path("pages/<int:pk>/diff/", RevisionDiffView.as_view(), name="kb-revision-diff"),
]
