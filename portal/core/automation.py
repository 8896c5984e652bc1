"""Automation events: an app tells the automation rules that something happened, without knowing them.

The app that owns a trigger (registered in `registry.automation_triggers`) calls `automation_event_send`
inside its service; the event leaves on commit (a rolled-back change fires nothing). The workflows app
connects to `automation_event` and runs the matching rules as Celery jobs, idempotent by (rule, object,
event id), so the user's own change never waits for them or fails because of them.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

# kwargs: trigger (str), object_id, event_id (str, unique per happening of the trigger on the object),
# scopes (list[str] such as "group:12", "stage:5"), data (dict, JSON-ready: the values conditions test),
# actor_id (int | None).
automation_event = Signal()


def automation_event_send(
    *, trigger: str, object_id, event_id: str, scopes: list[str], data: dict | None = None, actor_id=None
) -> None:
    """Announce, after the current transaction commits, that `trigger` happened to the object."""
    payload = {
        "trigger": trigger,
        "object_id": object_id,
        "event_id": str(event_id),
        "scopes": [str(scope) for scope in scopes if scope],
        "data": dict(data or {}),
        "actor_id": actor_id,
    }
    transaction.on_commit(lambda: automation_event.send(sender=trigger, **payload))
