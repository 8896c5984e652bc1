"""Play a telephone exchange: post one call's events (ringing, answered, finished) to Lumen's telephony API.

    manage.py crm_pbx_simulate --token T --from +79161234567 --to-extension 101 [--url http://127.0.0.1:8000]
        [--duration 30] [--missed] [--pause 2]

It talks HTTP to a running Lumen like a real PBX would (standard library only), printing each request and
the answer, so the caller's card pops up on the employee's open pages and the call lands on the client's
records as an activity.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid

from django.core.management.base import BaseCommand, CommandError

EVENTS_PATH = "/api/v1/crm/telephony/events/"


def post_event(url: str, token: str, event: dict, *, timeout: float = 10.0) -> tuple[int, dict]:
    """POST one event; (status, JSON body) whatever the status."""
    request = urllib.request.Request(  # noqa: S310 - the address is the operator's own server
        url,
        data=json.dumps(event).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = {"raw": raw.decode(errors="replace")[:500]}
    return status, body


def call_events(
    *, call_id: str, caller: str, extension: str, called: str, duration: int, missed: bool
) -> list[dict]:
    """The events of one incoming call, in order (a missed call is never answered)."""
    events = [
        {
            "event": "ringing",
            "call_id": call_id,
            "direction": "in",
            "caller": caller,
            "called": called,
            "extension": extension,
        }
    ]
    if not missed:
        events.append({"event": "answered", "call_id": call_id, "extension": extension})
    events.append(
        {
            "event": "finished",
            "call_id": call_id,
            "duration": 0 if missed else duration,
            "status": "missed" if missed else "answered",
        }
    )
    return events


class Command(BaseCommand):
    help = "Simulate a PBX: post a call's ringing, answered and finished events to Lumen's telephony API."

    def add_arguments(self, parser):
        parser.add_argument(
            "--token", required=True, help="The PBX connection's token (CRM settings → Telephony)."
        )
        parser.add_argument(
            "--from", dest="caller", required=True, help="The calling number, e.g. +79161234567."
        )
        parser.add_argument(
            "--to-extension", dest="extension", required=True, help="The extension rung, e.g. 101."
        )
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000", help="Lumen's address (default: %(default)s)."
        )
        parser.add_argument("--called", default="+74950000000", help="The company's number that was dialled.")
        parser.add_argument(
            "--duration", type=int, default=30, help="Seconds of talk (default: %(default)s)."
        )
        parser.add_argument(
            "--missed", action="store_true", help="Nobody answers: ringing, then a missed call."
        )
        parser.add_argument(
            "--pause", type=float, default=3.0, help="Seconds between the events (default: %(default)s)."
        )
        parser.add_argument("--call-id", default="", help="The call's id (default: a new one).")

    def handle(self, *args, **options):
        if options["duration"] < 0:
            raise CommandError("--duration must not be negative.")
        url = options["url"].rstrip("/") + EVENTS_PATH
        call_id = options["call_id"] or f"sim-{uuid.uuid4().hex[:12]}"
        events = call_events(
            call_id=call_id,
            caller=options["caller"],
            extension=options["extension"],
            called=options["called"],
            duration=options["duration"],
            missed=options["missed"],
        )
        for index, event in enumerate(events):
            if index:
                time.sleep(max(0.0, options["pause"]))
            self.stdout.write(f"POST {url} {json.dumps(event)}")
            try:
                status, body = post_event(url, options["token"], event)
            except (urllib.error.URLError, OSError) as exc:
                raise CommandError(f"Lumen did not answer at {url}: {exc}") from exc
            self.stdout.write(f"  -> {status} {json.dumps(body, ensure_ascii=False)}")
            if status >= 400:
                raise CommandError(f"The {event['event']} event was refused ({status}).")
        self.stdout.write(self.style.SUCCESS(f"Call {call_id} simulated."))
