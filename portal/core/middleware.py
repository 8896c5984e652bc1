"""Middleware: refusing NUL bytes in query strings, the first-run redirect, the user's own time zone and
language, and the page edge of the domain errors."""

from __future__ import annotations

import zoneinfo

from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext

from portal.core.errors import Invalid, NotFound
from portal.core.htmx import is_htmx


class RejectNullBytesMiddleware:
    """A query string carrying a NUL byte answers 400 before any view reads it.

    No text in Lumen contains NUL, and PostgreSQL refuses it in text columns and parameters: a search or
    filter that passed it on would fail with a server error. Forms and serializers refuse it in bodies
    field by field (Django's and DRF's CharField do); query strings are read by hand in many views, so they
    are checked once here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = [
            key for key, values in request.GET.lists() if "\x00" in key or any("\x00" in v for v in values)
        ]
        if bad:
            message = gettext("Null characters are not allowed.")
            if request.path.startswith("/api/"):
                fields = {key.replace("\x00", ""): [message] for key in bad}
                return JsonResponse(
                    {"error": {"status": 400, "code": "invalid", "message": message, "fields": fields}},
                    status=400,
                )
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class FirstRunMiddleware:
    """Until the portal is registered, every page leads to the registration page."""

    exempt_prefixes = ("/setup/", "/static/", "/media/", "/admin/", "/api/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response
        self.registered = False

    def __call__(self, request):
        if not self.registered:
            from portal.core.registry import registry

            states = list(registry.portal_state)
            if all(state.is_registered() for state in states):
                self.registered = True
            elif not request.path.startswith(self.exempt_prefixes):
                pending = next(state for state in states if not state.is_registered())
                return redirect(reverse(pending.setup_url_name))
        return self.get_response(request)


class UserPreferencesMiddleware:
    """Activate the signed-in user's time zone and language for the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            # The zone is the request's: the thread's next work (another request, a test) starts from the default.
            timezone.deactivate()


class DomainErrorMiddleware(MiddlewareMixin):
    """The page edge of the domain errors (``portal.core.errors``) a view let through.

    ``NotFound`` becomes Django's 404 handling (the usual 404 page), ``NotAllowed`` is a
    ``PermissionDenied`` already and gets the 403 page from Django, and ``Invalid`` gets a 400 page with
    its message (for htmx, the message alone, to swap into the page). Views that can say more (a form
    with the errors next to the fields) catch ``Invalid`` themselves. The API has its own edge
    (``portal.core.api.errors``); DRF handles its errors before they reach middleware.
    """

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            # Raised here, Django's own handling renders the 404 page (and handler404 for the API paths).
            raise Http404(exception.message) from exception
        if isinstance(exception, Invalid):
            context = {"message": exception.message, "fields": exception.fields}
            if is_htmx(request):
                return render(request, "core/partials/invalid.html", context, status=400)
            return render(request, "core/invalid.html", context, status=400)
        return None
