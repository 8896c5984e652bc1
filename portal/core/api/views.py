"""API entry points that belong to no single app: the root and global search. (Signing in for a token is
the people app's: portal/people/api/views.py.)"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse
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


SEARCH_TOO_SHORT = _("Type at least two characters.")


class SearchQuerySerializer(serializers.Serializer):
    """The query string of a search (a CharField refuses what the database cannot search for: NUL)."""

    q = serializers.CharField(
        min_length=2,
        help_text="At least two characters.",
        error_messages={
            "required": SEARCH_TOO_SHORT,
            "blank": SEARCH_TOO_SHORT,
            "min_length": SEARCH_TOO_SHORT,
        },
    )
    kind = serializers.CharField(required=False, help_text="Only one kind, e.g. people.")


class SearchView(APIView):
    """Search everything the caller may see. Results are grouped by kind (people, groups, ...)."""

    @extend_schema(
        parameters=[SearchQuerySerializer],
        responses={200: inline_serializer("SearchResponse", {"results": serializers.ListField()})},
    )
    def get(self, request):
        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query, kind = params.validated_data["q"], params.validated_data.get("kind")
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
