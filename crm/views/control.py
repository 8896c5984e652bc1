"""The CRM's fragments of the control dashboard: what a CRM cell of a controlled person opens in place — their
overdue activities, idle deals or leads waiting to be taken — with "Remind" (once a day, through the portal's
reminders) and, for an activity the viewer may change, "Done".

Each GET answers 404 when the viewer does not control the person (their sub-tree; admins everyone); for htmx it
is the fragment, otherwise a small page around it. An action answers the fragment again with a one-line outcome
and `HX-Trigger: controlChanged`, so the dashboard refreshes its counts in place."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from portal.core.errors import DomainError, NotFound
from portal.core.htmx import partial_or_redirect, render_htmx

from ..selectors import control as selectors
from ..services import control as services

CHANGED = "controlChanged"
KINDS = {
    "activities": gettext_lazy("Overdue CRM activities"),
    "deals": gettext_lazy("Idle deals"),
    "leads": gettext_lazy("Leads waiting"),
}


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound()
    return kind


def _context(request: HttpRequest, person, kind: str, *, outcome: str = "", error: str = "") -> dict:
    detail = selectors.control_detail(viewer=request.user, person=person, kind=kind)
    return {
        **detail,
        "person": person,
        "person_name": person.full_name or person.email,
        "kind": kind,
        "title": KINDS[kind],
        "outcome": outcome,
        "error": error,
        "fragment": "crm/control/partials/detail.html",
        "nav_area": "reports",
    }


@login_required
@require_GET
def control_detail(request: HttpRequest, person_id: int, kind: str) -> HttpResponse:
    person = selectors.control_person_get(viewer=request.user, person_id=person_id)
    context = _context(request, person, _kind(kind))
    return render_htmx(request, "crm/control/page.html", context, partial="crm/control/partials/detail.html")


def _answer(request: HttpRequest, person, kind: str, *, outcome: str = "", error: str = "") -> HttpResponse:
    return partial_or_redirect(
        request,
        "reports:home",
        partial="crm/control/partials/detail.html",
        context=lambda: _context(request, person, kind, outcome=outcome, error=error),
        success=outcome or None,
        errors=[error] if error else (),
        trigger=CHANGED,
    )


@login_required
@require_POST
def control_remind(request: HttpRequest, person_id: int, kind: str) -> HttpResponse:
    person = selectors.control_person_get(viewer=request.user, person_id=person_id)
    kind = _kind(kind)
    try:
        sent = services.control_remind(
            actor=request.user, person=person, kind=kind, today=timezone.localdate()
        )
    except DomainError as error:
        return _answer(request, person, kind, error=error.message)
    outcome = _("Reminded.") if sent else _("Already reminded today.")
    return _answer(request, person, kind, outcome=outcome)


@login_required
@require_POST
def control_activity_done(request: HttpRequest, person_id: int, pk: int) -> HttpResponse:
    person = selectors.control_person_get(viewer=request.user, person_id=person_id)
    try:
        services.control_activity_done(actor=request.user, person=person, pk=pk)
    except NotFound:
        raise
    except DomainError as error:
        return _answer(request, person, "activities", error=error.message)
    return _answer(request, person, "activities", outcome=_("Marked done."))


# One route per kind, each taking the person's id only, so that the dashboard builds a cell's link from a cached
# URL (portal.core.links.url_for_pk): crm:control_activities, crm:control_deals, crm:control_leads and their
# crm:control_<kind>_remind.
urls = [
    *(
        path(
            f"control/people/<int:person_id>/{kind}/", control_detail, {"kind": kind}, name=f"control_{kind}"
        )
        for kind in KINDS
    ),
    *(
        path(
            f"control/people/<int:person_id>/{kind}/remind/",
            control_remind,
            {"kind": kind},
            name=f"control_{kind}_remind",
        )
        for kind in KINDS
    ),
    path(
        "control/people/<int:person_id>/activities/<int:pk>/done/",
        control_activity_done,
        name="control_activity_done",
    ),
]
