"""What the control dashboard opens in place under a person's "Today" and "This week" cells: their day and
week against the schedule, and "Remind" when a working day has not started.

The fragment is loaded by htmx; the same URL without htmx answers a small page around it. The reminder
answers the fragment again with a one-line outcome and `HX-Trigger: controlChanged`; without htmx a flash
message and back to the dashboard. People the viewer does not control answer 404, as missing ones do.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.core.htmx import partial_or_redirect, render_htmx

from .. import selectors, services

FRAGMENT = "reports/control/workday/detail.html"
PAGE = "reports/control/workday/page.html"
TRIGGER = "controlChanged"


def _context(person, **extra) -> dict:
    return {
        "person": person,
        "person_name": person.full_name or person.email,
        "facts": selectors.control_workday(person=person, now=timezone.now()),
        **extra,
    }


@login_required
@require_GET
def control_workday(request: HttpRequest, person_id: int) -> HttpResponse:
    """The day and week of a person the viewer controls."""
    person = selectors.control_person_get(viewer=request.user, pk=person_id)
    return render_htmx(request, PAGE, _context(person), partial=FRAGMENT)


@login_required
@require_POST
def control_workday_remind(request: HttpRequest, person_id: int) -> HttpResponse:
    """Remind the person to start today's working day (once a day)."""
    person = selectors.control_person_get(viewer=request.user, pk=person_id)
    done = error = ""
    try:
        sent = services.workday_remind(actor=request.user, person=person)
    except (ValidationError, PermissionDenied) as exc:
        error = " ".join(getattr(exc, "messages", None) or [str(exc)])
        sent = False
    else:
        name = person.full_name or person.email
        done = (
            _("%(name)s is reminded to start the working day.") % {"name": name}
            if sent
            else _("Already reminded today.")
        )
    return partial_or_redirect(
        request,
        "reports:home",
        partial=FRAGMENT,
        context=lambda: _context(person, done=done, error=error),
        success=done,
        errors=[error] if error else [],
        trigger=TRIGGER if sent else None,
    )
