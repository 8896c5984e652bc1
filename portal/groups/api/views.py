"""The groups API: the same selectors, services, FilterSet and permissions as the pages.

Groups the caller may not see answer 404; an action on a visible group without the right answers 403.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from portal.core.attachments import file_response
from portal.core.permissions import get_visible

from .. import selectors, services
from ..filters import WorkgroupFilterSet
from ..models import JoinRequest
from .serializers import (
    GroupArchiveSerializer,
    GroupFileSerializer,
    GroupFileUploadSerializer,
    GroupJoinInputSerializer,
    GroupJoinRequestSerializer,
    GroupJoinResultSerializer,
    GroupMemberAddSerializer,
    GroupMemberRoleSerializer,
    GroupMembershipSerializer,
    WorkgroupSerializer,
    WorkgroupWriteSerializer,
)

USER_ID = OpenApiParameter("user_id", int, OpenApiParameter.PATH, description="The member's person id.")
REQUEST_ID = OpenApiParameter("request_id", int, OpenApiParameter.PATH, description="The join request's id.")
FILE_ID = OpenApiParameter("file_id", int, OpenApiParameter.PATH, description="The file's id.")


@extend_schema_view(
    list=extend_schema(summary="Groups and projects the caller may see"),
    retrieve=extend_schema(summary="One group"),
    create=extend_schema(
        summary="Create a group (as the company's creation policy allows)",
        request=WorkgroupWriteSerializer,
        responses={201: WorkgroupSerializer},
    ),
    update=extend_schema(
        summary="Change a group (owners, admins)",
        request=WorkgroupWriteSerializer,
        responses=WorkgroupSerializer,
    ),
    partial_update=extend_schema(
        summary="Change some of a group's settings (owners, admins)",
        request=WorkgroupWriteSerializer,
        responses=WorkgroupSerializer,
    ),
)
class WorkgroupViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Workgroups and projects with their members, join requests and files."""

    serializer_class = WorkgroupSerializer
    filterset_class = WorkgroupFilterSet
    ordering_fields = ["name", "created_at", "members_count"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return selectors.group_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return WorkgroupWriteSerializer
        return WorkgroupSerializer

    def _group(self):
        """The group of a nested action: 404 when hidden or missing, never filtered by the list's query."""
        return selectors.group_get(user=self.request.user, pk=self.kwargs["pk"])

    def _paginated(self, queryset, serializer_class):
        page = self.paginate_queryset(queryset)
        data = serializer_class(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    def _out(self, group, code=status.HTTP_200_OK):
        group = selectors.group_get(user=self.request.user, pk=group.pk)  # fresh counters and my_role
        return Response(WorkgroupSerializer(group, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = WorkgroupWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return self._out(serializer.save(), status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        group = self._group()
        if not selectors.can_edit(request.user, group):
            raise PermissionDenied(_("Only the group's owners may change it."))
        partial = kwargs.pop("partial", False)
        serializer = WorkgroupWriteSerializer(
            group, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return self._out(serializer.save())

    @extend_schema(
        summary="Archive or restore a group (owners, admins)",
        request=GroupArchiveSerializer,
        responses=WorkgroupSerializer,
    )
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        group = self._group()
        data = GroupArchiveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.group_archive(actor=request.user, group=group, archived=data.validated_data["archived"])
        return self._out(group)

    # --- members -------------------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"], summary="Members, owners first", responses=GroupMembershipSerializer(many=True)
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a member (owners, moderators, admins)",
        request=GroupMemberAddSerializer,
        responses={201: GroupMembershipSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def members(self, request, pk=None):
        group = self._group()
        if request.method in SAFE_METHODS:  # HEAD reads too
            return self._paginated(
                selectors.group_members(user=request.user, group=group), GroupMembershipSerializer
            )
        data = GroupMemberAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.group_member_add(actor=request.user, group=group, **data.validated_data)
        return Response(GroupMembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        summary="Change a member's role (owners, admins)",
        parameters=[USER_ID],
        request=GroupMemberRoleSerializer,
        responses=GroupMembershipSerializer,
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Remove a member (or yourself)",
        parameters=[USER_ID],
        request=None,
        responses={204: None},
    )
    @action(
        detail=True, methods=["patch", "delete"], url_path=r"members/(?P<user_id>[0-9]+)", url_name="member"
    )
    def member(self, request, pk=None, user_id=None):
        group = self._group()
        membership = get_visible(selectors.group_members(user=request.user, group=group), user_id=user_id)
        if request.method == "DELETE":
            services.group_member_remove(actor=request.user, group=group, user=membership.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = GroupMemberRoleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.group_member_set_role(
            actor=request.user, group=group, user=membership.user, role=data.validated_data["role"]
        )
        return Response(GroupMembershipSerializer(membership).data)

    @extend_schema(
        summary="Join an open group, or ask to join a closed one",
        request=GroupJoinInputSerializer,
        responses={201: GroupJoinResultSerializer},
    )
    @action(detail=True, methods=["post"])
    def join(self, request, pk=None):
        group = self._group()
        data = GroupJoinInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.group_join(actor=request.user, group=group, message=data.validated_data["message"])
        if isinstance(result, JoinRequest):
            body = {"status": "requested", "role": None, "join_request": result.pk}
        else:
            body = {"status": "joined", "role": result.role, "join_request": None}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Leave a group (its last owner cannot)", request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        services.group_leave(actor=request.user, group=self._group())
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- join requests -------------------------------------------------------------------------------

    @extend_schema(
        summary="Pending join requests (moderators see all, others their own)",
        responses=GroupJoinRequestSerializer(many=True),
    )
    @action(detail=True, methods=["get"], url_path="join-requests", url_name="join-requests")
    def join_requests(self, request, pk=None):
        group = self._group()
        return self._paginated(
            selectors.group_join_requests(user=request.user, group=group), GroupJoinRequestSerializer
        )

    def _join_request(self, request_id):
        join_request = selectors.join_request_get(user=self.request.user, pk=request_id)
        if str(join_request.group_id) != str(self.kwargs["pk"]):
            raise Http404("No join request matches the given query.")
        return join_request

    @extend_schema(
        summary="Approve a join request (owners, moderators, admins)",
        parameters=[REQUEST_ID],
        request=None,
        responses=GroupMembershipSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"join-requests/(?P<request_id>[0-9]+)/approve",
        url_name="join-request-approve",
    )
    def join_request_approve(self, request, pk=None, request_id=None):
        self._group()
        membership = services.join_request_approve(
            actor=request.user, join_request=self._join_request(request_id)
        )
        return Response(GroupMembershipSerializer(membership).data)

    @extend_schema(
        summary="Reject a join request (owners, moderators, admins)",
        parameters=[REQUEST_ID],
        request=None,
        responses=GroupJoinRequestSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"join-requests/(?P<request_id>[0-9]+)/reject",
        url_name="join-request-reject",
    )
    def join_request_reject(self, request, pk=None, request_id=None):
        self._group()
        join_request = services.join_request_reject(
            actor=request.user, join_request=self._join_request(request_id)
        )
        return Response(GroupJoinRequestSerializer(join_request).data)

    @extend_schema(
        summary="Withdraw your own pending join request",
        parameters=[REQUEST_ID],
        request=None,
        responses={204: None},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"join-requests/(?P<request_id>[0-9]+)",
        url_name="join-request",
    )
    def join_request_cancel(self, request, pk=None, request_id=None):
        self._group()
        services.join_request_cancel(actor=request.user, join_request=self._join_request(request_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- files ---------------------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"], summary="Files of the group (members only)", responses=GroupFileSerializer(many=True)
    )
    @extend_schema(
        methods=["POST"],
        summary="Upload a file (members only; size limited)",
        request={"multipart/form-data": GroupFileUploadSerializer},
        responses={201: GroupFileSerializer},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def files(self, request, pk=None):
        group = self._group()
        if request.method in SAFE_METHODS:  # HEAD reads too
            return self._paginated(selectors.group_files(user=request.user, group=group), GroupFileSerializer)
        if not selectors.can_reach_content(request.user, group):
            raise PermissionDenied(_("Only members upload files to a group."))
        data = GroupFileUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        group_file = services.group_file_upload(
            actor=request.user, group=group, uploaded_file=data.validated_data["file"]
        )
        body = GroupFileSerializer(group_file, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _file(self, file_id):
        group_file = selectors.group_file_get(user=self.request.user, pk=file_id)
        if str(group_file.group_id) != str(self.kwargs["pk"]):
            raise Http404("No group file matches the given query.")
        return group_file

    @extend_schema(
        summary="Delete a file (its uploader, owners, moderators, admins)",
        parameters=[FILE_ID],
        request=None,
        responses={204: None},
    )
    @action(detail=True, methods=["delete"], url_path=r"files/(?P<file_id>[0-9]+)", url_name="file")
    def file(self, request, pk=None, file_id=None):
        services.group_file_delete(actor=request.user, group_file=self._file(file_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Download a file (members only)",
        parameters=[FILE_ID],
        # Served with the type detected at upload (application/octet-stream when it is none of the known ones).
        responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")},
    )
    @action(
        detail=True, methods=["get"], url_path=r"files/(?P<file_id>[0-9]+)/download", url_name="file-download"
    )
    def file_download(self, request, pk=None, file_id=None):
        group_file = self._file(file_id)
        return file_response(
            group_file.file,
            content_type=group_file.content_type,
            download_name=group_file.name,
            inline_allowed=False,
        )
