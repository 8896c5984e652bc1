"""Tasks API: files (/api/v1/tasks/files/), downloads through core's attachments."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core.attachments import file_response

from .. import selectors, services
from ..models import TaskFile
from .serializers.files import TaskFileSerializer


@extend_schema_view(
    retrieve=extend_schema(summary="One file's details"),
    destroy=extend_schema(
        summary="Delete a file (its uploader, the task's creator, admins)", responses={204: None}
    ),
)
class TaskFileViewSet(mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Task files, reached by id; listing and uploading happen under their task."""

    serializer_class = TaskFileSerializer
    queryset = TaskFile.objects.none()
    lookup_value_regex = r"\d+"

    def _file(self) -> TaskFile:
        return selectors.file_get(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        return Response(TaskFileSerializer(self._file(), context=self.get_serializer_context()).data)

    def destroy(self, request, *args, **kwargs):
        services.file_delete(actor=request.user, file=self._file())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Download the file",
        # Served with the type detected at upload (application/octet-stream when it is none of the known ones).
        responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        task_file = self._file()
        return file_response(
            task_file.file,
            content_type=task_file.content_type,
            download_name=task_file.name,
            inline_allowed=False,
        )
