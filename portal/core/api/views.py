"""API entry points that belong to no single app: the root, token issue, and global search."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from portal.core.search import search_all


class ApiRootView(APIView):
    """Where the API's collections live."""

    @extend_schema(exclude=True)
    def get(self, request):
        names = ["person-list", "department-list", "workgroup-list", "invitation-list", "task-list"]
        links = {}
        for name in names:
            try:
                links[name.removesuffix("-list")] = reverse(name, request=request)
            except Exception:  # noqa: BLE001 - a collection that is not there yet is simply not listed
                continue
        links["search"] = reverse("api-search", request=request)
        links["schema"] = reverse("api-schema", request=request)
        return Response(links)


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenView(APIView):
    """Exchange an e-mail and password for an API token (send it as `Authorization: Token <key>`)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request, username=data.validated_data["email"].lower(), password=data.validated_data["password"]
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError({"non_field_errors": ["Wrong e-mail or password."]})
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key}, status=status.HTTP_200_OK)


class SearchView(APIView):
    """Search everything the caller may see. Results are grouped by kind (people, groups, ...)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description="At least two characters."),
            OpenApiParameter("kind", str, required=False, description="Only one kind, e.g. people."),
        ],
        responses={200: inline_serializer("SearchResponse", {"results": serializers.ListField()})},
    )
    def get(self, request):
        query = request.query_params.get("q", "").strip()
        if len(query) < 2:
            raise serializers.ValidationError({"q": ["Type at least two characters."]})
        kind = request.query_params.get("kind")
        groups = search_all(user=request.user, query=query, limit=20, kinds=[kind] if kind else None)
        results = [
            {
                "kind": provider.key,
                "label": str(provider.label),
                "hits": [{"title": h.title, "url": h.url, "snippet": h.snippet} for h in hits],
            }
            for provider, hits in groups
        ]
        return Response({"query": query, "results": results})
