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
    "BEAT_MAX_STEP",
    "BEAT_STRETCH_GAP",
    "control_time_beat",
    "touch_done",
    "touch_pick",
]

# A beat adds the time since the previous beat of the same person (of any tab), capped at BEAT_MAX_STEP. The
# pages beat when they open, every 20 s while visible and in use, and once more when they are left or hidden,
# so a gap longer than BEAT_STRETCH_GAP means the supervisor was away: that beat adds nothing and marks the
# start of a new stretch (so does the first beat of the day). Hopping from one control page to the next is
# one stretch: the leaving page's last beat and the next page's first beat are a moment apart.
BEAT_MAX_STEP = datetime.timedelta(seconds=30)
BEAT_STRETCH_GAP = datetime.timedelta(seconds=60)
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
    """One heartbeat of a control page (its opening, a beat while in use, its leaving): add the time since
    the previous beat of ANY of the actor's tabs, at most 30 s, to their ControlTime of their local date. The
    first beat of the day, or one after a gap longer than 60 s, adds nothing: it marks the start of a
    stretch. The row is locked, so concurrent tabs never count the same seconds twice. Whole seconds are
    added and the fraction left over is carried to the next beat (quick page hops of a second or less add
    up instead of each being rounded away). The returned row carries `added` (seconds this beat added).

    No audit row: a beat is a measurement, not a change anyone decides (and comes every 20 seconds).
    """
    _require_controller(actor)
    now = _now(now)
    date = workday_local_date(actor, now)
    ControlTime.objects.get_or_create(supervisor=actor, date=date)
    row = ControlTime.objects.select_for_update().get(supervisor=actor, date=date)
    last = row.last_beat_at
    added = 0
    if last is None or now - last > BEAT_STRETCH_GAP:
        row.last_beat_at = now  # a new stretch starts here
    elif now > last:  # (a beat stamped at or before the last one, from another tab, adds nothing)
        gap = now - last
        if gap > BEAT_MAX_STEP:
            added = int(BEAT_MAX_STEP.total_seconds())
            row.last_beat_at = now
        else:
            added = int(gap.total_seconds())  # whole seconds; the rest counts with the next beat
            row.last_beat_at = last + datetime.timedelta(seconds=added)
    row.seconds += added
    row.save(update_fields=["seconds", "last_beat_at"])
    row.added = added
    return row
