"""The workflows app's fragment of the control dashboard: what the "Approvals waiting" cell of a controlled
person opens in place (the requests waiting for their decision, the longest waiting first), with "Remind"
(once a day, through the portal's reminders).

A GET answers 404 when the viewer does not control the person (their sub-tree; admins everyone); for htmx it is
the fragment, otherwise a small page around it. "Remind" answers the fragment again with a one-line outcome and
`HX-Trigger: controlChanged`, so the dashboard refreshes in place."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.core.errors import DomainError
from portal.core.htmx import partial_or_redirect, render_htmx

from ..selectors import control as selectors
from ..services import control as services

CHANGED = "controlChanged"
FRAGMENT = "workflows/control/partials/detail.html"


def _context(request: HttpRequest, person, *, outcome: str = "", error: str = "") -> dict:
    return {
        **selectors.control_detail(viewer=request.user, person=person),
        "person": person,
        "person_name": person.full_name or person.email,
        "title": _("Approvals waiting"),
        "outcome": outcome,
        "error": error,
        "fragment": FRAGMENT,
        "nav_area": "workflows",
    }


@login_required
@require_GET
def control_waiting(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.control_person_get(viewer=request.user, person_id=person_id)
    return render_htmx(request, "workflows/control/page.html", _context(request, person), partial=FRAGMENT)


@login_required
@require_POST
def control_waiting_remind(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.control_person_get(viewer=request.user, person_id=person_id)
    outcome = error = ""
    try:
        sent = services.control_remind(actor=request.user, person=person, today=timezone.localdate())
    except DomainError as failure:
        error = failure.message
    else:
        outcome = _("Reminded.") if sent else _("Already reminded today.")
    return partial_or_redirect(
        request,
        reverse("workflows:control_waiting", args=[person.pk]),
        partial=FRAGMENT,
        context=lambda: _context(request, person, outcome=outcome, error=error),
        success=outcome or None,
        errors=[error] if error else (),
        trigger=CHANGED,
    )


# Each takes the person's id only, so that the dashboard builds a cell's link from a cached URL
# (portal.core.links.url_for_pk).
urls = [
    path("control/people/<int:person_id>/waiting/", control_waiting, name="control_waiting"),
    path(
        "control/people/<int:person_id>/waiting/remind/",
        control_waiting_remind,
        name="control_waiting_remind",
    ),
]
