"""Domain errors: what a service says when it refuses, without knowing who asked.

Services (and selectors' ``*_get``) raise these; the edges translate them:

- pages: ``portal.core.middleware.DomainErrorMiddleware`` turns ``NotFound`` into the 404 page,
  ``NotAllowed`` into 403, ``Invalid`` into 400 (forms usually catch ``Invalid`` first and show
  its ``fields`` next to the inputs);
- the API: ``portal.core.api.errors.exception_handler`` gives the one JSON error shape;
- jobs: a job catches ``DomainError`` and logs it; retrying would not help.

``NotAllowed`` and ``Invalid`` extend Django's ``PermissionDenied`` and ``ValidationError`` so
that forms, serializers and admin actions that already catch those keep working. ``NotFound``
has no ``django.http`` base: a service must not know about HTTP.
"""

from __future__ import annotations

import functools
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


class DomainError(Exception):
    """The base of every refusal a service makes; ``code`` is stable, ``message`` is for people."""

    code = "error"

    def __init__(self, message: str = "", *, code: str | None = None):
        # Exception's own __init__, not super(): in Invalid the next class is ValidationError, which would
        # initialise itself again from the bare message (dropping its code).
        Exception.__init__(self, message)
        self.message = str(message)
        if code:
            self.code = code


class NotFound(DomainError):
    """Missing or hidden: the two answer the same, so that existence does not leak."""

    code = "not_found"

    def __init__(self, message: str | None = None, *, code: str | None = None):
        super().__init__(message or _("Not found."), code=code)


class NotAllowed(DomainError, PermissionDenied):
    """The actor may see the object but may not do this to it."""

    code = "not_allowed"

    def __init__(self, message: str | None = None, *, code: str | None = None):
        DomainError.__init__(self, message or _("You are not allowed to do this."), code=code)


class Invalid(DomainError, ValidationError):
    """The input breaks a rule. ``fields`` maps a field name (or ``__all__``) to its messages.

    It is also a Django ``ValidationError``: ``message_dict``/``messages`` work, and
    ``form.add_error(None, exc)`` puts each message next to its field.
    """

    code = "invalid"

    def __init__(self, message=None, *, fields: dict | None = None, code: str | None = None):
        if fields is None and isinstance(message, dict):
            fields, message = message, None
        if fields:
            normalised = {
                k: [str(m) for m in (v if isinstance(v, list | tuple) else [v])] for k, v in fields.items()
            }
            ValidationError.__init__(self, normalised)
            text = message or "; ".join(m for msgs in normalised.values() for m in msgs)
        else:
            text = str(message or _("The input is invalid."))
            ValidationError.__init__(self, text, code=code or "invalid")
            normalised = {}
        DomainError.__init__(self, text, code=code)
        self.fields = normalised

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        # copy/pickle (Django copies form errors): rebuild from the attributes, not from __init__'s arguments.
        return (_rebuild, (type(self),), self.__dict__)


def _rebuild(cls):
    return cls.__new__(cls)


def job_edge(func):
    """The jobs' edge: a ``DomainError`` from the job's body is logged and the job ends (returns None).

    The refusal is about the data (the object is gone, the rule says no), so retrying would only repeat
    it; other exceptions (network, database) still propagate to Celery's retry and failure handling.
    Put it under ``@shared_task``, on the function itself.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            log.warning("job %s refused (%s): %s", func.__qualname__, exc.code, exc.message)
            return None

    return wrapper
