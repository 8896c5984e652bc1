"""Tasks API: links between tasks (/api/v1/tasks/links/)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from .. import selectors, services
from ..models import TaskLink
from .pagination import KeysetPagination
from .serializers.links import TaskLinkCreateSerializer, TaskLinkSerializer

# --- links -------------------------------------------------------------------------------------------


class LinkPagination(KeysetPagination):
    ordering = ("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="Links between tasks the caller may see (both ends), newest first",
        parameters=[OpenApiParameter("task", int, description="Only the links into or out of this task.")],
    ),
    retrieve=extend_schema(summary="One link"),
    create=extend_schema(
        summary="Link two tasks (across projects too; cycles are refused)",
        request=TaskLinkCreateSerializer,
        responses={201: TaskLinkSerializer},
        examples=[
            OpenApiExample(
                "Task 102 starts when task 101 finishes",
                request_only=True,
                value={"predecessor": 101, "successor": 102, "kind": "fs"},
            )
        ],
    ),
    destroy=extend_schema(summary="Remove a link", responses={204: None}),
)
class TaskLinkViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Horizontal links (finish-to-start, start-to-start, finish-to-finish, start-to-finish)."""

    serializer_class = TaskLinkSerializer
    pagination_class = LinkPagination
    filter_backends: list = []
    queryset = TaskLink.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.link_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        links = selectors.link_list(user=request.user)
        task_id = request.query_params.get("task")
        if task_id is not None:
            if not task_id.isdecimal():  # not isdigit(): it admits "²", which no id is
                raise ValidationError({"task": [_("A task id is a number.")]})
            links = links.filter(Q(predecessor_id=task_id) | Q(successor_id=task_id))
        page = self.paginate_queryset(links)
        return self.get_paginated_response(TaskLinkSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(TaskLinkSerializer(selectors.link_get(user=request.user, pk=kwargs["pk"])).data)

    def create(self, request, *args, **kwargs):
        data = TaskLinkCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        link = services.link_create(actor=request.user, **data.validated_data)
        link = selectors.link_get(user=request.user, pk=link.pk)
        return Response(TaskLinkSerializer(link).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.link_delete(actor=request.user, link=selectors.link_get(user=request.user, pk=kwargs["pk"]))
        return Response(status=status.HTTP_204_NO_CONTENT)
