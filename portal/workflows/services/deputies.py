"""Writes of deputies: who acts for a person on approvals over a period. A person sets their own deputies,
admins anyone's; nobody is their own deputy, and one person's periods never overlap (the route resolution
must find one deputy for a day)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotAllowed
from portal.core.permissions import is_portal_admin
from portal.people.models import User

from ..models import Deputy

MAX_PERIOD_DAYS = 366


def may_set_deputies(actor, user) -> bool:
    """A person for themselves; portal admins for anyone."""
    if actor is None:
        return True
    if not (actor.is_authenticated and actor.is_active):
        return False
    return actor.pk == getattr(user, "pk", None) or is_portal_admin(actor)


def _date(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


@transaction.atomic
def deputy_set(*, actor, user, deputy, start: datetime.date, end: datetime.date) -> Deputy:
    """Let `deputy` act for `user` on approvals from `start` to `end` (inclusive). Refused: oneself as a
    deputy, an inactive deputy, a period already over, and a period overlapping another of `user`'s."""
    if not may_set_deputies(actor, user):
        raise NotAllowed(_("You set deputies for yourself only."))
    errors: dict[str, list[str]] = {}
    if user is None or not user.is_active:
        errors["user"] = [_("Choose an active employee.")]
    if deputy is None or not deputy.is_active:
        errors["deputy"] = [_("Choose an active employee as the deputy.")]
    elif user is not None and deputy.pk == user.pk:
        errors["deputy"] = [_("A person cannot be their own deputy.")]
    if not isinstance(start, datetime.date):
        errors["start"] = [_("Give the first day.")]
    if not isinstance(end, datetime.date):
        errors["end"] = [_("Give the last day.")]
    elif isinstance(start, datetime.date):
        if end < start:
            errors["end"] = [_("The last day cannot be before the first.")]
        elif end < timezone.localdate():
            errors["end"] = [_("This period is over already.")]
        elif (end - start).days + 1 > MAX_PERIOD_DAYS:
            errors["end"] = [_("A period is a year at most.")]
    if errors:
        raise Invalid(fields=errors)
    # Lock the person: two periods set at once must see each other.
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    clash = (
        Deputy.objects.filter(user_id=user.pk, start__lte=end, end__gte=start)
        .select_related("deputy")
        .first()
    )
    if clash is not None:
        raise Invalid(
            fields={
                "start": [
                    _("%(deputy)s is the deputy from %(start)s to %(end)s already.")
                    % {"deputy": clash.deputy, "start": _date(clash.start), "end": _date(clash.end)}
                ]
            },
            code="overlap",
        )
    row = Deputy.objects.create(user=user, deputy=deputy, start=start, end=end)
    audit_record(
        actor=actor,
        action="workflows.deputy.create",
        target=row,
        changes={"user": user, "deputy": deputy, "start": start, "end": end},
    )
    return row


@transaction.atomic
def deputy_delete(*, actor, deputy: Deputy) -> None:
    """End a deputy period early or take it back (the person, or admins)."""
    row = Deputy.objects.select_related("user", "deputy").get(pk=deputy.pk)
    if not may_set_deputies(actor, row.user):
        raise NotAllowed(_("You set deputies for yourself only."))
    audit_record(
        actor=actor,
        action="workflows.deputy.delete",
        target=row,
        changes={"user": row.user, "deputy": row.deputy, "start": row.start, "end": row.end},
    )
    row.delete()
