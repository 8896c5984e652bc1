"""PBX events of the telephony API: what is read, and what is refused field by field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm.connectors.telephony import CallEvent, CallEventInvalid, parse_call_event
from portal.core.errors import Invalid


def test_ringing():
    event = parse_call_event(
        {
            "event": "ringing",
            "call_id": "1716198000.4521",
            "direction": "in",
            "caller": "+7 (916) 555-12-34",
            "called": "+7 495 000-00-00",
            "extension": "101",
            "employee_email": "Olga.Kuznetsova@Example.ru",
            "occurred_at": "2025-05-20T09:40:00Z",
        }
    )
    assert event == CallEvent(
        event="ringing",
        call_id="1716198000.4521",
        occurred_at=datetime(2025, 5, 20, 9, 40, tzinfo=UTC),
        direction="in",
        caller="+7 (916) 555-12-34",
        called="+7 495 000-00-00",
        extension="101",
        employee_email="olga.kuznetsova@example.ru",
    )


def test_outgoing_ringing_from_an_extension_by_email_only():
    event = parse_call_event(
        {
            "event": "ringing",
            "call_id": 42,
            "direction": "out",
            "caller": "101",
            "called": "8 916 555 12 34",
            "employee_email": "ivan@example.com",
        }
    )
    assert (event.call_id, event.direction, event.extension, event.employee_email) == (
        "42",
        "out",
        "",
        "ivan@example.com",
    )
    assert event.occurred_at is None


def test_answered():
    event = parse_call_event({"event": "answered", "call_id": "c-1", "extension": "102"})
    assert (event.event, event.call_id, event.extension) == ("answered", "c-1", "102")
    assert event.duration is None and event.status == ""


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"duration": 125, "status": "answered", "recording_url": "https://pbx.example.ru/rec/c-1.mp3"},
            (125, "answered", "https://pbx.example.ru/rec/c-1.mp3"),
        ),
        ({"duration": "0", "status": "missed"}, (0, "missed", "")),
        ({"duration": 0, "status": "busy", "recording_url": ""}, (0, "busy", "")),
        ({"duration": 3, "status": "failed"}, (3, "failed", "")),
    ],
)
def test_finished(data, expected):
    event = parse_call_event({"event": "finished", "call_id": "c-1", **data})
    assert (event.duration, event.status, event.recording_url) == expected


def _errors(data) -> dict[str, list[str]]:
    with pytest.raises(CallEventInvalid) as caught:
        parse_call_event(data)
    assert isinstance(caught.value, Invalid)
    assert caught.value.code == "invalid_call_event"
    return caught.value.fields


def test_every_wrong_field_is_named_at_once():
    fields = _errors(
        {
            "event": "ringing",
            "call_id": "",
            "direction": "sideways",
            "caller": "anonymous",
            "occurred_at": "2025-05-20 09:40",
        }
    )
    assert set(fields) == {"call_id", "direction", "caller", "called", "extension", "occurred_at"}
    assert all(messages and all(isinstance(m, str) for m in messages) for messages in fields.values())


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "event"),
        ({"event": "hangup", "call_id": "c"}, "event"),
        ({"event": "answered"}, "call_id"),
        ({"event": "answered", "call_id": ["c"], "extension": "1"}, "call_id"),
        ({"event": "answered", "call_id": "c" * 129, "extension": "1"}, "call_id"),
        ({"event": "answered", "call_id": "c"}, "extension"),
        ({"event": "answered", "call_id": "c", "employee_email": "not-an-address"}, "employee_email"),
        (
            {"event": "answered", "call_id": "c", "extension": "1", "occurred_at": "2025-05-20T09:40:00"},
            "occurred_at",
        ),
        ({"event": "answered", "call_id": "c", "extension": "1", "occurred_at": "yesterday"}, "occurred_at"),
        ({"event": "finished", "call_id": "c", "status": "answered"}, "duration"),
        ({"event": "finished", "call_id": "c", "duration": -1, "status": "answered"}, "duration"),
        ({"event": "finished", "call_id": "c", "duration": 12.5, "status": "answered"}, "duration"),
        ({"event": "finished", "call_id": "c", "duration": True, "status": "answered"}, "duration"),
        ({"event": "finished", "call_id": "c", "duration": "١٢", "status": "answered"}, "duration"),
        ({"event": "finished", "call_id": "c", "duration": 10**9, "status": "answered"}, "duration"),
        ({"event": "finished", "call_id": "c", "duration": 5}, "status"),
        ({"event": "finished", "call_id": "c", "duration": 5, "status": "dropped"}, "status"),
        (
            {
                "event": "finished",
                "call_id": "c",
                "duration": 5,
                "status": "answered",
                "recording_url": "ftp://x/r",
            },
            "recording_url",
        ),
        (
            {
                "event": "finished",
                "call_id": "c",
                "duration": 5,
                "status": "answered",
                "recording_url": "javascript:x",
            },
            "recording_url",
        ),
    ],
)
def test_refusals(data, field):
    assert field in _errors(data)


def test_not_an_object():
    assert "__all__" in _errors(["ringing"])
