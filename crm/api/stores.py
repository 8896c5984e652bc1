"""CRM API: the online-store order webhook (/api/v1/crm/hooks/store/<token>/), anonymous and signed.

The store proves itself with the HMAC signature of the body under the connection's secret; the token in the
address only says which connection. Refusals answer in the API's one error shape.
"""

from __future__ import annotations

import uuid

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.core.errors import NotFound

from ..connectors.stores import MAX_BODY_BYTES, TooLarge, WebhookRejected, check_size
from ..services import stores as services

ACCEPTED = inline_serializer(
    "CrmStoreWebhookAccepted",
    {
        "outcome": serializers.ChoiceField(choices=["created", "updated", "duplicate", "stale", "ignored"]),
        "deal": serializers.IntegerField(allow_null=True),
    },
)


def _error(status: int, code: str, message: str) -> Response:
    return Response(
        {"error": {"status": status, "code": code, "message": message, "fields": {}}}, status=status
    )


def _connection_token(token: str) -> uuid.UUID:
    """The route takes any text, so that every address the API lists answers in its error shape: one that is
    not a connection's UUID names no connection."""
    try:
        return uuid.UUID(token)
    except ValueError:
        raise NotFound() from None


def _declared_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


class StoreWebhookView(APIView):
    """Order webhooks of one store connection (WooCommerce, Shopify or Lumen JSON; docs/crm-store-webhooks.md)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes: list = []

    @extend_schema(
        operation_id="crm_store_webhook",
        summary="Receive an order webhook from an online store",
        description=(
            "Anonymous; the body must be signed with the connection's secret (HMAC-SHA256: "
            "`X-WC-Webhook-Signature`, `X-Shopify-Hmac-Sha256` or `X-Lumen-Signature: sha256=<hex>`). "
            f"Bodies over {MAX_BODY_BYTES} bytes are refused (413). A repeated delivery answers 200 "
            '"duplicate", an order older than the one applied 200 "stale"; events that are not about '
            'orders (pings) 202 "ignored". Nothing changes in these cases.'
        ),
        parameters=[OpenApiParameter("token", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            200: OpenApiResponse(
                ACCEPTED, description="Applied (created, updated), or a duplicate or stale one"
            ),
            202: OpenApiResponse(ACCEPTED, description="Accepted and ignored (a ping, another topic)"),
            400: OpenApiResponse(description="malformed"),
            401: OpenApiResponse(description="unsigned, bad_signature"),
            404: OpenApiResponse(description="No active connection has this address"),
            413: OpenApiResponse(description="too_large"),
        },
        examples=[OpenApiExample("Applied", value={"outcome": "created", "deal": 42}, response_only=True)],
        tags=["crm"],
    )
    def post(self, request, token):
        try:
            token = _connection_token(token)
            check_size(_declared_length(request))
            # Read at most one byte over the limit: a body without a (true) length is still bounded.
            raw = request._request
            body = raw.body if hasattr(raw, "_body") else raw.read(MAX_BODY_BYTES + 1)
            check_size(len(body))
            receipt = services.store_order_receive(token=token, body=body, headers=request.headers)
        except TooLarge as exc:
            return _error(413, exc.code, exc.message)
        except WebhookRejected as exc:
            if exc.status < 400:
                return Response(
                    {"outcome": exc.code, "deal": None, "message": exc.message}, status=exc.status
                )
            return _error(exc.status, exc.code, exc.message)
        except NotFound as exc:
            return _error(404, exc.code, exc.message)
        return Response({"outcome": receipt.outcome, "deal": receipt.deal_id}, status=200)


def register(router) -> None:
    """No view sets: the webhook is a plain route below."""


urls: list = [
    path("hooks/store/<str:token>/", StoreWebhookView.as_view(), name="crm-store-webhook"),
]
