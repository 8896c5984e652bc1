"""What a supervisor does from the "Approvals waiting" cell of the control dashboard: remind the person of the
approvals waiting for their decision (once a day, whoever reminds)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from portal.core.errors import Invalid
from portal.core.i18n import message

from ..selectors.control import control_detail, process_list_url, reminder_key

REMINDER_KIND = "workflows_reminder"


def control_remind(*, actor, person, today: datetime.date) -> bool:
    """Remind `person` of the approvals waiting for them; False when they were reminded of them today already
    (by anyone), and Invalid when nothing waits for them. The notification and its record are written by
    `portal.notifications.services.reminder_send` in its own transaction."""
    from portal.notifications.services import reminder_send

    detail = control_detail(viewer=actor, person=person)
    if not detail["total"]:
        raise Invalid(_("There is nothing to remind of."))
    return reminder_send(
        actor=actor,
        recipient=person,
        key=reminder_key(person.pk),
        date=today,
        kind=REMINDER_KIND,
        title=message(_("Approvals are waiting for you")),
        body=message(
            ngettext_lazy(
                "%(count)s request waits for your decision. Please approve, reject or return it.",
                "%(count)s requests wait for your decision. Please approve, reject or return them.",
                "count",
            ),
            count=detail["total"],
        ),
        url=process_list_url("waiting"),
    )
