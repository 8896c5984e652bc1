"""Reports: corrections of a working day. A person asks to correct the times of a past day (or their
supervisor, HR or an admin corrects them directly); the supervisor confirms or rejects, and a confirmed
correction rewrites the day and its schedule verdicts. Audited and notified like every write of the day.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.core.audit import audit_record, snapshot
from portal.core.errors import NotAllowed
from portal.notifications.services import notify

from .. import selectors
from ..choices import CorrectionStatus, DayEventKind, DayState
from ..models import DayCorrection, WorkDay, sees_all
from ..selectors.workday import schedule_for
from .workday import (
    _DAY_FIELDS,
    NOTIFY_DAY_CORRECTION,
    _apply_verdicts,
    _date_label,
    _day_url,
    _event,
    _invalid,
    _push_state,
    _recount_supervisors,
    _require_actor,
    _seconds,
    _utc,
)

__all__ = [
    "day_correction_decide",
    "day_correction_request",
]

# --- corrections -----------------------------------------------------------------------------------------


def _aware(value, field: str) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        raise ValidationError({field: [_("Enter a date and time.")]})
    if timezone.is_naive(value):
        raise ValidationError({field: [_("Give the time with its time zone.")]})
    return value


@transaction.atomic
def day_correction_request(
    *,
    actor,
    day: WorkDay,
    started_at: datetime.datetime,
    ended_at: datetime.datetime | None,
    reason: str,
) -> DayCorrection:
    """Ask to correct one's own day's times, with a reason; the supervisor confirms. The recorded times stay
    as they are until then. One correction may wait per day. While the day is still open only its start
    can be corrected."""
    _require_actor(actor)
    day = selectors.workday_get(user=actor, pk=day.pk)  # hidden days: 404
    if day.user_id != actor.pk:
        raise NotAllowed(_("Only the person themselves may correct their day."))
    day = WorkDay.objects.select_for_update(of=("self",)).select_related("user").get(pk=day.pk)
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why the times need correcting.")]
    elif len(reason) > 2000:
        errors["reason"] = [_("The reason is too long (2000 characters at most).")]
    started_at = _aware(started_at, "started_at")
    if ended_at is not None:
        ended_at = _aware(ended_at, "ended_at")
    now = timezone.now()
    spec = schedule_for(actor)
    if spec.local_date(started_at) != day.date:
        errors["started_at"] = [_("The start must be on %(date)s.") % {"date": _date_label(day.date)}]
    elif _utc(started_at) > _utc(now):
        errors["started_at"] = [_("The start cannot be in the future.")]
    if day.state == DayState.CLOSED:
        if ended_at is None:
            errors["ended_at"] = [_("Give the end of the day.")]
        elif _utc(ended_at) <= _utc(started_at):
            errors["ended_at"] = [_("The end must be after the start.")]
        elif _utc(ended_at) > _utc(now):
            errors["ended_at"] = [_("The end cannot be in the future.")]
        elif _seconds(ended_at, started_at) > 24 * 3600:
            errors["ended_at"] = [_("A working day cannot be longer than 24 hours.")]
        elif _seconds(ended_at, started_at) < day.paused_seconds:
            errors["ended_at"] = [
                _("The day cannot be shorter than its breaks (%(minutes)s min).")
                % {"minutes": day.paused_seconds // 60}
            ]
    else:
        if ended_at is not None:
            errors["ended_at"] = [_("End the day first; until then only its start can be corrected.")]
        elif day.pause_started_at and _utc(started_at) > _utc(day.pause_started_at):
            errors["started_at"] = [_("The start must be before the break began.")]
    if not errors and started_at == day.started_at and ended_at == day.ended_at:
        errors["started_at"] = [_("These are the times already recorded.")]
    if not errors and DayCorrection.objects.filter(day=day, status=CorrectionStatus.PENDING).exists():
        errors["day"] = [_("A correction of this day is already waiting for confirmation.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            correction = DayCorrection.objects.create(
                day=day,
                requested_by=actor,
                reason=reason,
                started_at=started_at,
                ended_at=ended_at,
                old_started_at=day.started_at,
                old_ended_at=day.ended_at,
            )
    except IntegrityError as exc:  # the same request from two tabs
        raise _invalid(_("A correction of this day is already waiting for confirmation."), "day") from exc
    audit_record(
        actor=actor,
        action="workday.correction_request",
        target=day,
        changes={
            "started_at": [day.started_at, started_at],
            "ended_at": [day.ended_at, ended_at],
            "reason": reason,
        },
    )
    from portal.people.selectors import supervisor_of

    supervisor = supervisor_of(actor)
    if supervisor is not None:
        notify(
            recipients=[supervisor],
            kind=NOTIFY_DAY_CORRECTION,
            actor=actor,
            title=i18n.message(
                gettext_lazy("%(name)s asks to correct their working day of %(date)s"),
                name=actor.full_name or actor.email,
                date=i18n.deferred(_date_label, day.date),
            ),
            body=reason,
            url=reverse("reports:corrections"),
            target=day,
        )
    _recount_supervisors(actor)
    return correction


@transaction.atomic
def day_correction_decide(
    *, actor, correction: DayCorrection, approve: bool, comment: str = ""
) -> DayCorrection:
    """Confirm or reject a correction (the person's supervisor up the tree, HR or an admin; never the
    person themselves). Confirming applies the times, keeps the first recorded ones in original_*,
    recomputes the schedule's verdicts and clears the day's need for confirmation."""
    from portal.people.selectors import supervises

    _require_actor(actor)
    correction = selectors.correction_get(user=actor, pk=correction.pk)  # hidden: 404
    person = correction.day.user
    if person.pk == actor.pk:
        raise NotAllowed(_("Nobody confirms their own corrections."))
    if not (sees_all(actor) or supervises(actor, person)):
        raise NotAllowed(_("Only the person's supervisor, HR or an admin decides on corrections."))
    correction = DayCorrection.objects.select_for_update().get(pk=correction.pk)
    if correction.status != CorrectionStatus.PENDING:
        raise _invalid(_("This correction is already decided."), "correction")
    comment = (comment or "").strip()[:500]
    now = timezone.now()
    day = WorkDay.objects.select_for_update(of=("self",)).select_related("user").get(pk=correction.day_id)
    if approve:
        ended_at = correction.ended_at if correction.ended_at is not None else day.ended_at
        if ended_at is not None and _utc(ended_at) < _utc(correction.started_at):
            raise _invalid(
                _("The day ended before the corrected start; reject this correction."), "correction"
            )
        before = snapshot(day, _DAY_FIELDS)
        if day.original_started_at is None:
            day.original_started_at = day.started_at
            day.original_ended_at = day.ended_at
        day.started_at = correction.started_at
        day.ended_at = ended_at
        if day.ended_at is not None:
            day.paused_seconds = min(day.paused_seconds, _seconds(day.ended_at, day.started_at))
        day.needs_confirmation = False
        _apply_verdicts(day, schedule_for(person))
        day.save(
            update_fields=[
                "started_at",
                "ended_at",
                "paused_seconds",
                "original_started_at",
                "original_ended_at",
                "needs_confirmation",
                "worked_seconds",
                "is_late",
                "is_early_end",
                "is_short",
            ]
        )
        _event(day, DayEventKind.CORRECTION, at=now, actor=actor, comment=correction.reason)
        after = snapshot(day, _DAY_FIELDS)
        audit_record(
            actor=actor,
            action="workday.correction_approve",
            target=day,
            changes={
                **{k: [before[k], v] for k, v in after.items() if before[k] != v},
                "correction": correction.pk,
                "comment": comment,
            },
        )
        _push_state(day, person.pk)
    else:
        audit_record(
            actor=actor,
            action="workday.correction_reject",
            target=day,
            changes={"correction": correction.pk, "comment": comment},
        )
    correction.status = CorrectionStatus.APPROVED if approve else CorrectionStatus.REJECTED
    correction.decided_by = actor
    correction.decided_at = now
    correction.decision_comment = comment
    correction.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    title = (
        gettext_lazy("Your correction of the working day of %(date)s is confirmed")
        if approve
        else gettext_lazy("Your correction of the working day of %(date)s is rejected")
    )
    notify(
        recipients=[person.pk],
        kind=NOTIFY_DAY_CORRECTION,
        actor=actor,
        title=i18n.message(title, date=i18n.deferred(_date_label, day.date)),
        body=comment,
        url=_day_url(day),
        target=day,
    )
    _recount_supervisors(person)
    return correction
