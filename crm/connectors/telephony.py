"""The events a telephone exchange (PBX) posts to Lumen's telephony API, read into one ``CallEvent``.

Three events follow one call, tied together by ``call_id``:

- ``ringing``: ``direction`` (``in``/``out``), ``caller`` and ``called`` numbers, and who is rung or rings:
  ``extension`` and/or ``employee_email``;
- ``answered``: ``extension`` and/or ``employee_email`` of the one who picked up;
- ``finished``: ``duration`` (whole seconds of talk), ``status`` (``answered``, ``missed``, ``busy``,
  ``failed``) and an optional ``recording_url``.

Every event may carry ``occurred_at`` (ISO 8601 with an offset). Numbers are kept as the exchange wrote
them; the service normalises them with ``crm.phones.normalize_phone`` in the company's region.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from crm.choices import CallResult, CallState, Direction
from portal.core.errors import Invalid

_ID_MAX = 128
_NUMBER_MAX = 64
_EXTENSION_MAX = 32
_URL_MAX = 2000
# A day: a longer "duration" is an exchange's bug, not a call.
_DURATION_MAX = 24 * 60 * 60


class CallEventInvalid(Invalid):
    """The event cannot be read; ``fields`` says what is wrong, field by field."""

    code = "invalid_call_event"

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__(fields=fields, code=self.code)


@dataclass(frozen=True)
class CallEvent:
    event: str  # CallState: ringing, answered, finished
    call_id: str
    occurred_at: datetime | None = None
    direction: str = ""  # Direction: in, out (ringing)
    caller: str = ""  # ringing
    called: str = ""  # ringing
    extension: str = ""  # ringing, answered
    employee_email: str = ""  # ringing, answered
    duration: int | None = None  # finished
    status: str = ""  # CallResult (finished)
    recording_url: str = ""  # finished


class _Reader:
    """Collects the messages of every field before refusing, so the exchange learns all its mistakes at once."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.errors: dict[str, list[str]] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def text(self, name: str, *, limit: int, required: bool = False) -> str:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.fail(name, _("This field is required."))
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.fail(name, _("Expected a string."))
            return ""
        text = str(value).strip()
        if required and not text:
            self.fail(name, _("This field is required."))
        if len(text) > limit:
            self.fail(name, _("At most %(limit)s characters.") % {"limit": limit})
            return ""
        return text

    def choice(self, name: str, choices: type[Direction] | type[CallResult] | type[CallState]) -> str:
        value = self.text(name, limit=32, required=True)
        if value and value not in choices.values:
            self.fail(name, _("Expected one of: %(choices)s.") % {"choices": ", ".join(choices.values)})
            return ""
        return value

    def number(self, name: str) -> str:
        value = self.text(name, limit=_NUMBER_MAX, required=True)
        if value and sum(ch.isascii() and ch.isdigit() for ch in value) < 2:
            self.fail(name, _("Not a phone number or extension."))
            return ""
        return value

    def moment(self, name: str) -> datetime | None:
        value = self.text(name, limit=64)
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail(name, _("Expected an ISO 8601 time."))
            return None
        if moment.tzinfo is None:
            self.fail(name, _("The time needs a UTC offset."))
            return None
        return moment

    def who(self) -> tuple[str, str]:
        extension = self.text("extension", limit=_EXTENSION_MAX)
        email = self.text("employee_email", limit=254)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                self.fail("employee_email", _("Enter a valid e-mail address."))
                email = ""
        if not extension and not email and "employee_email" not in self.errors:
            self.fail("extension", _("Give the extension or the employee's e-mail."))
        return extension, email.lower()

    def duration(self) -> int | None:
        value = self.data.get("duration")
        if value is None or value == "":
            self.fail("duration", _("This field is required."))
            return None
        if isinstance(value, bool):
            seconds = None
        elif isinstance(value, int):
            seconds = value
        elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            seconds = int(value.strip())
        else:
            seconds = None
        if seconds is None or not 0 <= seconds <= _DURATION_MAX:
            self.fail("duration", _("Expected whole seconds, from 0 to %(max)s.") % {"max": _DURATION_MAX})
            return None
        return seconds

    def url(self, name: str) -> str:
        value = self.text(name, limit=_URL_MAX)
        if not value:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.fail(name, _("Expected an http or https address."))
            return ""
        return value


def parse_call_event(data: dict) -> CallEvent:
    """Read one PBX event; ``CallEventInvalid`` names every field that is wrong."""
    if not isinstance(data, dict):
        raise CallEventInvalid({"__all__": [_("Expected a JSON object.")]})
    read = _Reader(data)
    event = read.choice("event", CallState)
    call_id = read.text("call_id", limit=_ID_MAX, required=True)
    occurred_at = read.moment("occurred_at")
    values: dict[str, Any] = {}
    if event == CallState.RINGING:
        values["direction"] = read.choice("direction", Direction)
        values["caller"] = read.number("caller")
        values["called"] = read.number("called")
        values["extension"], values["employee_email"] = read.who()
    elif event == CallState.ANSWERED:
        values["extension"], values["employee_email"] = read.who()
    elif event == CallState.FINISHED:
        values["duration"] = read.duration()
        values["status"] = read.choice("status", CallResult)
        values["recording_url"] = read.url("recording_url")
    if read.errors:
        raise CallEventInvalid(read.errors)
    return CallEvent(event=event, call_id=call_id, occurred_at=occurred_at, **values)
