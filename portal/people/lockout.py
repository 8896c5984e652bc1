"""Brute-force protection of signing in, on top of django-axes (configured in portal/settings/base.py).

Every `authenticate()` call with a request (the login form, Django admin's login, the API's token
endpoint) goes through axes' backend first; a failed attempt is recorded in the database with the
account typed and the client's address as `portal.core.http.client_ip` sees it (so behind proxies only
`LUMEN_TRUSTED_PROXIES` decide which X-Forwarded-For entry counts, and a forged header dodges nothing).

Sign-in is refused for a while (the cool-off) once, within the cool-off, an account collects
`AXES_FAILURE_LIMIT` failures, or an address collects `LUMEN_LOGIN_ADDRESS_FAILURE_LIMIT`. The address has a
limit of its own because a whole office behind one NAT address shares it: their typos must not add up to
the limit of a single account. The refusal says the same for accounts that exist and accounts that do not.
Admins lift a lock in Django admin (Axes → access attempts: delete, or People → "Unlock signing in").
"""

from __future__ import annotations

import datetime
import math

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.exceptions import Throttled

LOCKED_OUT_CODE = "locked_out"


def cool_off(request: HttpRequest | None = None) -> datetime.timedelta:
    """How long signing in stays refused after the last counted failure (AXES_COOLOFF_TIME)."""
    return datetime.timedelta(minutes=settings.LUMEN_LOGIN_COOLOFF_MINUTES)


def username_of(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The account an attempt is for (AXES_USERNAME_CALLABLE): the e-mail typed, trimmed and in lower case,
    as the login form and the token endpoint look it up, so that "Anna@X" and "anna@x " count together."""
    credentials = credentials or {}
    value = credentials.get("username", credentials.get(settings.AXES_USERNAME_FORM_FIELD))
    if value is None and request is not None and request.method == "POST":
        value = request.POST.get("username")
    value = str(value or "").strip().lower()[:255]  # the length of axes' column
    return value or None


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per account and a separate limit per address.

    Axes compares one number, `get_failures()`, with AXES_FAILURE_LIMIT. Here that number is the account's
    failures within the cool-off; an address over its own limit reports the account limit, so that axes
    refuses every account from it.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        by_account = _failures(recent.filter(username=username)) if username else 0
        by_address = _failures(recent.filter(ip_address=request.axes_ip_address))
        if by_address >= settings.LUMEN_LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(by_account, get_failure_limit(request, credentials))
        return by_account

    def clean_expired_user_attempts(self, request=None, credentials: dict | None = None) -> int:
        """Forget the attempts older than the cool-off. Axes' own version reads the time of a request axes has
        seen; its admin action ("Clean up expired attempts") passes one it has not."""
        now = getattr(request, "axes_attempt_time", None) or timezone.now()
        count, _details = AccessAttempt.objects.filter(attempt_time__lte=now - cool_off(request)).delete()
        return count


def locked_out_message() -> str:
    minutes = max(1, math.ceil(cool_off().total_seconds() / 60))
    return ngettext(
        "Too many failed attempts to sign in. Signing in is paused for %(minutes)d minute; try again later.",
        "Too many failed attempts to sign in. Signing in is paused for %(minutes)d minutes; try again later.",
        minutes,
    ) % {"minutes": minutes}


class LoginLockedOut(Throttled):
    """The API's answer to a locked-out sign-in: 429 in the API's error shape, with Retry-After."""

    default_code = LOCKED_OUT_CODE

    def __init__(self):
        # The wait goes into Retry-After only: the message already says how long, in words.
        super().__init__(detail=locked_out_message(), code=LOCKED_OUT_CODE)
        self.wait = math.ceil(cool_off().total_seconds())


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(reverse("api-root"))


def locked_out_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What a locked-out sign-in gets (AXES_LOCKOUT_CALLABLE): 429, the same words whatever account was typed.

    Pages get the portal's page; the API gets its JSON error shape (the token endpoint answers that itself,
    so its response passes as it is). Axes' asynchronous middleware passes the credentials where the
    original response belongs, hence the type check.
    """
    if not isinstance(original_response, HttpResponseBase):
        original_response = None
    retry_after = str(int(cool_off().total_seconds()))
    if _is_api(request):
        if original_response is not None and original_response.status_code == 429:
            return original_response
        body = {
            "error": {"status": 429, "code": LOCKED_OUT_CODE, "message": locked_out_message(), "fields": {}}
        }
        response = JsonResponse(body, status=429)
    else:
        context = {"message": locked_out_message(), "title": _("Signing in is paused")}
        response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = retry_after
    return response
