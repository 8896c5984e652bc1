"""The chat API: the same selectors and services as the pages and the websocket.

Chats the caller is not a member of answer 404; an action without the right (managing members of a chat
one did not create, editing someone else's message) answers 403.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from portal.core.permissions import get_visible

from .. import selectors, services
from ..choices import ChatKind
from ..models import Chat, ChatMember
from .serializers import (
    ChatCreateSerializer,
    ChatMemberSerializer,
    ChatQuerySerializer,
    ChatReadResultSerializer,
    ChatReadSerializer,
    ChatSerializer,
    MemberAddSerializer,
    MessageCreateSerializer,
    MessageEditSerializer,
    MessageSerializer,
)

USER_ID = OpenApiParameter("user_id", int, OpenApiParameter.PATH, description="The member's person id.")
MESSAGE_ID = OpenApiParameter("message_id", int, OpenApiParameter.PATH, description="The message's id.")


class MessageCursorPagination(CursorPagination):
    """Keyset pagination by id, newest first: `next` leads to older messages; a page's cost stays flat."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"


@extend_schema_view(
    list=extend_schema(
        summary="My chats, most recently active first, with unread counts", parameters=[ChatQuerySerializer]
    ),
    retrieve=extend_schema(summary="One of my chats"),
)
class ChatViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Direct and group chats of the caller, their members and messages."""

    serializer_class = ChatSerializer
    filter_backends: list = []
    queryset = Chat.objects.none()  # for the schema; requests go through get_queryset
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Chat.objects.none()
        query = ""
        if self.action == "list":  # the search is the list's; a chat read after a write is not filtered
            params = ChatQuerySerializer(data=self.request.query_params)
            params.is_valid(raise_exception=True)
            query = params.validated_data.get("q", "")
        return selectors.chat_list(user=self.request.user, query=query)

    def _chat(self):
        return selectors.chat_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_object(self):
        return self._chat()

    def _out(self, chat, code=status.HTTP_200_OK) -> Response:
        chat = get_visible(self.get_queryset(), pk=chat.pk)
        return Response(ChatSerializer(chat, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="Open a direct chat (returns the existing one), create a group chat or a workgroup's chat",
        request=ChatCreateSerializer,
        responses={201: ChatSerializer, 200: ChatSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = ChatCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values["kind"] == ChatKind.DIRECT:
            existed = _direct_exists(request.user, values["user"])
            chat = services.chat_direct_open(actor=request.user, other=values["user"])
            return self._out(chat, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)
        if values.get("workgroup"):
            from portal.groups.models import Workgroup

            group = get_visible(Workgroup.objects.visible_to(request.user), pk=values["workgroup"])
            chat = services.chat_workgroup_open(actor=request.user, group=group)
            return self._out(chat, status.HTTP_201_CREATED)
        chat = services.chat_group_create(
            actor=request.user, title=values.get("title", ""), members=values.get("members", [])
        )
        return self._out(chat, status.HTTP_201_CREATED)

    # --- members -------------------------------------------------------------------------------------

    @extend_schema(methods=["GET"], summary="Members of the chat", responses=ChatMemberSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        summary="Add a member (the chat's creator; not for direct or workgroup chats)",
        request=MemberAddSerializer,
        responses={201: ChatMemberSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def members(self, request, pk=None):
        chat = self._chat()
        if request.method in SAFE_METHODS:  # HEAD reads too
            members = selectors.chat_members(user=request.user, chat=chat)
            page = self.paginate_queryset(members)
            return self.get_paginated_response(ChatMemberSerializer(page, many=True).data)
        data = MemberAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.chat_member_add(actor=request.user, chat=chat, user=data.validated_data["user"])
        return Response(ChatMemberSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove a member (the creator), or leave the chat (yourself)",
        parameters=[USER_ID],
        request=None,
        responses={204: None},
    )
    @action(detail=True, methods=["delete"], url_path=r"members/(?P<user_id>[0-9]+)", url_name="member")
    def member(self, request, pk=None, user_id=None):
        chat = self._chat()
        membership = get_visible(selectors.chat_members(user=request.user, chat=chat), user_id=user_id)
        services.chat_member_remove(actor=request.user, chat=chat, user=membership.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- messages ------------------------------------------------------------------------------------

    def _members_list(self, chat) -> list[ChatMember]:
        return list(ChatMember.objects.filter(chat=chat))

    @extend_schema(
        methods=["GET"],
        summary="Messages, newest first (cursor pagination: follow `next` for older ones)",
        parameters=[OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next` or `previous`.")],
        responses=MessageSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Send a message (text, a file, or both)",
        request={"multipart/form-data": MessageCreateSerializer, "application/json": MessageCreateSerializer},
        responses={201: MessageSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[JSONParser, MultiPartParser, FormParser],
        pagination_class=MessageCursorPagination,
    )
    def messages(self, request, pk=None):
        chat = self._chat()
        if request.method in SAFE_METHODS:  # HEAD reads too
            paginator = MessageCursorPagination()
            page = paginator.paginate_queryset(
                selectors.message_qs(user=request.user, chat=chat), request, self
            )
            context = {**self.get_serializer_context(), "members": self._members_list(chat)}
            return paginator.get_paginated_response(MessageSerializer(page, many=True, context=context).data)
        data = MessageCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.message_send(
            actor=request.user,
            chat=chat,
            body=data.validated_data.get("body", ""),
            attachment=data.validated_data.get("attachment"),
        )
        context = {**self.get_serializer_context(), "members": self._members_list(chat)}
        return Response(MessageSerializer(message, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        summary="Edit your own message",
        parameters=[MESSAGE_ID],
        request=MessageEditSerializer,
        responses=MessageSerializer,
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Delete your own message (a deleted stub stays)",
        parameters=[MESSAGE_ID],
        request=None,
        responses={204: None},
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"messages/(?P<message_id>[0-9]+)",
        url_name="message",
    )
    def message(self, request, pk=None, message_id=None):
        chat = self._chat()
        message = selectors.message_get(user=request.user, pk=message_id, chat=chat)
        if request.method == "DELETE":
            services.message_delete(actor=request.user, message=message)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = MessageEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.message_edit(actor=request.user, message=message, body=data.validated_data["body"])
        context = {**self.get_serializer_context(), "members": self._members_list(chat)}
        return Response(MessageSerializer(message, context=context).data)

    @extend_schema(
        summary="Mark the chat read (up to `message_id`, default the newest message)",
        request=ChatReadSerializer,
        responses=ChatReadResultSerializer,
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        chat = self._chat()
        data = ChatReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.chat_mark_read(
            actor=request.user, chat=chat, message_id=data.validated_data.get("message_id")
        )
        unread = selectors.chat_get(user=request.user, pk=chat.pk).unread
        body = {"chat": chat.pk, "last_read_message_id": membership.last_read_message_id, "unread": unread}
        return Response(body)


def _direct_exists(user, other) -> bool:
    from ..models import Chat, direct_key_for

    return Chat.objects.filter(direct_key=direct_key_for(user.pk, other.pk)).exists()
