"""Reports: writes of the work schedules (the days and hours a person works, which the day's verdicts
compare against): saving a person's schedule and deleting it. Audited.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, snapshot
from portal.core.errors import NotAllowed

from .. import selectors
from ..models import WorkSchedule
from .workday import _require_actor

__all__ = [
    "schedule_delete",
    "schedule_save",
]

# --- schedules -------------------------------------------------------------------------------------------


def _clean_schedule(
    *,
    name: str,
    department,
    user,
    working_days: Iterable[int],
    start: datetime.time,
    end: datetime.time,
    allowed_lateness: int,
    break_minutes: int,
) -> tuple[str, list[int]]:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the schedule a name.")]
    elif len(name) > WorkSchedule._meta.get_field("name").max_length:
        errors["name"] = [_("The name is too long (100 characters at most).")]
    if (department is None) == (user is None):
        errors["department"] = [_("Choose either a department or a person.")]
    try:
        days = sorted({int(d) for d in working_days or []})
    except (TypeError, ValueError):
        days = [-1]
    if not days:
        errors["working_days"] = [_("Choose at least one working day.")]
    elif any(d < 0 or d > 6 for d in days):
        errors["working_days"] = [_("Working days are 0 (Monday) to 6 (Sunday).")]
    if not isinstance(start, datetime.time):
        errors["start"] = [_("Enter a time.")]
    if not isinstance(end, datetime.time):
        errors["end"] = [_("Enter a time.")]
    elif isinstance(start, datetime.time) and end <= start:
        errors["end"] = [_("The day must end after it starts.")]
    if not isinstance(allowed_lateness, int) or not 0 <= allowed_lateness <= 240:
        errors["allowed_lateness"] = [_("Allowed lateness is 0 to 240 minutes.")]
    if not isinstance(break_minutes, int) or break_minutes < 0:
        errors["break_minutes"] = [_("The break cannot be negative.")]
    elif "end" not in errors and "start" not in errors:
        length = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if break_minutes >= length:
            errors["break_minutes"] = [_("The break must be shorter than the working hours.")]
    if errors:
        raise ValidationError(errors)
    return name, days


@transaction.atomic
def schedule_save(
    *,
    actor,
    name: str,
    department=None,
    user=None,
    working_days: Iterable[int],
    start: datetime.time,
    end: datetime.time,
    allowed_lateness: int,
    break_minutes: int,
    schedule: WorkSchedule | None = None,
) -> WorkSchedule:
    """Create or change the schedule of a department (and its sub-tree) or of one person.

    Without `schedule`, the department's or person's existing schedule is replaced, else a new one made.
    Admins and HR set any schedule; a head those of their sub-tree's departments and people.
    """
    _require_actor(actor)
    if not selectors.can_manage_schedules(actor):
        raise NotAllowed(_("Only heads, HR and admins manage work schedules."))
    if schedule is not None:
        schedule = selectors.schedule_get(user=actor, pk=schedule.pk)  # 404 outside the actor's reach
    name, days = _clean_schedule(
        name=name,
        department=department,
        user=user,
        working_days=working_days,
        start=start,
        end=end,
        allowed_lateness=allowed_lateness,
        break_minutes=break_minutes,
    )
    if not selectors.schedule_manages(actor, department=department, person=user):
        raise NotAllowed(_("You may set the schedules of your own sub-tree only."))
    owner = {"department": department} if department is not None else {"user": user}
    existing = WorkSchedule.objects.select_for_update().filter(**owner).first()
    if schedule is None:
        schedule = existing
    elif existing is not None and existing.pk != schedule.pk:
        field = "department" if department is not None else "user"
        raise ValidationError(
            {
                field: [
                    _("%(owner)s has a schedule already.") % {"owner": existing.department or existing.user}
                ]
            }
        )
    fields = [
        "name",
        "department",
        "user",
        "working_days",
        "start",
        "end",
        "allowed_lateness",
        "break_minutes",
    ]
    values = {
        "name": name,
        "department": department,
        "user": user,
        "working_days": days,
        "start": start,
        "end": end,
        "allowed_lateness": allowed_lateness,
        "break_minutes": break_minutes,
    }
    if schedule is None:
        schedule = WorkSchedule.objects.create(**values)
        audit_record(
            actor=actor, action="workschedule.create", target=schedule, changes=snapshot(schedule, fields)
        )
        return schedule
    before = snapshot(schedule, fields)
    for field, value in values.items():
        setattr(schedule, field, value)
    after = snapshot(schedule, fields)
    changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if changes:
        schedule.save(update_fields=[*fields, "updated_at"])
        audit_record(actor=actor, action="workschedule.update", target=schedule, changes=changes)
    return schedule


@transaction.atomic
def schedule_delete(*, actor, schedule: WorkSchedule) -> None:
    """Remove a schedule: its people fall back to the nearest department's, else the default."""
    _require_actor(actor)
    if not selectors.can_manage_schedules(actor):
        raise NotAllowed(_("Only heads, HR and admins manage work schedules."))
    schedule = selectors.schedule_get(user=actor, pk=schedule.pk)
    fields = [
        "name",
        "department",
        "user",
        "working_days",
        "start",
        "end",
        "allowed_lateness",
        "break_minutes",
    ]
    audit_record(
        actor=actor, action="workschedule.delete", target=schedule, changes=snapshot(schedule, fields)
    )
    schedule.delete()
