"""Writes of absences: the absences themselves, absence types and yearly leave allowances with carry-over.

Who may enter absences: portal admins, holders of the process role "hr" and of the permission
`workflows.manage_absences`, for anyone; nobody else. A person never enters their own vacation (a type that
counts against the allowance) directly: that goes through a leave request, whose approval makes the absence
as the system (`actor=None`). Two absences of one person never overlap: the person's row is locked while
the new dates are checked, so two requests at once cannot both pass.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotAllowed
from portal.core.permissions import is_portal_admin
from portal.people.models import User

from ..models import Absence, AbsenceType, LeaveAllowance
from ..selectors.absences import default_allowance, may_manage_absences, spent_days

ABSENCE_FIELDS = ["user", "type", "start", "end", "comment"]
TYPE_FIELDS = ["name", "color", "counts_allowance", "private", "is_active", "order"]
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_ALLOWANCE_DAYS = Decimal(366)


def _date(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


# --- absences -----------------------------------------------------------------------------------------------


def _require_manager(actor, person, kind: AbsenceType) -> None:
    """The system may do anything; a person needs the right to manage absences, and even then never enters
    their own vacation directly."""
    if actor is None:
        return
    if not may_manage_absences(actor):
        raise NotAllowed(_("Only HR and administrators enter absences."))
    if person.pk == actor.pk and kind.counts_allowance:
        raise NotAllowed(_("Request your own vacation through a leave request."), code="own_vacation")


def _check(*, person, kind, start, end, comment: str, exclude: int | None = None, new_type: bool) -> str:
    """Validate the dates and the type, then refuse an overlap with another absence of the person (the
    person's row is locked first, so that two writes at once see each other)."""
    errors: dict[str, list[str]] = {}
    comment = (comment or "").strip()
    if person is None or not person.is_active:
        errors["user"] = [_("Choose an active employee.")]
    if kind is None:
        errors["type"] = [_("Choose the type of absence.")]
    elif new_type and not kind.is_active:
        errors["type"] = [_("This type of absence is no longer used.")]
    if not isinstance(start, datetime.date):
        errors["start"] = [_("Give the first day.")]
    if not isinstance(end, datetime.date):
        errors["end"] = [_("Give the last day.")]
    elif isinstance(start, datetime.date) and end < start:
        errors["end"] = [_("The last day cannot be before the first.")]
    if len(comment) > Absence._meta.get_field("comment").max_length:
        errors["comment"] = [_("The comment is too long.")]
    if errors:
        raise Invalid(fields=errors)
    User.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True).first()
    clash = (
        Absence.objects.filter(user_id=person.pk)
        .overlapping(start, end)
        .exclude(pk=exclude)
        .select_related("type")
        .first()
    )
    if clash is not None:
        raise Invalid(
            fields={
                "start": [
                    _("%(person)s is already away from %(start)s to %(end)s (%(type)s).")
                    % {
                        "person": person,
                        "start": _date(clash.start),
                        "end": _date(clash.end),
                        "type": clash.type.name,
                    }
                ]
            },
            code="overlap",
        )
    return comment


@transaction.atomic
def absence_create(
    *,
    actor,
    user,
    type: AbsenceType,
    start: datetime.date,
    end: datetime.date,
    comment: str = "",
    process=None,
) -> Absence:
    """Record that `user` is away from `start` to `end` (inclusive). `actor=None` is the system (an approved
    leave request or business trip, with its `process`). Overlapping another absence of the person is
    refused (Invalid, code "overlap")."""
    if type is not None and user is not None:
        _require_manager(actor, user, type)
    elif actor is not None and not may_manage_absences(actor):
        raise NotAllowed(_("Only HR and administrators enter absences."))
    comment = _check(
        person=user, kind=type, start=start, end=end, comment=comment, new_type=actor is not None
    )
    absence = Absence.objects.create(
        user=user,
        type=type,
        start=start,
        end=end,
        comment=comment,
        process=process,
        created_by=actor if actor is not None else None,
    )
    audit_record(
        actor=actor,
        action="workflows.absence.create",
        target=absence,
        changes={"user": user, "type": type, "start": start, "end": end, "process": process},
    )
    return absence


@transaction.atomic
def absence_update(*, actor, absence: Absence, **changes) -> Absence:
    """Change an absence's `type`, `start`, `end` or `comment` (HR, admins, or the system). Moving one's own
    vacation goes through a leave request, as entering it does."""
    unknown = set(changes) - {"type", "start", "end", "comment"}
    if unknown:
        raise Invalid(_("These cannot be changed: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    absence = Absence.objects.select_related("type", "user").get(pk=absence.pk)
    person = absence.user
    if actor is not None:
        _require_manager(actor, person, absence.type)
        if changes.get("type") is not None:
            _require_manager(actor, person, changes["type"])
    kind = changes.get("type", absence.type)
    start = changes.get("start", absence.start)
    end = changes.get("end", absence.end)
    comment = _check(
        person=person,
        kind=kind,
        start=start,
        end=end,
        comment=changes.get("comment", absence.comment),
        exclude=absence.pk,
        new_type=actor is not None and kind is not None and kind.pk != absence.type_id,
    )
    before = snapshot(absence, ABSENCE_FIELDS)
    absence.type, absence.start, absence.end, absence.comment = kind, start, end, comment
    absence.save(update_fields=["type", "start", "end", "comment", "updated_at"])
    changed = diff(before, snapshot(absence, ABSENCE_FIELDS))
    if changed:
        audit_record(actor=actor, action="workflows.absence.update", target=absence, changes=changed)
    return absence


@transaction.atomic
def absence_delete(*, actor, absence: Absence) -> None:
    """Remove an absence (HR, admins, or the system). One's own vacation is cancelled by HR, not by oneself."""
    absence = Absence.objects.select_related("type", "user").get(pk=absence.pk)
    _require_manager(actor, absence.user, absence.type)
    audit_record(
        actor=actor,
        action="workflows.absence.delete",
        target=absence,
        changes={"user": absence.user, "type": absence.type, "start": absence.start, "end": absence.end},
    )
    absence.delete()


# --- absence types --------------------------------------------------------------------------------------------


def _require_admin(actor) -> None:
    if actor is not None and not is_portal_admin(actor):
        raise NotAllowed(_("Only administrators edit the absence types."))


def _clean_type(values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Give the type a name.")]
    elif len(name) > AbsenceType._meta.get_field("name").max_length:
        errors["name"] = [_("The name is too long.")]
    color = (values.get("color") or "").strip()
    if not COLOR_RE.match(color):
        errors["color"] = [_("Give a colour as #rrggbb.")]
    order = values.get("order", 100)
    if not isinstance(order, int) or not 0 <= order <= 32767:
        errors["order"] = [_("Give a whole number from 0 to 32767.")]
    if errors:
        raise Invalid(fields=errors)
    return {
        "name": name,
        "color": color.lower(),
        "counts_allowance": bool(values.get("counts_allowance")),
        "private": bool(values.get("private")),
        "is_active": bool(values.get("is_active", True)),
        "order": order,
    }


@transaction.atomic
def absence_type_create(
    *,
    actor,
    name: str,
    color: str = "#0d6efd",
    counts_allowance: bool = False,
    private: bool = False,
    is_active: bool = True,
    order: int = 100,
) -> AbsenceType:
    """A new absence type (admins)."""
    _require_admin(actor)
    values = _clean_type(
        {
            "name": name,
            "color": color,
            "counts_allowance": counts_allowance,
            "private": private,
            "is_active": is_active,
            "order": order,
        }
    )
    kind = AbsenceType.objects.create(**values)
    audit_record(actor=actor, action="workflows.absence_type.create", target=kind, changes=values)
    return kind


@transaction.atomic
def absence_type_update(*, actor, absence_type: AbsenceType, **changes) -> AbsenceType:
    """Change an absence type's name, colour, flags or order (admins); a type in use is deactivated, never
    deleted, so the absences keep it. The built-in code (`key`) stays."""
    _require_admin(actor)
    unknown = set(changes) - set(TYPE_FIELDS)
    if unknown:
        raise Invalid(_("These cannot be changed: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    before = snapshot(absence_type, TYPE_FIELDS)
    values = _clean_type({**before, **changes})
    for name, value in values.items():
        setattr(absence_type, name, value)
    absence_type.save(update_fields=TYPE_FIELDS)
    changed = diff(before, snapshot(absence_type, TYPE_FIELDS))
    if changed:
        audit_record(
            actor=actor, action="workflows.absence_type.update", target=absence_type, changes=changed
        )
    return absence_type


# --- allowances ---------------------------------------------------------------------------------------------


def _days(value, field: str) -> Decimal:
    try:
        days = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise Invalid(fields={field: [_("Give a number of days.")]}) from None
    if not days.is_finite() or days < 0 or days > MAX_ALLOWANCE_DAYS:
        raise Invalid(fields={field: [_("Give a number of days from 0 to 366.")]})
    if days != days.quantize(Decimal("0.1")):
        raise Invalid(fields={field: [_("Give the days to one decimal place at most.")]})
    return days.quantize(Decimal("0.1"))


def _check_year(year) -> int:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise Invalid(fields={"year": [_("Give a year from 2000 to 2100.")]})
    return year


@transaction.atomic
def allowance_set(*, actor, user, year: int, days, carried_over=None) -> LeaveAllowance:
    """Set `user`'s vacation days for `year` (HR and admins); `carried_over` None keeps what the carry-over
    put there."""
    if actor is not None and not may_manage_absences(actor):
        raise NotAllowed(_("Only HR and administrators set leave allowances."))
    year = _check_year(year)
    days = _days(days, "days")
    carried = None if carried_over is None else _days(carried_over, "carried_over")
    if user is None or not user.is_active:
        raise Invalid(fields={"user": [_("Choose an active employee.")]})
    allowance = LeaveAllowance.objects.select_for_update().filter(user_id=user.pk, year=year).first()
    if allowance is None:
        allowance = LeaveAllowance.objects.create(
            user=user, year=year, days=days, carried_over=carried if carried is not None else 0
        )
        audit_record(
            actor=actor,
            action="workflows.allowance.create",
            target=allowance,
            changes={"days": days, "carried_over": allowance.carried_over},
        )
        return allowance
    before = snapshot(allowance, ["days", "carried_over"])
    allowance.days = days
    if carried is not None:
        allowance.carried_over = carried
    allowance.save(update_fields=["days", "carried_over"])
    changed = diff(before, snapshot(allowance, ["days", "carried_over"]))
    if changed:
        audit_record(actor=actor, action="workflows.allowance.update", target=allowance, changes=changed)
    return allowance


def carry_over_max() -> Decimal:
    return Decimal(str(getattr(settings, "LUMEN_LEAVE_CARRY_OVER_MAX_DAYS", 14)))


@transaction.atomic
def allowances_carry_over(*, year: int, actor=None) -> dict[str, int]:
    """Carry the unused vacation days of `year - 1` into `year`, up to LUMEN_LEAVE_CARRY_OVER_MAX_DAYS, for
    every active person: their allowance row of `year` gets `carried_over` (a missing row is made with last
    year's days, or the default). Idempotent: a second run finds nothing to change. `actor` None is the
    yearly beat job; a person needs the right to manage absences. Answers {"created", "updated", "people"}.

    A constant number of queries plus one write per changed row."""
    if actor is not None and not may_manage_absences(actor):
        raise NotAllowed(_("Only HR and administrators carry leave over."))
    year = _check_year(year)
    ceiling = carry_over_max()
    people = list(User.objects.filter(is_active=True).values_list("pk", flat=True))
    last_year = {a.user_id: a for a in LeaveAllowance.objects.filter(user_id__in=people, year=year - 1)}
    this_year = {
        a.user_id: a for a in LeaveAllowance.objects.select_for_update().filter(user_id__in=people, year=year)
    }
    # The whole of last year is past: everything taken in it counts as used, whatever today is.
    spent = spent_days(user_ids=people, year=year - 1, today=datetime.date(year - 1, 12, 31))
    default = default_allowance()
    created = updated = 0
    for pk in people:
        previous = last_year.get(pk)
        total = (previous.days + previous.carried_over) if previous else default
        used, planned = spent.get(pk, (0, 0))
        carried = min(max(total - used - planned, Decimal(0)), ceiling).quantize(Decimal("0.1"))
        current = this_year.get(pk)
        if current is None:
            current = LeaveAllowance.objects.create(
                user_id=pk, year=year, days=previous.days if previous else default, carried_over=carried
            )
            audit_record(
                actor=actor,
                action="workflows.allowance.carry_over",
                target=current,
                changes={"carried_over": [None, carried]},
            )
            created += 1
        elif current.carried_over != carried:
            audit_record(
                actor=actor,
                action="workflows.allowance.carry_over",
                target=current,
                changes={"carried_over": [current.carried_over, carried]},
            )
            current.carried_over = carried
            current.save(update_fields=["carried_over"])
            updated += 1
    return {"created": created, "updated": updated, "people": len(people)}
