"""Activities on CRM records: calls, meetings, e-mails and to-dos.

Creating one on a record needs the right to edit that record; changing, completing or deleting one is for its
responsible person and for anyone who may edit a record it is linked to. Every write marks the linked records'
last activity (and a lead as taken in work), puts the activity on their timeline once, writes an audit row and
tells the responsible person when someone else gave them the activity. An outgoing e-mail is sent by a job
after the transaction commits (`crm.jobs.activity_email_send_job`).

`activity_create(actor=None, ...)` is the portal itself logging what arrived by itself (an e-mail taken from a
mailbox, a call the PBX reported): no person's rights apply, and the rest is the same as for an activity
logged by hand, except that only work done with the client takes a lead in work (an answered call does; an
e-mail or a missed call arriving does not, so the lead still waits for someone).
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotAllowed, NotFound

from ..choices import Action, ActivityKind, CallResult, CommunicationKind, Direction, TimelineKind
from ..counters import recount_records
from ..models import Activity, Communication, Lead
from ..models.links import LINK_FIELDS
from .timeline import record_links, timeline_add

__all__ = [
    "activity_complete",
    "activity_create",
    "activity_delete",
    "activity_may_change",
    "activity_task_made",
    "activity_update",
]

# Fields `activity_update` may change, and those the audit row compares.
UPDATE_FIELDS = (
    "subject",
    "body",
    "responsible",
    "deadline",
    "ends_at",
    "direction",
    "duration",
    "call_result",
    "phone",
    "recording_url",
    "email_from",
    "email_to",
)
AUDIT_FIELDS = ["kind", *UPDATE_FIELDS, "is_done"]
SUBJECT_MAX = 300
EMAIL_TO_MAX = 1000


# --- rights -----------------------------------------------------------------------------------------------


def _editable(actor, record) -> bool:
    model = type(record)
    return model.objects.allowed(actor, Action.EDIT).filter(pk=record.pk).exists()


def _require_edit(actor, record) -> None:
    """The actor may edit `record`: hidden records are not found, visible ones not editable are refused."""
    if _editable(actor, record):
        return
    if not type(record).objects.visible_to(actor).filter(pk=record.pk).exists():
        raise NotFound()
    raise NotAllowed(_("You may not change this record."))


def activity_may_change(user, activity: Activity) -> bool:
    """The responsible person, or someone who may edit a record the activity is linked to."""
    if not getattr(user, "is_authenticated", False):
        return False
    if activity.responsible_id == user.pk:
        return True
    return any(_editable(user, record) for record in activity.records)


def _require_change(actor, activity: Activity) -> None:
    if activity_may_change(actor, activity):
        return
    if not Activity.objects.visible_to(actor).filter(pk=activity.pk).exists():
        raise NotFound()
    raise NotAllowed(_("Only the responsible person or an editor of the record changes this activity."))


# --- validation -------------------------------------------------------------------------------------------


def _record_email(records) -> str:
    """The first e-mail of the first record that has one (a deal asks its contact, then its company)."""
    owners = []
    for record in records:
        name = type(record).__name__.lower()
        if name == "deal":
            owners += [("contact", record.contact_id), ("company", record.company_id)]
        else:
            owners.append((name, record.pk))
    for field, pk in owners:
        if not pk:
            continue
        value = (
            Communication.objects.filter(kind=CommunicationKind.EMAIL, **{field: pk})
            .order_by("sort", "id")
            .values_list("value", flat=True)
            .first()
        )
        if value:
            return value
    return ""


def _clean(values: dict, *, kind: str, records=()) -> dict:
    """Check the fields of an activity of `kind`; raise `Invalid` naming each bad field."""
    errors: dict[str, list[str]] = {}
    subject = " ".join((values.get("subject") or "").split())
    if not subject:
        subject = str(ActivityKind(kind).label)
    if len(subject) > SUBJECT_MAX:
        errors["subject"] = [_("Keep the subject under %(max)d characters.") % {"max": SUBJECT_MAX}]
    values["subject"] = subject
    values["body"] = (values.get("body") or "").strip()
    responsible = values.get("responsible")
    if responsible is not None and not getattr(responsible, "is_active", False):
        errors["responsible"] = [_("Choose an active colleague.")]
    deadline, ends_at = values.get("deadline"), values.get("ends_at")
    for name, moment in (("deadline", deadline), ("ends_at", ends_at)):
        if moment is not None and not isinstance(moment, datetime.datetime):
            errors[name] = [_("Enter a date and time.")]
    if kind == ActivityKind.TODO and deadline is None:
        errors["deadline"] = [_("A to-do needs a deadline.")]
    if kind == ActivityKind.MEETING and deadline is None:
        errors["deadline"] = [_("A meeting needs a start time.")]
    if (
        isinstance(deadline, datetime.datetime)
        and isinstance(ends_at, datetime.datetime)
        and ends_at < deadline
    ):
        errors["ends_at"] = [_("The end comes before the start.")]
    direction = values.get("direction") or ""
    if kind in (ActivityKind.CALL, ActivityKind.EMAIL):
        if direction not in Direction.values:
            errors["direction"] = [_("Choose incoming or outgoing.")]
    elif direction:
        direction = ""
    values["direction"] = direction
    duration = values.get("duration")
    if duration is not None and (not isinstance(duration, int) or duration < 0):
        errors["duration"] = [_("Enter the duration in whole seconds.")]
    result = values.get("call_result") or ""
    if result and result not in CallResult.values:
        errors["call_result"] = [_("Choose a call result from the list.")]
    values["call_result"] = result
    url = (values.get("recording_url") or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["recording_url"] = [_("Enter the recording's http(s) address.")]
    values["recording_url"] = url
    values["phone"] = (values.get("phone") or "").strip()[:50]
    values["email_from"] = (values.get("email_from") or "").strip()[:300]
    email_to = (values.get("email_to") or "").strip()
    if kind == ActivityKind.EMAIL and direction == Direction.OUTGOING:
        email_to = email_to or _record_email(records)
        if not email_to:
            errors["email_to"] = [_("The record has no e-mail address: enter one.")]
        elif any("@" not in part for part in _addresses(email_to)):
            errors["email_to"] = [_("Enter e-mail addresses separated by commas.")]
    if len(email_to) > EMAIL_TO_MAX:
        errors["email_to"] = [_("Too many addresses.")]
    values["email_to"] = email_to
    if errors:
        raise Invalid(fields=errors)
    return values


def _addresses(text: str) -> list[str]:
    return [part.strip() for part in (text or "").replace(";", ",").split(",") if part.strip()]


# --- effects ----------------------------------------------------------------------------------------------


def _touch(records, *, at, takes_lead: bool = True) -> None:
    """Mark the records' last activity; a lead not yet taken in work is taken now (with `takes_lead`)."""
    for record in records:
        type(record).objects.filter(pk=record.pk).update(last_activity_at=at)
        record.last_activity_at = at
        if takes_lead and isinstance(record, Lead) and record.taken_at is None:
            Lead.objects.filter(pk=record.pk, taken_at__isnull=True).update(taken_at=at)
            record.taken_at = at


def _record_url(activity: Activity) -> str:
    for record in activity.records:
        url = getattr(record, "get_absolute_url", None)
        if url is not None:
            try:
                return url()
            except Exception:  # noqa: BLE001 - the record's page is another feature's; no page, no link
                return ""
    return ""


def _notify_assigned(*, actor, activity: Activity) -> None:
    """Tell the responsible person someone else (or the portal's intake) gave them an activity."""
    if activity.responsible_id is None or activity.responsible_id == getattr(actor, "pk", None):
        return
    if actor is None and activity.kind == ActivityKind.CALL and activity.call_result != CallResult.MISSED:
        return  # a call the telephony logged: the person on it knows; a missed one is news
    from portal.notifications.services import notify

    if actor is None:
        title = i18n.message(
            gettext_lazy("A new CRM activity for you: %(subject)s"), subject=activity.subject
        )
    else:
        title = i18n.message(
            gettext_lazy("%(name)s gave you a CRM activity: %(subject)s"),
            name=getattr(actor, "full_name", "") or getattr(actor, "email", ""),
            subject=activity.subject,
        )
    notify(
        recipients=[activity.responsible_id],
        kind="crm_activity",
        title=title,
        actor=actor,
        body=activity.body[:300],
        url=_record_url(activity),
        target=activity,
    )


def _send_later(activity: Activity) -> None:
    if activity.kind == ActivityKind.EMAIL and activity.direction == Direction.OUTGOING:
        pk = activity.pk

        def enqueue():
            from ..jobs import activity_email_send_job

            activity_email_send_job.delay(pk)

        transaction.on_commit(enqueue)


def _person(value):
    if value is None or hasattr(value, "pk"):
        return value
    try:
        return get_user_model().objects.get(pk=value)
    except (get_user_model().DoesNotExist, ValueError, TypeError):
        raise Invalid(fields={"responsible": [_("Choose an active colleague.")]}) from None


# --- services ---------------------------------------------------------------------------------------------


@transaction.atomic
def activity_create(
    *,
    actor,
    kind: str,
    records: list,
    subject: str = "",
    body: str = "",
    responsible=None,
    deadline: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    direction: str = "",
    duration: int | None = None,
    call_result: str = "",
    phone: str = "",
    recording_url: str = "",
    email_from: str = "",
    email_to: str = "",
    is_done: bool = False,
    done_at: datetime.datetime | None = None,
    mailbox=None,
    message_id: str = "",
) -> Activity:
    """Add a call, meeting, e-mail or to-do on `records` (a deal and its contact, say); the actor needs the
    right to edit each of them. The responsible person defaults to the actor. An outgoing e-mail is sent to
    `email_to` (the record's e-mail when empty) after commit. A done activity was done at `done_at` (now).

    `actor=None` is the portal itself (see the module's docstring). `mailbox` and `message_id` are the e-mail
    intake's: the message an incoming e-mail was taken from, unique per mailbox (a second insert of the same
    message raises `IntegrityError`, which the intake reads as "taken already")."""
    records = [record for record in records if record is not None]
    if not records:
        raise Invalid(fields={"records": [_("Choose the record the activity is about.")]})
    if kind not in ActivityKind.values:
        raise Invalid(fields={"kind": [_("Choose a kind of activity.")]})
    if actor is not None:
        for record in records:
            _require_edit(actor, record)
    values = _clean(
        {
            "subject": subject,
            "body": body,
            "responsible": _person(responsible) or actor,
            "deadline": deadline,
            "ends_at": ends_at,
            "direction": direction,
            "duration": duration,
            "call_result": call_result,
            "phone": phone,
            "recording_url": recording_url,
            "email_from": email_from,
            "email_to": email_to,
        },
        kind=kind,
        records=records,
    )
    now = timezone.now()
    if kind == ActivityKind.EMAIL and values["direction"] == Direction.OUTGOING:
        is_done = True  # a sent letter is done
    activity = Activity.objects.create(
        kind=kind,
        created_by=actor,
        is_done=bool(is_done),
        done_at=(done_at or now) if is_done else None,
        mailbox=mailbox,
        message_id=(message_id or "")[:300],
        **values,
        **record_links(*records),
    )
    # A person's activity is work on the lead; of what arrives by itself, only a call someone answered is.
    by_hand = actor is not None
    _touch(records, at=now, takes_lead=by_hand or values["call_result"] == CallResult.ANSWERED)
    timeline_add(
        kind=TimelineKind.ACTIVITY, actor=actor, records=records, text=activity.subject, activity=activity
    )
    audit_record(
        actor=actor, action="crm.activity_create", target=activity, changes=snapshot(activity, AUDIT_FIELDS)
    )
    _notify_assigned(actor=actor, activity=activity)
    _send_later(activity)
    recount_records(activity)
    return activity


@transaction.atomic
def activity_update(*, actor, activity: Activity, **fields) -> Activity:
    """Change an activity's fields (those of `UPDATE_FIELDS`; left out ones stay). The responsible person or
    an editor of a linked record. A new responsible person is told."""
    unknown = sorted(set(fields) - set(UPDATE_FIELDS))
    if unknown:
        raise TypeError(f"activity_update() got unexpected fields: {', '.join(unknown)}")
    _require_change(actor, activity)
    if "responsible" in fields:
        fields["responsible"] = _person(fields["responsible"]) or activity.responsible or actor
    current = {name: getattr(activity, name) for name in UPDATE_FIELDS}
    values = _clean({**current, **fields}, kind=activity.kind, records=activity.records)
    before = snapshot(activity, AUDIT_FIELDS)
    old_responsible = activity.responsible_id
    changed = [name for name in UPDATE_FIELDS if values[name] != current[name]]
    if not changed:
        return activity
    for name in changed:
        setattr(activity, name, values[name])
    activity.save(update_fields=changed)
    _touch(activity.records, at=timezone.now())
    audit_record(
        actor=actor,
        action="crm.activity_update",
        target=activity,
        changes=diff(before, snapshot(activity, AUDIT_FIELDS)),
    )
    if activity.responsible_id != old_responsible:
        _notify_assigned(actor=actor, activity=activity)
    recount_records(activity, also=[old_responsible])
    return activity


@transaction.atomic
def activity_complete(*, actor, activity: Activity, done: bool = True) -> Activity:
    """Mark an activity done (or open again with `done=False`); doing it twice changes nothing."""
    _require_change(actor, activity)
    if activity.is_done == bool(done):
        return activity
    now = timezone.now()
    activity.is_done = bool(done)
    activity.done_at = now if done else None
    activity.save(update_fields=["is_done", "done_at"])
    _touch(activity.records, at=now)
    audit_record(
        actor=actor,
        action="crm.activity_complete" if done else "crm.activity_reopen",
        target=activity,
        changes={"is_done": [not done, bool(done)]},
    )
    recount_records(activity)
    return activity


@transaction.atomic
def activity_delete(*, actor, activity: Activity) -> None:
    """Delete an activity with its timeline entry (its files go with it)."""
    _require_change(actor, activity)
    audit_record(
        actor=actor, action="crm.activity_delete", target=activity, changes=snapshot(activity, AUDIT_FIELDS)
    )
    from portal.core.attachments import attachment_files_discard

    attachment_files_discard(*activity.files.all())
    recount_records(activity)
    Activity.objects.filter(pk=activity.pk).delete()


@transaction.atomic
def activity_task_made(*, activity_id: int, task_id: int) -> bool:
    """Remember the task made from a to-do (called when the task app reports it made one). Returns whether
    the activity was there to remember it."""
    return bool(Activity.objects.filter(pk=activity_id).update(task_id=task_id))


def activity_records(activity: Activity) -> dict:
    """{"lead": id, ...} of the records an activity is linked to."""
    return {name: getattr(activity, f"{name}_id") for name in LINK_FIELDS if getattr(activity, f"{name}_id")}
