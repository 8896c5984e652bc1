"""Reports: confirming a person's monthly timesheet (and withdrawing the confirmation).

The person's supervisor up the tree, HR and admins confirm; nobody confirms their own timesheet. A person
the actor may not see answers 404, a visible one without the right 403. Confirming stores the totals as
they are at that moment (re-confirming replaces them), writes an audit row and tells the person.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.core.audit import audit_record
from portal.core.dates import month_year_in_text
from portal.core.errors import NotAllowed
from portal.notifications.services import notify

from .. import selectors
from ..models import TimesheetConfirmation

__all__ = ["NOTIFY_TIMESHEET", "timesheet_confirm", "timesheet_unconfirm"]

NOTIFY_TIMESHEET = "timesheet_confirmed"


def _require_actor(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise NotAllowed(_("Sign in first."))


def _person_and_month(*, actor, person, month) -> tuple[object, datetime.date]:
    """The person (404 when hidden), the right to confirm (403), and the month (ValidationError)."""
    _require_actor(actor)
    person = selectors.timesheet_person_get(user=actor, pk=getattr(person, "pk", person))
    if person.pk == actor.pk:
        raise NotAllowed(_("Nobody confirms their own timesheet."))
    if not selectors.timesheet_can_confirm(actor, person):
        raise NotAllowed(_("Only the person's supervisor, HR or an admin confirms a timesheet."))
    first = selectors.timesheet_month(month, user=person)
    return person, first


def _month_label(first: datetime.date) -> str:
    """The month inside a sentence ("for November 2026", "за ноябрь 2026 г.")."""
    return month_year_in_text(first)


def _timesheet_url(person, first: datetime.date) -> str:
    return reverse("reports:timesheet") + "?" + urlencode({"person": person.pk, "month": f"{first:%Y-%m}"})


@transaction.atomic
def timesheet_confirm(*, actor, person, month) -> TimesheetConfirmation:
    """Confirm a person's timesheet of `month` (a date or "YYYY-MM"): store its totals as they are now.

    A month that has not begun yet (in the person's time zone) cannot be confirmed. Confirming again
    replaces the stored totals, the confirmer and the time; each confirmation is audited.
    """
    person, first = _person_and_month(actor=actor, person=person, month=month)
    if first > selectors.timesheet_month(None, user=person):
        raise ValidationError({"month": [_("A month that has not begun cannot be confirmed.")]})
    sheet = selectors.timesheet_person(user=actor, person=person, month=first)
    totals = sheet.totals.as_dict()
    now = timezone.now()
    confirmation = TimesheetConfirmation.objects.select_for_update().filter(user=person, month=first).first()
    created = False
    if confirmation is None:
        try:
            with transaction.atomic():
                confirmation = TimesheetConfirmation.objects.create(
                    user=person, month=first, totals=totals, confirmed_by=actor
                )
                created = True
        except IntegrityError:  # confirmed from another tab at the same moment: update that one
            confirmation = TimesheetConfirmation.objects.select_for_update().get(user=person, month=first)
    if created:
        audit_record(
            actor=actor,
            action="timesheet.confirm",
            target=confirmation,
            changes={"month": f"{first:%Y-%m}", "totals": [None, totals]},
        )
    else:
        before = {"totals": confirmation.totals, "confirmed_by": confirmation.confirmed_by_id}
        confirmation.totals = totals
        confirmation.confirmed_by = actor
        confirmation.confirmed_at = now
        confirmation.save(update_fields=["totals", "confirmed_by", "confirmed_at"])
        audit_record(
            actor=actor,
            action="timesheet.reconfirm",
            target=confirmation,
            changes={
                "month": f"{first:%Y-%m}",
                "totals": [before["totals"], totals],
                "confirmed_by": [before["confirmed_by"], actor.pk],
            },
        )
    notify(
        recipients=[person.pk],
        kind=NOTIFY_TIMESHEET,
        actor=actor,
        title=i18n.message(
            gettext_lazy("Your timesheet for %(month)s is confirmed"),
            month=i18n.deferred(_month_label, first),
        ),
        body=i18n.message(
            gettext_lazy("%(days)s days worked, %(hours)s hours."),
            days=totals["days_worked"],
            hours=i18n.deferred(number_format, totals["worked_hours"]),  # "7,5" in Russian
        ),
        url=_timesheet_url(person, first),
        target=confirmation,
    )
    return confirmation


@transaction.atomic
def timesheet_unconfirm(*, actor, person, month) -> None:
    """Withdraw the confirmation of a person's timesheet of `month` (the same people who confirm)."""
    person, first = _person_and_month(actor=actor, person=person, month=month)
    confirmation = TimesheetConfirmation.objects.select_for_update().filter(user=person, month=first).first()
    if confirmation is None:
        raise ValidationError({"month": [_("This timesheet is not confirmed.")]})
    audit_record(
        actor=actor,
        action="timesheet.unconfirm",
        target=confirmation,
        changes={
            "month": f"{first:%Y-%m}",
            "totals": [confirmation.totals, None],
            "confirmed_by": [confirmation.confirmed_by_id, None],
        },
    )
    confirmation.delete()
    notify(
        recipients=[person.pk],
        kind=NOTIFY_TIMESHEET,
        actor=actor,
        title=i18n.message(
            gettext_lazy("The confirmation of your timesheet for %(month)s was withdrawn"),
            month=i18n.deferred(_month_label, first),
        ),
        url=_timesheet_url(person, first),
    )
