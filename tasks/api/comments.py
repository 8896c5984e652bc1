"""Tasks API: comments (/api/v1/tasks/comments/)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from .. import selectors, services
from ..models import TaskComment
from .serializers.comments import TaskCommentSerializer, TaskCommentWriteSerializer


@extend_schema_view(
    retrieve=extend_schema(summary="One comment"),
    partial_update=extend_schema(
        summary="Change one's own comment",
        request=TaskCommentWriteSerializer,
        responses=TaskCommentSerializer,
    ),
    destroy=extend_schema(summary="Delete one's own comment (admins: any)", responses={204: None}),
)
class TaskCommentViewSet(
    mixins.RetrieveModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Task comments, reached by id; listing and adding happen under their task."""

    serializer_class = TaskCommentSerializer
    queryset = TaskComment.objects.none()
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def _comment(self) -> TaskComment:
        return selectors.comment_get(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        return Response(TaskCommentSerializer(self._comment()).data)

    def update(self, request, *args, **kwargs):
        comment = self._comment()
        data = TaskCommentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_edit(actor=request.user, comment=comment, body=data.validated_data["body"])
        return Response(TaskCommentSerializer(comment).data)

    def destroy(self, request, *args, **kwargs):
        services.comment_delete(actor=request.user, comment=self._comment())
        return Response(status=status.HTTP_204_NO_CONTENT)
