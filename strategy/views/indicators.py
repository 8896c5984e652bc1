"""Pages of the indicator register: the register (filters shared with the API), an indicator with its chart of
actual vs target and threshold bands, its values and their history, targets, formula versions; entering a value,
computing now, recomputing past periods, and the drill-down of a formula value to the records behind it.

Hidden indicators answer 404 on every route; an indicator one sees but may not change answers 403 to a write."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.errors import Invalid, NotAllowed
from portal.core.htmx import render_htmx
from portal.core.metrics import formula_error_text

from ..filters.indicators import IndicatorFilterSet
from ..forms.indicators import IndicatorForm, RecomputeForm, TargetForm, ValueForm, add_errors
from ..selectors import indicators as selectors
from ..services import indicators as services

PAGE_SIZE = 50


def _context(request, **extra) -> dict:
    return {"nav_area": "strategy", "strategy_tab": "indicators", **extra}


@login_required
@require_GET
def indicator_list(request: HttpRequest) -> HttpResponse:
    """The register: every indicator the viewer sees, filtered (?q, source, status, period, owner, goal)."""
    filters = IndicatorFilterSet(request.GET or None, queryset=selectors.indicator_list(user=request.user))
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for name in ("source", "status", "period"):
        filters.form.fields[name].widget.attrs["class"] = "form-select form-select-sm"
    query = request.GET.copy()
    query.pop("page", None)
    context = _context(
        request,
        page=page,
        indicators=list(page.object_list),
        filter_form=filters.form,
        query=query.urlencode(),
        may_manage=services.may_manage_indicators(request.user),
    )
    return render_htmx(
        request, "strategy/indicators/list.html", context, partial="strategy/indicators/partials/rows.html"
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_create(request: HttpRequest) -> HttpResponse:
    if not services.may_manage_indicators(request.user):
        raise NotAllowed(_("Only strategy managers manage indicators."))
    form = IndicatorForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                indicator = services.indicator_create(actor=request.user, **form.service_kwargs())
            except Invalid as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The indicator is in the register."))
                return redirect(indicator.get_absolute_url())
    return render_htmx(request, "strategy/indicators/form.html", _form_context(request, form), status=status)


def _form_context(request, form, indicator=None) -> dict:
    from portal.core.metrics import metric_list

    return _context(request, form=form, indicator=indicator, metrics=metric_list())


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = selectors.indicator_get(user=request.user, pk=pk)
    if not services.may_manage_indicators(request.user):
        raise NotAllowed(_("Only strategy managers manage indicators."))
    form = IndicatorForm(request.POST or None, user=request.user, indicator=indicator)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.indicator_update(actor=request.user, indicator=indicator, **form.service_kwargs())
            except Invalid as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The indicator is saved."))
                return redirect(indicator.get_absolute_url())
    return render_htmx(
        request, "strategy/indicators/form.html", _form_context(request, form, indicator), status=status
    )


@login_required
@require_POST
def indicator_delete(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = selectors.indicator_get(user=request.user, pk=pk)
    try:
        services.indicator_delete(actor=request.user, indicator=indicator)
    except Invalid as exc:
        messages.error(request, exc.message)
        return redirect(indicator.get_absolute_url())
    messages.success(request, _("The indicator is deleted."))
    return redirect("strategy:indicator_list")


def _detail(request, indicator, *, status=200, value_form=None, target_form=None, recompute_form=None):
    user = request.user
    series = selectors.indicator_series(indicator=indicator)
    may_manage = services.may_manage_indicators(user)
    may_enter = services.may_enter_values(user, indicator)
    may_compute = services.may_compute(user, indicator) and services.indicator_binding(indicator) is not None
    context = _context(
        request,
        indicator=indicator,
        series=list(reversed(series)),
        chart={
            **selectors.indicator_chart(indicator=indicator, series=series),
            "texts": {
                "actual": _("Actual"),
                "target": _("Target"),
                "green": _("On target"),
                "amber": _("At risk"),
                "red": _("Off target"),
            },
        },
        goals=selectors.indicator_goals(user=user, indicator=indicator),
        formulas=selectors.indicator_formulas(indicator=indicator) if indicator.is_formula else [],
        may_manage=may_manage,
        may_enter=may_enter,
        may_compute=may_compute,
        value_form=value_form or (ValueForm(indicator=indicator) if may_enter else None),
        target_form=target_form or (TargetForm(indicator=indicator) if may_manage else None),
        recompute_form=recompute_form
        or (RecomputeForm(indicator=indicator) if may_manage and may_compute else None),
    )
    return render_htmx(request, "strategy/indicators/detail.html", context, status=status)


@login_required
@require_GET
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.indicator_get(user=request.user, pk=pk))


@login_required
@require_POST
def indicator_value_enter(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner enters (or corrects, with a reason) the value of a period."""
    indicator = selectors.indicator_get(user=request.user, pk=pk)
    if not services.may_enter_values(request.user, indicator):
        raise NotAllowed(_("Only the indicator's owner enters its values."))
    form = ValueForm(request.POST, indicator=indicator)
    if form.is_valid():
        try:
            services.indicator_value_enter(
                actor=request.user,
                indicator=indicator,
                period=form.cleaned_data["period"],
                value=form.cleaned_data["value"],
                reason=form.cleaned_data["reason"],
            )
        except Invalid as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The value is saved."))
            return redirect(indicator.get_absolute_url())
    return _detail(request, indicator, status=400, value_form=form)


@login_required
@require_POST
def indicator_target_set(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = selectors.indicator_get(user=request.user, pk=pk)
    if not services.may_manage_indicators(request.user):
        raise NotAllowed(_("Only strategy managers manage indicators."))
    form = TargetForm(request.POST, indicator=indicator)
    if form.is_valid():
        try:
            services.indicator_target_set(
                actor=request.user,
                indicator=indicator,
                period=form.cleaned_data["period"],
                target=form.cleaned_data["target"],
            )
        except Invalid as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The target is saved."))
            return redirect(indicator.get_absolute_url())
    return _detail(request, indicator, status=400, target_form=form)


@login_required
@require_POST
def indicator_compute(request: HttpRequest, pk: int) -> HttpResponse:
    """Compute the current period of a formula indicator now."""
    indicator = selectors.indicator_get(user=request.user, pk=pk)
    try:
        value = services.indicator_compute(actor=request.user, indicator=indicator)
    except Invalid as exc:
        messages.error(request, exc.message)
    else:
        if value is not None and value.value is None:
            messages.warning(request, _("No value: %(error)s") % {"error": formula_error_text(value.error)})
        else:
            messages.success(request, _("The current period is computed."))
    return redirect(indicator.get_absolute_url())


@login_required
@require_POST
def indicator_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    """Recompute every period from the chosen one with the current formula version (strategy managers)."""
    indicator = selectors.indicator_get(user=request.user, pk=pk)
    if not services.may_manage_indicators(request.user):
        raise NotAllowed(_("Only strategy managers manage indicators."))
    form = RecomputeForm(request.POST, indicator=indicator)
    if form.is_valid():
        try:
            changed = services.indicator_recompute(
                actor=request.user,
                indicator=indicator,
                since=form.cleaned_data["since"],
                reason=form.cleaned_data["reason"],
            )
        except Invalid as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Recomputed: %(count)s values changed.") % {"count": changed})
            return redirect(indicator.get_absolute_url())
    return _detail(request, indicator, status=400, recompute_form=form)


@login_required
@require_GET
def indicator_value_drill_down(request: HttpRequest, pk: int, value_pk: int) -> HttpResponse:
    """The records behind a formula value, as the viewer may see them (a fragment for htmx, a page otherwise)."""
    value = selectors.indicator_value_get(user=request.user, indicator_pk=pk, pk=value_pk)
    sections = selectors.value_drill_down(user=request.user, value=value)
    context = _context(request, indicator=value.indicator, value=value, sections=sections)
    return render_htmx(
        request,
        "strategy/indicators/drill_down.html",
        context,
        partial="strategy/indicators/partials/drill_down.html",
    )


urls = [
    path("indicators/", indicator_list, name="indicator_list"),
    path("indicators/new/", indicator_create, name="indicator_create"),
    path("indicators/<int:pk>/", indicator_detail, name="indicator_detail"),
    path("indicators/<int:pk>/edit/", indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/delete/", indicator_delete, name="indicator_delete"),
    path("indicators/<int:pk>/values/", indicator_value_enter, name="indicator_value_enter"),
    path("indicators/<int:pk>/targets/", indicator_target_set, name="indicator_target_set"),
    path("indicators/<int:pk>/compute/", indicator_compute, name="indicator_compute"),
    path("indicators/<int:pk>/recompute/", indicator_recompute, name="indicator_recompute"),
    path(
        "indicators/<int:pk>/values/<int:value_pk>/records/",
        indicator_value_drill_down,
        name="indicator_value_drill_down",
    ),
]
