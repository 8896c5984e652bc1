"""What a supervisor does from the CRM cells of the control dashboard: remind the person of their overdue
activities, idle deals or waiting leads (once a day each), and mark an overdue activity done."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.core.errors import Invalid, NotFound
from portal.core.i18n import message

from ..models import Activity
from ..selectors.control import control_detail, reminder_key
from .activities import activity_complete

REMINDERS = {
    "activities": (
        _("Your CRM activities are overdue"),
        _(
            "%(count)s of your calls, meetings or to-dos are past their deadline. Please do them or move them."
        ),
        "crm:activity_list",
        "?overdue=1",
    ),
    "deals": (
        _("Your deals are idle"),
        _("%(count)s of your open deals have had no activity for too long. Please plan the next step."),
        "crm:deal_list",
        "?idle=1",
    ),
    "leads": (
        _("New leads are waiting for you"),
        _("%(count)s new leads are waiting to be taken in work."),
        "crm:lead_list",
        "?untaken=1",
    ),
}


def control_remind(*, actor, person, kind: str, today: datetime.date) -> bool:
    """Remind `person` of what the cell of `kind` counts; False when they were reminded of it today already
    (by anyone), and Invalid when there is nothing to remind of."""
    from django.urls import reverse

    from portal.notifications.services import reminder_send

    if kind not in REMINDERS:
        raise NotFound()
    detail = control_detail(viewer=actor, person=person, kind=kind)
    if not detail["total"]:
        raise Invalid(_("There is nothing to remind of."))
    title, body, route, query = REMINDERS[kind]
    return reminder_send(
        actor=actor,
        recipient=person,
        key=reminder_key(kind, person.pk),
        date=today,
        kind="crm_activity",
        title=message(title),
        body=message(body, count=detail["total"]),
        url=reverse(route) + query,
    )


@transaction.atomic
def control_activity_done(*, actor, person, pk: int) -> Activity:
    """Mark done an overdue activity of `person` that `actor` may see and change."""
    activity = Activity.objects.visible_to(actor).filter(pk=pk, responsible=person).first()
    if activity is None:
        raise NotFound()
    return activity_complete(actor=actor, activity=activity, done=True)
