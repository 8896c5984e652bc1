"""JSON errors with one stable shape for the whole API:

{"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"email": ["..."]}}}

It is also the API edge of the domain errors (``portal.core.errors``): ``NotFound`` answers 404,
``NotAllowed`` 403 with its message, ``Invalid`` 400 with its ``fields``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.core.errors import NotAllowed, NotFound


def _codes(detail):
    if isinstance(detail, list) and detail:
        return _codes(detail[0])
    if isinstance(detail, dict) and detail:
        return _codes(next(iter(detail.values())))
    return getattr(detail, "code", "error")


def exception_handler(exc, context):
    # Invalid is a Django ValidationError: its fields take the first branch.
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, Http404 | NotFound):
        # One message for missing and hidden alike, so that the answer does not tell them apart.
        exc = exceptions.NotFound()
    elif isinstance(exc, NotAllowed):
        exc = exceptions.PermissionDenied(exc.message or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    detail = response.data
    fields: dict = {}
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(detail, dict):
            fields = {k: v if isinstance(v, list) else [v] for k, v in detail.items()}
            message = _("The request has invalid fields.")
        else:
            fields = {"non_field_errors": detail if isinstance(detail, list) else [detail]}
            message = _("The request is invalid.")
        code = "invalid"
    else:
        message = str(detail.get("detail", "")) if isinstance(detail, dict) else str(detail)
        code = _codes(getattr(exc, "detail", None)) or "error"
    body = {
        "error": {"status": response.status_code, "code": str(code), "message": message, "fields": fields}
    }
    headers = {k: v for k, v in response.items()}
    return Response(body, status=response.status_code or status.HTTP_400_BAD_REQUEST, headers=headers)
