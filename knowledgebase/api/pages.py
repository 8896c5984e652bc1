"""Pages in the API (/api/v1/kb/pages/): the list (the page FilterSet), one page with its text and rendered
HTML, create, update (with the optimistic lock: 409 `edit_conflict` and the diff when someone saved meanwhile),
move and delete; and the full-text search (/api/v1/kb/search/)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from portal.core.api.pagination import StandardPagination
from portal.core.errors import NotAllowed

from ..choices import PageLanguage, PageStatus
from ..markdown import render_page_body
from ..models import Page
from ..search import page_search, snippet_text
from ..selectors.pages import page_get, page_list
from ..selectors.spaces import space_get, space_may_edit
from ..services import pages as services


class EditConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The page changed since the revision the edit is based on."
    default_code = "edit_conflict"


EDIT_CONFLICT = OpenApiResponse(
    description="Someone saved a newer revision: `edit_conflict`; nothing is saved (read the page, merge, retry)."
)


class KbPageSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=PageStatus.choices)
    language = serializers.ChoiceField(choices=PageLanguage.choices)
    space_title = serializers.CharField(source="space.title", read_only=True)
    updated_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Page
        fields = [
            "id", "space", "space_title", "parent", "position", "title", "status", "language", "responsible",
            "review_by", "revision", "created_by", "updated_by", "updated_by_name", "created_at", "updated_at",
            "published_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_updated_by_name(self, page) -> str:
        return str(page.updated_by) if page.updated_by_id else ""


class KbPageDetailSerializer(KbPageSerializer):
    body = serializers.CharField(read_only=True)
    html = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()

    class Meta(KbPageSerializer.Meta):
        fields = [*KbPageSerializer.Meta.fields, "body", "html", "tags"]
        read_only_fields = fields

    def get_html(self, page) -> str:
        """The text as sanitised HTML, internal links resolved for the reader."""
        request = self.context["request"]
        return str(render_page_body(user=request.user, space=page.space, text=page.body))

    def get_tags(self, page) -> list[str]:
        return [t.name for t in page.tags.all()]


def _users():
    return get_user_model().objects.filter(is_active=True)


class KbPageCreateSerializer(serializers.Serializer):
    space = serializers.IntegerField()
    parent = serializers.IntegerField(required=False, allow_null=True)
    title = serializers.CharField(max_length=255)
    body = serializers.CharField(required=False, allow_blank=True, default="")
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list)
    responsible = serializers.PrimaryKeyRelatedField(queryset=_users(), required=False, allow_null=True)
    review_by = serializers.DateField(required=False, allow_null=True)
    language = serializers.ChoiceField(choices=PageLanguage.choices, required=False)
    publish = serializers.BooleanField(default=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)


class KbPageUpdateSerializer(serializers.Serializer):
    base_revision = serializers.IntegerField(
        help_text="The revision the edit is based on (the page's `revision` when read)."
    )
    title = serializers.CharField(max_length=255)
    body = serializers.CharField(allow_blank=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    minor = serializers.BooleanField(
        default=False, help_text="A minor edit does not ask readers to read again."
    )
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    responsible = serializers.PrimaryKeyRelatedField(queryset=_users(), required=False, allow_null=True)
    review_by = serializers.DateField(required=False, allow_null=True)
    language = serializers.ChoiceField(choices=PageLanguage.choices, required=False)


class KbPageMoveSerializer(serializers.Serializer):
    parent = serializers.IntegerField(allow_null=True, help_text="The new parent page (null: the top level).")
    position = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, help_text="Among the new siblings; null: last."
    )


PAGE_FILTERS = [
    OpenApiParameter("q", str, description="Words of the title."),
    OpenApiParameter("space", int),
    OpenApiParameter("parent", int),
    OpenApiParameter("tag", str),
    OpenApiParameter("status", str, enum=PageStatus.values),
    OpenApiParameter("responsible", int),
    OpenApiParameter("review_before", str, description="YYYY-MM-DD: review-by date on or before."),
]


@extend_schema_view(
    list=extend_schema(summary="The pages I may read, filtered as the pages are", parameters=PAGE_FILTERS),
    retrieve=extend_schema(
        summary="One page with its text and rendered HTML", responses={200: KbPageDetailSerializer}
    ),
    create=extend_schema(
        summary="Write a page (the space's editors)",
        request=KbPageCreateSerializer,
        responses={201: KbPageDetailSerializer},
    ),
    update=extend_schema(
        summary="Save a new text as the next revision (refused with 409 when based on an old revision)",
        request=KbPageUpdateSerializer,
        responses={200: KbPageDetailSerializer, 409: EDIT_CONFLICT},
    ),
    destroy=extend_schema(summary="Delete the page and its sub-pages (the space's editors)"),
)
class PageViewSet(viewsets.GenericViewSet):
    serializer_class = KbPageSerializer
    pagination_class = StandardPagination
    filter_backends: list = []
    queryset = Page.objects.none()
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "put", "delete", "head", "options"]

    def get_queryset(self):
        return page_list(user=self.request.user, filters=self.request.query_params)

    def _detail(self, page, code=status.HTTP_200_OK) -> Response:
        fresh = page_get(user=self.request.user, pk=page.pk)
        return Response(
            KbPageDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return self._detail(page_get(user=request.user, pk=pk))

    def create(self, request, *args, **kwargs):
        body = KbPageCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        space = space_get(user=request.user, pk=data.pop("space"))
        parent_pk = data.pop("parent", None)
        parent = page_get(user=request.user, pk=parent_pk) if parent_pk else None
        page = services.page_create(actor=request.user, space=space, parent=parent, **data)
        return self._detail(page, status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        page = page_get(user=request.user, pk=pk)
        if not space_may_edit(user=request.user, space=page.space):  # refused before the body is read
            raise NotAllowed()
        body = KbPageUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        for optional in ("responsible", "review_by"):
            data.setdefault(optional, ...)
        try:
            page = services.page_update(actor=request.user, page=page, **data)
        except services.EditConflict as exc:
            raise EditConflictError(exc.message) from exc
        return self._detail(page)

    def destroy(self, request, pk=None):
        services.page_delete(actor=request.user, page=page_get(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Move the page under another (or to the top level) at a position; cycles are refused",
        request=KbPageMoveSerializer,
        responses={200: KbPageDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        page = page_get(user=request.user, pk=pk)
        body = KbPageMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        parent_pk = body.validated_data["parent"]
        parent = page_get(user=request.user, pk=parent_pk) if parent_pk else None
        page = services.page_move(
            actor=request.user, page=page, parent=parent, position=body.validated_data.get("position")
        )
        return self._detail(page)


class KbSearchHitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    space = serializers.IntegerField(source="space_id")
    space_title = serializers.CharField(source="space.title")
    snippet = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url")

    def get_snippet(self, page) -> str:
        """The passage that matched (plain text)."""
        return snippet_text(page)


class KbSearchView(GenericAPIView):
    serializer_class = KbSearchHitSerializer
    queryset = Page.objects.none()
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="Full-text search over the pages I may read, best first",
        parameters=[
            OpenApiParameter(
                "q", str, required=True, description='Words; "quoted phrases" and -excluded words work.'
            ),
            OpenApiParameter("space", int, description="Only this space."),
            OpenApiParameter("limit", int, description="1-50, default 20."),
        ],
        responses={200: KbSearchHitSerializer(many=True)},
    )
    def get(self, request):
        query = (request.query_params.get("q") or "").strip()[:200]
        try:
            limit = max(1, min(int(request.query_params.get("limit", 20)), 50))
        except ValueError:
            limit = 20
        space = (
            space_get(user=request.user, pk=request.query_params["space"])
            if request.query_params.get("space")
            else None
        )
        pages = (
            page_search(user=request.user, query=query, limit=limit, space=space) if len(query) >= 2 else []
        )
        return Response(KbSearchHitSerializer(pages, many=True).data)


def register(router) -> None:
    router.register("pages", PageViewSet, basename="kb-page")


urls = [path("search/", KbSearchView.as_view(), name="kb-search")]
