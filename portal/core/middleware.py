"""Middleware: refusing NUL bytes in query strings, the first-run redirect, and the user's own time zone and
language."""

from __future__ import annotations

import zoneinfo

from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation


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
            message = "Null characters are not allowed."
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
            from portal.people.selectors import company_get

            if company_get() is not None:
                self.registered = True
            elif not request.path.startswith(self.exempt_prefixes):
                return redirect(reverse("setup"))
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
