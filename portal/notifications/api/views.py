"""The notifications API: the same selectors and services as the pages; only the caller's own rows."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core.api.pagination import NewestFirstCursorPagination

from .. import selectors, services
from ..counters import counters_get
from .serializers import (
    CountersSerializer,
    MarkAllReadSerializer,
    NotificationSerializer,
    NotificationSettingsSerializer,
)


def _settings_body(user) -> dict:
    kinds = selectors.notification_settings_get(user=user)
    return {
        "email_kinds": [k["key"] for k in kinds if k["email"]],
        "kinds": [{"key": k["key"], "label": str(k["label"]), "email": k["email"]} for k in kinds],
    }


@extend_schema_view(
    list=extend_schema(
        summary="My notifications, newest first (cursor pagination)",
        parameters=[OpenApiParameter("unread", bool, description="Only unread ones.")],
    ),
    retrieve=extend_schema(summary="One of my notifications"),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    pagination_class = NewestFirstCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        unread = self.request.query_params.get("unread", "").lower() in ("1", "true")
        return selectors.notification_list(user=self.request.user, unread_only=unread).select_related(
            "target_type"
        )

    def get_object(self):
        return selectors.notification_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer_class(self):
        # OPTIONS describes the PUT of the settings with the settings' own fields.
        if self.action == "notification_settings":
            return NotificationSettingsSerializer
        return NotificationSerializer

    @extend_schema(
        summary="Mark one of my notifications read", request=None, responses=NotificationSerializer
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(user=request.user, notification=self.get_object())
        return Response(NotificationSerializer(notification).data)

    @extend_schema(summary="Mark all my notifications read", request=None, responses=MarkAllReadSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})

    @extend_schema(
        methods=["GET"],
        summary="Which kinds also come to me by e-mail",
        responses=NotificationSettingsSerializer,
    )
    @extend_schema(
        methods=["PUT"],
        summary="Choose which kinds also come to me by e-mail",
        request=NotificationSettingsSerializer,
        responses=NotificationSettingsSerializer,
    )
    @action(detail=False, methods=["get", "put"], url_path="settings", pagination_class=None)
    def notification_settings(self, request):
        if request.method == "PUT":
            data = NotificationSettingsSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.notification_settings_update(
                user=request.user, email_kinds=set(data.validated_data["email_kinds"])
            )
        return Response(_settings_body(request.user))

    @extend_schema(summary="All my counters (unread notifications, chat, ...)", responses=CountersSerializer)
    @action(detail=False, methods=["get"], pagination_class=None)
    def counters(self, request):
        return Response({"counters": counters_get(request.user)})
