"""Tasks API: tags (/api/v1/tasks/tags/): list, create, rename, merge, delete."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core.api.pagination import StandardPagination

from .. import selectors, services
from ..models import Tag
from .serializers.tags import TagCreateSerializer, TagMergeSerializer, TagRenameSerializer, TagSerializer

# --- tags --------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="The caller's tags and the shared tags of their groups"),
    retrieve=extend_schema(summary="One tag"),
    create=extend_schema(
        summary="Make a tag: personal, or shared within a group (its members)",
        request=TagCreateSerializer,
        responses={201: TagSerializer},
    ),
    partial_update=extend_schema(
        summary="Rename a tag", request=TagRenameSerializer, responses=TagSerializer
    ),
    destroy=extend_schema(summary="Delete a tag (it leaves every task it was on)", responses={204: None}),
)
class TagViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Task tags."""

    serializer_class = TagSerializer
    pagination_class = StandardPagination
    filter_backends: list = []
    queryset = Tag.objects.none()
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.tag_list(user=self.request.user)

    def _tag(self) -> Tag:
        return selectors.tag_get(user=self.request.user, pk=self.kwargs["pk"])

    def _out(self, tag: Tag, code=status.HTTP_200_OK) -> Response:
        tag = selectors.tag_get(user=self.request.user, pk=tag.pk)
        return Response(TagSerializer(tag).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._out(self._tag())

    def create(self, request, *args, **kwargs):
        data = TagCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        tag = services.tag_create(actor=request.user, **data.validated_data)
        return self._out(tag, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        tag = self._tag()
        data = TagRenameSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tag = services.tag_rename(actor=request.user, tag=tag, name=data.validated_data["name"]) or tag
        return self._out(tag)

    def destroy(self, request, *args, **kwargs):
        services.tag_delete(actor=request.user, tag=self._tag())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Merge this tag into another: its tasks get the other tag, and this one goes",
        request=TagMergeSerializer,
        responses=TagSerializer,
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        source = self._tag()
        data = TagMergeSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        target = data.validated_data["into"]
        try:
            target = services.tag_merge(actor=request.user, source=source, target=target) or target
        except DjangoValidationError as exc:
            # The service names the tag that stays `target`; here it is the field `into`.
            if hasattr(exc, "error_dict") and "target" in exc.error_dict:
                exc.error_dict["into"] = exc.error_dict.pop("target")
            raise
        return self._out(target)
