"""API of the discussion under /api/v1/kb/comments/: the comments the caller may see (filtered as the
moderation queue page is, with `CommentFilterSet`), comment and reply, edit and delete one's own, like, and
the responsible editor's approve and reject (a comment moderated already answers 409 `already_decided`).
A comment of a page the caller cannot read is 404."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core.errors import Invalid

from ..filters.discussion import CommentFilterSet
from ..models.discussion import PageComment
from ..selectors import discussion as selectors
from ..services import discussion as services


class AlreadyDecided(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("Already decided.")
    default_code = "already_decided"


ALREADY_DECIDED = OpenApiResponse(description="The comment was moderated already: `already_decided`.")


def _service_call(call, **kwargs):
    try:
        return call(**kwargs)
    except Invalid as exc:
        if exc.code == "already_decided":
            raise AlreadyDecided(exc.message, code="already_decided") from exc
        raise


class KbCommentSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()
    liked = serializers.BooleanField(read_only=True, default=False)

    class Meta:
        model = PageComment
        fields = [
            "id",
            "page",
            "parent",
            "author",
            "author_name",
            "body",
            "status",
            "created_at",
            "edited_at",
            "likes_count",
            "liked",
        ]
        read_only_fields = fields

    def get_author_name(self, obj) -> str:
        return obj.author.full_name or obj.author.email


class KbCommentCreateSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    body = serializers.CharField(max_length=services.COMMENT_MAX)
    parent = serializers.IntegerField(required=False, allow_null=True)


class KbCommentUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=services.COMMENT_MAX)


class KbRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class KbLikeSerializer(serializers.Serializer):
    liked = serializers.BooleanField()


@extend_schema_view(
    list=extend_schema(summary="Page comments the caller may see (?page_id=, ?space=, ?status=, ?author=)"),
    retrieve=extend_schema(summary="One comment"),
    create=extend_schema(
        summary="Comment under a page, or reply (in a moderated space it waits for approval)",
        request=KbCommentCreateSerializer,
        responses={201: KbCommentSerializer},
    ),
    partial_update=extend_schema(
        summary="Change one's own comment", request=KbCommentUpdateSerializer, responses=KbCommentSerializer
    ),
    destroy=extend_schema(
        summary="Delete a comment (its author or the page's moderator)", responses={204: None}
    ),
)
class CommentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = KbCommentSerializer
    filterset_class = CommentFilterSet
    ordering_fields = ["created_at", "id"]
    ordering = ["created_at", "id"]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PageComment.objects.none()
        return selectors.comment_list(user=self.request.user)

    def _comment(self) -> PageComment:
        return selectors.comment_get(user=self.request.user, pk=self.kwargs["pk"])

    def _answer(self, comment_id: int, code=status.HTTP_200_OK) -> Response:
        comment = selectors.comment_get(user=self.request.user, pk=comment_id)
        return Response(KbCommentSerializer(comment).data, status=code)

    def create(self, request, *args, **kwargs):
        data = KbCommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        page = selectors.page_readable(request.user, data.validated_data["page"])
        parent_id = data.validated_data.get("parent")
        parent = selectors.comment_get(user=request.user, pk=parent_id) if parent_id else None
        comment = services.comment_add(
            actor=request.user, page=page, body=data.validated_data["body"], parent=parent
        )
        return self._answer(comment.pk, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        comment = self._comment()
        data = KbCommentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.comment_edit(actor=request.user, comment=comment, body=data.validated_data["body"])
        return self._answer(comment.pk)

    def destroy(self, request, *args, **kwargs):
        services.comment_delete(actor=request.user, comment=self._comment())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Like a comment, or take the like back", request=None, responses=KbLikeSerializer)
    @action(detail=True, methods=["post"])
    def like(self, request, pk=None):
        liked = services.comment_like_toggle(actor=request.user, comment=self._comment())
        return Response({"liked": liked})

    @extend_schema(
        summary="The comments waiting for the caller's approval (same filters)",
        responses=KbCommentSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def moderation(self, request):
        queryset = self.filter_queryset(selectors.moderation_queue(user=request.user))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(KbCommentSerializer(page, many=True).data)

    @extend_schema(
        summary="Publish a waiting comment (the page's responsible editor)",
        request=None,
        responses={200: KbCommentSerializer, 409: ALREADY_DECIDED},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        comment = self._comment()
        _service_call(services.comment_approve, actor=request.user, comment=comment)
        return self._answer(comment.pk)

    @extend_schema(
        summary="Reject a waiting comment (the page's responsible editor); its author still sees it",
        request=KbRejectSerializer,
        responses={200: KbCommentSerializer, 409: ALREADY_DECIDED},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        comment = self._comment()
        data = KbRejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _service_call(
            services.comment_reject,
            actor=request.user,
            comment=comment,
            reason=data.validated_data.get("reason", ""),
        )
        return self._answer(comment.pk)


def register(router) -> None:
    router.register("comments", CommentViewSet, basename="kb-comment")


urls: list = []
