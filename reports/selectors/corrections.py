"""Reports: corrections of the working day as the control dashboard shows them. Which corrections wait for the
viewer's decision (the rule `day_correction_decide` enforces: a person of the sub-tree the viewer heads, or
anyone for HR and admins, never the viewer themselves), how many per person (a dashboard column, one query
the dashboard also joins into its ranking of a whole company), how many in all (the count on the
dashboard's "Corrections" button) and the list behind a person's cell.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from portal.core.permissions import get_visible
from portal.core.visibility import is_active_person

from ..choices import CorrectionStatus
from ..models import DayCorrection, headed_path, sees_all

__all__ = [
    "STALE_AFTER_DAYS",
    "CorrectionLine",
    "control_correction_get",
    "control_correction_lines",
    "corrections_to_decide",
    "corrections_to_decide_counts",
    "corrections_to_decide_total",
]

# A correction waiting longer than this is shown as overdue.
STALE_AFTER_DAYS = 2

# Always false, yet compiled to SQL: the dashboard puts the count query into its own SQL, and an empty
# queryset (`.none()`) cannot be compiled.
_NOBODY = Q(pk__isnull=True)


def _decidable_q(viewer) -> Q:
    """The corrections `viewer` may decide, whatever their status."""
    if not is_active_person(viewer):
        return _NOBODY
    mine = Q(day__user_id=viewer.pk)
    if sees_all(viewer):
        return ~mine
    path = headed_path(viewer)
    if not path:
        return _NOBODY
    return Q(day__user__is_active=True, day__user__department__path__startswith=path) & ~mine


def corrections_to_decide(*, viewer, pending_only: bool = True) -> QuerySet[DayCorrection]:
    """The corrections waiting for `viewer`'s decision (with `pending_only` False: decided ones too)."""
    qs = DayCorrection.objects.filter(_decidable_q(viewer))
    if pending_only:
        qs = qs.filter(status=CorrectionStatus.PENDING)
    return qs


def corrections_to_decide_counts(among, *, viewer, today: datetime.date | None = None) -> QuerySet:
    """The dashboard column "Corrections": (person id, corrections of theirs waiting for `viewer`'s decision)
    for the people `among` (ids or a subquery of ids) who have any. One query."""
    return (
        corrections_to_decide(viewer=viewer)
        .filter(day__user_id__in=among)
        .order_by()
        .values("day__user_id")
        .annotate(n=Count("pk"))
        .values_list("day__user_id", "n")
    )


def corrections_to_decide_total(*, viewer) -> int:
    """All the corrections waiting for `viewer`'s decision (one query)."""
    return corrections_to_decide(viewer=viewer).order_by().count()


def control_correction_get(*, viewer, pk) -> DayCorrection:
    """A correction `viewer` may decide (waiting or decided already, so that a second click says so);
    hidden and missing alike: 404."""
    qs = corrections_to_decide(viewer=viewer, pending_only=False).select_related("day", "day__user")
    return get_visible(qs, pk=pk)


@dataclass(frozen=True)
class CorrectionLine:
    """One waiting correction as the dashboard's detail shows it: the recorded times against the asked ones
    (with the breaks the day holds, and the hours each would make)."""

    correction: DayCorrection
    recorded_seconds: int | None
    asked_seconds: int | None
    waiting_days: int

    @property
    def is_stale(self) -> bool:
        return self.waiting_days > STALE_AFTER_DAYS


def _worked(started, ended, paused: int) -> int | None:
    if started is None or ended is None:
        return None
    return max(0, int((ended - started).total_seconds()) - paused)


def control_correction_lines(*, viewer, person, now: datetime.datetime | None = None) -> list[CorrectionLine]:
    """The corrections of `person` waiting for `viewer`'s decision, oldest first. One query."""
    now = now or timezone.now()
    qs = (
        corrections_to_decide(viewer=viewer)
        .filter(day__user_id=person.pk)
        .select_related("day", "requested_by")
        .order_by("created_at", "id")
    )
    lines = []
    for correction in qs:
        paused = correction.day.paused_seconds
        lines.append(
            CorrectionLine(
                correction=correction,
                recorded_seconds=_worked(correction.old_started_at, correction.old_ended_at, paused),
                asked_seconds=_worked(correction.started_at, correction.ended_at, paused),
                waiting_days=max(0, (now - correction.created_at).days),
            )
        )
    return lines
