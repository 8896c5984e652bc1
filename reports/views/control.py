"""Control pages: reports:home (the dashboard for those who supervise people, the person's own overview for
everyone else), the personal overview, "touch" control and the control-time heartbeat.

Thin views: they read through selectors and write through services. Supervisor-only pages answer 403 to
people who control nobody; a check the viewer may not see answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.htmx import render_htmx
from portal.core.permissions import get_visible

from .. import selectors, services
from ..forms.control import TouchPickForm

RECENT_CHECKS = 30
TRUE = ("1", "true", "on", "yes")


def _require_control(request: HttpRequest) -> None:
    if not selectors.can_control(request.user):
        raise PermissionDenied(_("These pages are for those who supervise people."))


def control_time_text(summary: dict, *, placeholders: bool = False) -> str:
    """The line of the control-time panel: "Control today: 2 min 15 s of 12 min budget: 19%", or on a day
    off "Control today: 3 min 5 s. No budget today (day off)." With `placeholders`, its template with {time},
    {budget} and {share} for the heartbeat script to fill in as the seconds grow."""
    if placeholders:
        values = {"time": "{time}", "budget": "{budget}", "share": "{share}"}
    else:
        share = summary["share"]
        values = {"time": summary["time"], "budget": summary["budget_time"], "share": share}
    if summary["basis"] == "day_off":
        return _("Control today: %(time)s. No budget today (day off).") % values
    if not summary["has_budget"]:
        return _("Control today: %(time)s. No budget: you control nobody.") % values
    if not summary["budget_seconds"]:
        return _("Control today: %(time)s of %(budget)s budget") % values
    return _("Control today: %(time)s of %(budget)s budget: %(share)s%%") % values


# --- reports:home -----------------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The control dashboard for someone who supervises people (HR and admins too); otherwise the person's
    own overview."""
    if selectors.can_control(request.user):
        return _dashboard(request)
    return _overview(request)


def _remembered(request: HttpRequest, name: str) -> bool:
    """A switch of the dashboard (`subtree`, `signals`): as the link says, and remembered for the next visit
    (the "Back to the dashboard" links, the menu entry) when it does not say."""
    key = f"reports.control.{name}"
    raw = request.GET.get(name)
    if raw is None:
        return bool(request.session.get(key, False))
    value = raw.lower() in TRUE
    if request.session.get(key, False) != value:
        request.session[key] = value
    return value


def _dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    subtree = _remembered(request, "subtree")
    only_signals = _remembered(request, "signals")
    board = selectors.dashboard(
        user=user, subtree=subtree, only_signals=only_signals, page=request.GET.get("page") or 1
    )
    summary = selectors.control_time_summary(
        user=user, date=board.today, now=board.now, people_ids=board.direct_ids, subtree=subtree
    )
    context = {
        "nav_area": "reports",
        "board": board,
        "page_urls": _page_urls(board, subtree=subtree, only_signals=only_signals),
        "subtree": subtree,
        "only_signals": only_signals,
        "control_time": summary,
        "control_time_text": control_time_text(summary),
        "control_time_template": control_time_text(summary, placeholders=True),
    }
    return render_htmx(
        request,
        "reports/control/dashboard.html",
        context,
        partial="reports/control/partials/dashboard.html",
        page_context=lambda: {"digest": selectors.latest_digest(user=user)},
    )


def _page_urls(board, *, subtree: bool, only_signals: bool) -> dict[str, str]:
    """The links to the previous and next pages of the dashboard, keeping its filters."""
    # Both switches said, so that the links do not depend on what the session remembers.
    params = {"subtree": "1" if subtree else "0", "signals": "1" if only_signals else "0"}
    base = reverse("reports:home")
    urls = {}
    for name, number in (("previous", board.previous_page), ("next", board.next_page)):
        if number is not None:
            query = {**params, "page": number} if number > 1 else params
            urls[name] = f"{base}?{urlencode(query)}" if query else base
    return urls


def _overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    overview = selectors.personal_overview(user=user)
    context = {
        "nav_area": "reports",
        "overview": overview,
        "day": overview["day"],
        "can_control": selectors.can_control(user),
    }
    return render(request, "reports/control/overview.html", context)


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """The person's own overview (a supervisor reaches theirs from the dashboard)."""
    return _overview(request)


# --- touch control ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def touch(request: HttpRequest) -> HttpResponse:
    """Pick a random recent item of one of my people (or of the person chosen) to check; my recent checks."""
    _require_control(request)
    user = request.user
    if request.method == "POST":
        raw = request.POST.get("subject", "")
        subject = get_visible(get_user_model().objects.filter(is_active=True), pk=raw) if raw else None
        try:
            check = services.touch_pick(actor=user, subject=subject)
        except ValidationError as exc:
            for message in exc.messages:
                messages.info(request, message)
            return redirect("reports:touch")
        messages.success(request, _("Here is something to check: %(item)s") % {"item": check.item_repr})
        return redirect(f"{reverse('reports:touch')}#check-{check.pk}")
    checks = list(selectors.touch_list(user=user).filter(supervisor=user)[:RECENT_CHECKS])
    context = {
        "nav_area": "reports",
        "checks": checks,
        "open_checks": [c for c in checks if c.checked_at is None],
        "done_checks": [c for c in checks if c.checked_at is not None],
        # "Whose item": a chip picker over my people only, not a <select> of the whole sub-tree.
        "pick_form": TouchPickForm(user=user),
        "kinds": selectors.touch_kinds().values(),
    }
    return render(request, "reports/control/touch.html", context)


@login_required
@require_POST
def touch_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a picked item as checked (with an optional note)."""
    check = selectors.touch_get(user=request.user, pk=pk)
    try:
        services.touch_done(actor=request.user, check=check, note=request.POST.get("note", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Marked as checked."))
    return redirect("reports:touch")


# --- control time -----------------------------------------------------------------------------------------


@login_required
@require_POST
def control_beat(request: HttpRequest) -> JsonResponse:
    """The heartbeat of a control page (static/reports/control.js sends it while the tab is visible and
    the person active): adds the measured seconds and answers today's total."""
    row = services.control_time_beat(actor=request.user)
    return JsonResponse({"added": row.added, "seconds": row.seconds, "date": row.date.isoformat()})
