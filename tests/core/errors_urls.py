"""The project's routes plus a page and an API endpoint that raise a chosen domain error (tests only)."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.urls import handler404  # noqa: F401 (handler404 is read by Django)
from portal.urls import urlpatterns as project_urlpatterns

ERRORS = {
    "not_found": lambda: NotFound("No thing matches the given query."),
    "not_allowed": lambda: NotAllowed("Only the owner may do this."),
    "invalid": lambda: Invalid({"title": ["Give it a title."], "due": ["Pick a later date."]}),
    "invalid_plain": lambda: Invalid("This thing is closed."),
}


def raising_page(request, kind):
    """A page view that lets a service's refusal through, as most views do."""
    raise ERRORS[kind]()


class RaisingApiView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request, kind):
        raise ERRORS[kind]()

    def post(self, request, kind):  # pragma: no cover - the GET answers the same
        return Response({})


urlpatterns = [
    path("test-errors/<str:kind>/", raising_page),
    path("api/v1/test-errors/<str:kind>/", RaisingApiView.as_view()),
    *project_urlpatterns,
]
