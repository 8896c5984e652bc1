"""Telephony: PBX connections (CRM administrators) and the call events their exchanges post.

A connection authenticates with a bearer token made here and shown once; only its SHA-256 and a short prefix
are stored. `call_event_take` applies one event read by `crm.connectors.telephony.parse_call_event`:

- ``ringing`` makes the `Call` (idempotent by connection and call id: a repeat changes nothing), finds the
  employee (the extension's person, else the e-mail) and the caller's records by the normalised number, and
  after commit pushes ``{"event": "crm.call", "call": id, "state": "ringing"}`` to the employee's open pages,
  whose script fetches the card (`crm:call_card`), rendered for them;
- ``answered`` records who picked up and when;
- ``finished`` records the duration, result and recording, logs a done call activity on the caller's records
  (a missed call too), and pushes the state so the card closes.

No person acts on an event: the activity is made by the activities service as the portal itself
(`actor=None`, like the e-mail intake), with the employee who took the call as its responsible person, so it
gets what an activity logged by hand gets (timeline entry, audit row, counters, the responsible person told).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, snapshot
from portal.core.errors import DomainError, Invalid, NotFound

from .. import rights
from ..choices import (
    ActivityKind,
    CallResult,
    CallState,
    CommunicationKind,
    Direction,
    LeadSource,
)
from ..connectors.telephony import CallEvent
from ..models import Activity, Call, Company, Contact, CrmSettings, Lead, PbxConnection, PbxExtension
from ..selectors.telephony import caller_find
from .activities import activity_create

# The live message a ringing, answered or finished call sends to the employee's pages (static/crm/call-card.js).
LIVE_EVENT = "crm.call"
TOKEN_PREFIX_LENGTH = 8
NAME_MAX = 100
EXTENSION_MAX = 32


class PbxTokenRefused(DomainError):
    """No active connection holds this token (the API answers 401)."""

    code = "bad_token"


# The settings pages of this channel are for CRM administrators (404 for anyone else).
require_crm_admin = rights.require_crm_admin


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str, str]:
    """(token, its SHA-256, the prefix shown in lists)."""
    token = "pbx_" + secrets.token_urlsafe(32)
    return token, token_hash(token), token[:TOKEN_PREFIX_LENGTH]


# --- connections (CRM settings) -------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Invalid(fields={"name": [_("Name the connection.")]})
    if len(name) > NAME_MAX:
        raise Invalid(fields={"name": [_("At most %(max)d characters.") % {"max": NAME_MAX}]})
    return name


def _clean_extensions(extensions) -> list[tuple[str, object]]:
    """[(extension, user)]: each extension once, each with an active person."""
    rows, seen, errors = [], set(), {}
    for index, (extension, user) in enumerate(extensions or ()):
        extension = (extension or "").strip()
        if not extension and user is None:
            continue
        key = f"extensions-{index}"
        if not extension:
            errors[key] = [_("Give the extension number.")]
        elif len(extension) > EXTENSION_MAX:
            errors[key] = [_("At most %(max)d characters.") % {"max": EXTENSION_MAX}]
        elif extension in seen:
            errors[key] = [_("Extension %(ext)s is listed twice.") % {"ext": extension}]
        elif user is None or not getattr(user, "is_active", False):
            errors[key] = [_("Choose an active colleague for extension %(ext)s.") % {"ext": extension}]
        else:
            seen.add(extension)
            rows.append((extension, user))
    if errors:
        raise Invalid(fields=errors)
    return rows


def _set_extensions(connection: PbxConnection, rows: list[tuple[str, object]]) -> bool:
    """Replace the connection's extensions; whether anything changed."""
    before = set(connection.extensions.values_list("extension", "user_id"))
    after = {(extension, user.pk) for extension, user in rows}
    if before == after:
        return False
    PbxExtension.objects.filter(connection=connection).delete()
    PbxExtension.objects.bulk_create(
        PbxExtension(connection=connection, extension=extension, user=user) for extension, user in rows
    )
    return True


@transaction.atomic
def pbx_create(
    *, actor, name: str, is_active: bool = True, extensions: list[tuple[str, object]] | None = None
) -> tuple[PbxConnection, str]:
    """Connect a PBX. Returns the connection and its token, to show once (only its hash is kept)."""
    require_crm_admin(actor)
    name = _clean_name(name)
    rows = _clean_extensions(extensions)
    token, digest, prefix = _new_token()
    connection = PbxConnection.objects.create(
        name=name, is_active=bool(is_active), token_hash=digest, token_prefix=prefix
    )
    _set_extensions(connection, rows)
    audit_record(
        actor=actor,
        action="crm.pbx.create",
        target=connection,
        changes={**snapshot(connection, ["name", "is_active"]), "extensions": [e for e, _u in rows]},
    )
    return connection, token


@transaction.atomic
def pbx_update(
    *,
    actor,
    connection: PbxConnection,
    name: str,
    is_active: bool,
    extensions: list[tuple[str, object]] | None = None,
) -> PbxConnection:
    """Change a connection's name, state and extensions (the given list replaces the old one)."""
    require_crm_admin(actor)
    name = _clean_name(name)
    rows = _clean_extensions(extensions)
    changes: dict = {}
    if name != connection.name:
        changes["name"] = [connection.name, name]
    if bool(is_active) != connection.is_active:
        changes["is_active"] = [connection.is_active, bool(is_active)]
    if changes:
        connection.name, connection.is_active = name, bool(is_active)
        connection.save(update_fields=["name", "is_active", "updated_at"])
    if _set_extensions(connection, rows):
        changes["extensions"] = [e for e, _u in rows]
    if changes:
        audit_record(actor=actor, action="crm.pbx.update", target=connection, changes=changes)
    return connection


@transaction.atomic
def pbx_token_regenerate(*, actor, connection: PbxConnection) -> str:
    """A new token; the old one stops working at once. Returned to show once."""
    require_crm_admin(actor)
    token, digest, prefix = _new_token()
    connection.token_hash, connection.token_prefix = digest, prefix
    connection.save(update_fields=["token_hash", "token_prefix", "updated_at"])
    audit_record(actor=actor, action="crm.pbx.token", target=connection)
    return token


@transaction.atomic
def pbx_delete(*, actor, connection: PbxConnection) -> None:
    """Disconnect a PBX with its extensions and call log (the call activities stay on the records)."""
    require_crm_admin(actor)
    audit_record(actor=actor, action="crm.pbx.delete", target=connection)
    connection.delete()


def pbx_authenticate(*, token: str) -> PbxConnection:
    """The active connection holding `token` (compared by its SHA-256, one indexed query)."""
    token = (token or "").strip()
    if not token:
        raise PbxTokenRefused(_("Give the connection's token."))
    connection = PbxConnection.objects.filter(token_hash=token_hash(token), is_active=True).first()
    if connection is None:
        raise PbxTokenRefused(_("Unknown or inactive token."))
    return connection


# --- call events ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallTaken:
    """What an event did: ``created``/``updated``/``duplicate``, and the call."""

    outcome: str
    call: Call


def _employee(connection: PbxConnection, event: CallEvent):
    if event.extension:
        extension = (
            PbxExtension.objects.filter(
                connection=connection, extension=event.extension, user__is_active=True
            )
            .select_related("user")
            .first()
        )
        if extension is not None:
            return extension.user
    if event.employee_email:
        return get_user_model().objects.filter(email__iexact=event.employee_email, is_active=True).first()
    return None


def _push(call: Call) -> None:
    if call.user_id is None:
        return
    from portal.notifications.realtime import push_to_users

    push_to_users([call.user_id], {"event": LIVE_EVENT, "call": call.pk, "state": call.state})


def _ringing(connection: PbxConnection, event: CallEvent, at) -> CallTaken:
    existing = Call.objects.filter(connection=connection, call_id=event.call_id).first()
    if existing is not None:
        return CallTaken("duplicate", existing)
    external = event.caller if event.direction == Direction.INCOMING else event.called
    match = caller_find(number=external, region=CrmSettings.current().default_region)
    user = _employee(connection, event)
    try:
        with transaction.atomic():
            call = Call.objects.create(
                connection=connection,
                call_id=event.call_id,
                direction=event.direction,
                state=CallState.RINGING,
                external_number=external[:50],
                normalized=match.normalized,
                extension=event.extension,
                user=user,
                contact_id=match.contact_id,
                company_id=match.company_id,
                lead_id=match.lead_id,
            )
    except IntegrityError:
        # The same ringing delivered twice at once: the unique (connection, call id) kept one.
        return CallTaken("duplicate", Call.objects.get(connection=connection, call_id=event.call_id))
    if event.occurred_at is not None:
        Call.objects.filter(pk=call.pk).update(started_at=event.occurred_at)
    _push(call)
    return CallTaken("created", call)


def _answered(call: Call, connection: PbxConnection, event: CallEvent, at) -> CallTaken:
    if call.state != CallState.RINGING:
        return CallTaken("duplicate", call)
    fields = ["state", "answered_at"]
    call.state, call.answered_at = CallState.ANSWERED, event.occurred_at or at
    user = _employee(connection, event)
    if user is not None and user.pk != call.user_id:
        # Someone else picked up (a group call): the card moves to them.
        call.user = user
        call.extension = event.extension or call.extension
        fields += ["user", "extension"]
    call.save(update_fields=fields)
    _push(call)
    return CallTaken("updated", call)


def _records(call: Call) -> list:
    found = [
        Contact.objects.filter(pk=call.contact_id).first() if call.contact_id else None,
        Company.objects.filter(pk=call.company_id).first() if call.company_id else None,
        Lead.objects.filter(pk=call.lead_id).first() if call.lead_id else None,
    ]
    return [record for record in found if record is not None]


def _subject(call: Call) -> str:
    number = call.external_number or _("unknown number")
    if call.result == CallResult.MISSED:
        return _("Missed call from %(number)s") % {"number": number}
    if call.direction == Direction.OUTGOING:
        return _("Outgoing call to %(number)s") % {"number": number}
    return _("Incoming call from %(number)s") % {"number": number}


def call_log(call: Call) -> Activity | None:
    """The done call activity of a finished call on its records (None without a record, or when logged)."""
    if call.activity_id is not None:
        return None
    records = _records(call)
    if not records:
        return None
    responsible = call.user
    if responsible is None or not responsible.is_active:
        responsible = next(
            (r.responsible for r in records if r.responsible_id and r.responsible.is_active), None
        )
    activity = activity_create(
        actor=None,
        kind=ActivityKind.CALL,
        records=records,
        direction=call.direction,
        subject=_subject(call)[:300],
        responsible=responsible,
        is_done=True,
        done_at=call.ended_at,
        duration=call.duration,
        call_result=call.result,
        phone=call.external_number[:50],
        recording_url=call.recording_url,
    )
    call.activity = activity
    call.save(update_fields=["activity"])
    return activity


def _finished(call: Call, event: CallEvent, at) -> CallTaken:
    if call.state == CallState.FINISHED:
        return CallTaken("duplicate", call)
    call.state = CallState.FINISHED
    call.ended_at = event.occurred_at or at
    call.duration = event.duration
    call.result = event.status
    call.recording_url = event.recording_url[:1000]
    call.save(update_fields=["state", "ended_at", "duration", "result", "recording_url"])
    call_log(call)
    _push(call)
    return CallTaken("updated", call)


@transaction.atomic
def call_event_take(*, connection: PbxConnection, event: CallEvent) -> CallTaken:
    """Apply one PBX event. A repeated event answers "duplicate" and changes nothing; ``answered`` or
    ``finished`` of a call this connection never rang is `NotFound`."""
    now = timezone.now()
    PbxConnection.objects.filter(pk=connection.pk).update(last_event_at=now)
    if event.event == CallState.RINGING:
        return _ringing(connection, event, now)
    call = Call.objects.select_for_update().filter(connection=connection, call_id=event.call_id).first()
    if call is None:
        raise NotFound(_("No ringing was reported for this call."), code="unknown_call")
    if event.event == CallState.ANSWERED:
        return _answered(call, connection, event, now)
    return _finished(call, event, now)


# --- from the card ------------------------------------------------------------------------------------------


@transaction.atomic
def call_lead_create(*, actor, call: Call) -> Lead:
    """A lead from an unknown caller's number (source "call"), made by the person the card is for; the call
    then logs on it. A call that already has a lead gives that one back, if the person sees it."""
    if call.lead_id is not None:
        lead = Lead.objects.visible_to(actor).filter(pk=call.lead_id).first()
        if lead is not None:
            return lead
    from .leads import lead_create

    number = call.external_number
    lead = lead_create(
        actor=actor,
        title=_("Call from %(number)s") % {"number": number or _("unknown number")},
        source=LeadSource.CALL,
        source_detail=number[:300],
        communications=[{"kind": CommunicationKind.PHONE, "type": "work", "value": number}]
        if call.normalized
        else [],
    )
    call.lead = lead
    call.save(update_fields=["lead"])
    if call.state == CallState.FINISHED:
        call_log(call)
    return lead
