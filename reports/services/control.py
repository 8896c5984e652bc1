"""Reports: control. "Touch" checks (pick a random recent item of a person to look at, then mark it checked)
and the measured control time (heartbeats of the control pages add up the seconds a supervisor spends).

Only those who control people act here (heads of departments for their sub-tree, HR and admins): anyone
else gets 403; a check the actor may not see answers 404, somebody else's check they see (HR) 403.
"""

from __future__ import annotations

import datetime
import random

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import NotAllowed, NotFound

from ..models import ControlCheck, ControlTime
from ..selectors import control as selectors
from ..selectors import control_checks
from ..selectors.workday import workday_local_date

__all__ = [
    "BEAT_FIRST_CREDIT",
    "BEAT_MAX_STEP",
    "BEAT_STRETCH_GAP",
    "control_time_beat",
    "touch_done",
    "touch_pick",
]

# A beat adds the time since the previous beat (of any tab) up to BEAT_MAX_STEP; a gap longer than
# BEAT_STRETCH_GAP means the supervisor was away (the page sends beats only while visible and in use), so
# that beat starts a new stretch and adds only BEAT_FIRST_CREDIT (the page waits at least that long after
# loading before its first beat, so the credit is never more than the time really spent).
BEAT_MAX_STEP = datetime.timedelta(seconds=30)
BEAT_STRETCH_GAP = datetime.timedelta(seconds=60)
BEAT_FIRST_CREDIT = datetime.timedelta(seconds=5)
NOTE_MAX = 1000

_random = random.SystemRandom()


def _require_controller(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise NotAllowed(_("Sign in first."))
    if not selectors.can_control(actor):
        raise NotAllowed(_("Only those who supervise people have control pages."))


def _now(now: datetime.datetime | None) -> datetime.datetime:
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("`now` must be an aware datetime.")
    return now


# --- touch control ---------------------------------------------------------------------------------------


@transaction.atomic
def touch_pick(*, actor, subject=None, now: datetime.datetime | None = None) -> ControlCheck:
    """Pick a random recent item (the last 14 days) to check: of the given person, or of a random person
    the actor controls (the whole sub-tree) who has one: a task they completed, a report they sent, or a
    working day they finished; items the actor picked before are skipped. Records the ControlCheck.

    A subject the actor does not control answers 403; nothing to check gives a ValidationError.
    """
    _require_controller(actor)
    now = _now(now)
    if subject is not None:
        if not selectors.can_control_person(actor, subject):
            raise NotAllowed(_("You may only check the people you supervise."))
        people = [subject.pk]
    else:
        people = list(selectors.control_people(user=actor, subtree=True).values_list("pk", flat=True))
    candidates = control_checks.touch_candidates(supervisor=actor, user_ids=people, now=now)
    persons = sorted(set().union(*candidates.values())) if candidates else []
    if not persons:
        raise ValidationError({"subject": [_("Nothing new to check from the last 14 days.")]})
    person_id = _random.choice(persons)
    kind = _random.choice(sorted(key for key, ids in candidates.items() if person_id in ids))
    item = control_checks.touch_item(supervisor=actor, kind=kind, person_id=person_id, now=now)
    if item is None:  # gone between the two reads
        raise ValidationError({"subject": [_("Nothing new to check from the last 14 days.")]})
    text, url = control_checks.touch_kinds()[kind].describe(item)
    check = ControlCheck.objects.create(
        supervisor=actor,
        subject_id=person_id,
        item_type=ContentType.objects.get_for_model(item),
        item_id=str(item.pk),
        item_repr=text[:200],
        item_url=url[:500],
    )
    audit_record(
        actor=actor,
        action="control.touch_pick",
        target=check,
        changes={"subject": [None, person_id], "item": [None, f"{kind}:{item.pk}"]},
    )
    return check


@transaction.atomic
def touch_done(*, actor, check: ControlCheck, note: str = "") -> ControlCheck:
    """Mark a picked item as checked, with an optional note. Only the supervisor who picked it."""
    if not (actor and actor.is_authenticated and actor.is_active):
        raise NotAllowed(_("Sign in first."))
    fresh = ControlCheck.objects.visible_to(actor).select_for_update().filter(pk=check.pk).first()
    if fresh is None:
        raise NotFound(_("No control check matches the given query."))
    if fresh.supervisor_id != actor.pk:
        raise NotAllowed(_("Only the supervisor who picked it marks a check as done."))
    if fresh.checked_at is not None:
        raise ValidationError({"check": [_("This item is already marked as checked.")]})
    note = str(note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": [_("Keep it under %(n)s characters.") % {"n": NOTE_MAX}]})
    fresh.checked_at = timezone.now()
    fresh.note = note
    fresh.save(update_fields=["checked_at", "note"])
    audit_record(
        actor=actor,
        action="control.touch_done",
        target=fresh,
        changes={"checked_at": [None, fresh.checked_at.isoformat()], "note": ["", note]},
    )
    check.checked_at, check.note = fresh.checked_at, fresh.note
    return fresh


# --- control time ----------------------------------------------------------------------------------------


@transaction.atomic
def control_time_beat(*, actor, now: datetime.datetime | None = None) -> ControlTime:
    """One heartbeat of a control page: add the time since the previous beat of ANY of the actor's tabs,
    at most 30 s, to their ControlTime of their local date; a beat after a gap longer than 60 s (or the
    first of the day) starts a stretch and adds a 5-second credit. The row is locked, so concurrent tabs
    never count the same seconds twice. The returned row carries `added` (seconds this beat added).

    No audit row: a beat is a measurement, not a change anyone decides (and comes every 20 seconds).
    """
    _require_controller(actor)
    now = _now(now)
    date = workday_local_date(actor, now)
    ControlTime.objects.get_or_create(supervisor=actor, date=date)
    row = ControlTime.objects.select_for_update().get(supervisor=actor, date=date)
    last = row.last_beat_at
    if last is None:
        step = BEAT_FIRST_CREDIT
    else:
        gap = now - last
        if gap <= datetime.timedelta(0):
            step = datetime.timedelta(0)  # another tab beat at the same instant or later
        elif gap > BEAT_STRETCH_GAP:
            step = min(BEAT_FIRST_CREDIT, gap)
        else:
            step = min(gap, BEAT_MAX_STEP)
    added = round(step.total_seconds())
    row.seconds += added
    row.last_beat_at = now if last is None else max(last, now)
    row.save(update_fields=["seconds", "last_beat_at"])
    row.added = added
    return row
