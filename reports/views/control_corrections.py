"""Day corrections on the control dashboard: the detail a person's "Corrections" cell opens in place (the
corrections of theirs waiting for the viewer's decision, with the recorded and the asked times) and the
confirm / decline buttons in it.

Thin views: they read through `selectors.corrections` and decide through `day_correction_decide`. A person
the viewer does not control, and a correction the viewer may not decide, answer 404. For htmx the answer
is the detail again, with a one-line message and `HX-Trigger: controlChanged` after a decision (the
dashboard then refreshes its counts); without JavaScript the detail is a small page, and a decision
flashes its message and goes back to the dashboard.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.core.htmx import partial_or_redirect, render_htmx

from ..forms.workday import CorrectionDecideForm
from ..selectors.control import control_person_get
from ..selectors.corrections import control_correction_get, control_correction_lines

PAGE = "reports/control/corrections/person.html"
FRAGMENT = "reports/control/corrections/partials/person.html"
CHANGED = "controlChanged"


def _render(
    request: HttpRequest, person, *, success: str = "", errors=(), trigger: str | None = None
) -> HttpResponse:
    context = {
        "nav_area": "reports",
        "person": person,
        "lines": control_correction_lines(viewer=request.user, person=person),
        "success": success,
        "errors": [str(error) for error in errors],
    }
    return render_htmx(request, PAGE, context, partial=FRAGMENT, trigger=trigger)


@login_required
@require_GET
def control_corrections(request: HttpRequest, person_id: int) -> HttpResponse:
    """The corrections of a person I control that wait for my decision."""
    person = control_person_get(viewer=request.user, pk=person_id)
    return _render(request, person)


def _form_errors(form: CorrectionDecideForm) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors]


@login_required
@require_POST
def control_correction_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm or decline a correction from the dashboard's detail (`decision` approve / reject, and an
    optional `comment`)."""
    correction = control_correction_get(viewer=request.user, pk=pk)
    person = correction.day.user
    form = CorrectionDecideForm(request.POST)
    decided = form.is_valid() and form.save(actor=request.user, correction=correction) is not None
    if decided:
        approved = form.cleaned_data["decision"] == "approve"
        success = _("The correction is confirmed.") if approved else _("The correction is declined.")
        errors: list[str] = []
    else:
        success = ""
        errors = _form_errors(form) or [_("The correction could not be decided.")]
    return partial_or_redirect(
        request,
        "reports:home",
        response=lambda: _render(request, person, success=success, errors=errors),
        success=success,
        errors=errors,
        trigger=CHANGED if decided else None,
    )
