"""Pages of KPI cards: the cards one sees, a card with its holders' scores for a period (computing them, the
supervisor's confirmation), the card form, and the payroll export of a month's scores (XLSX)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.errors import Invalid, NotAllowed
from portal.core.htmx import render_htmx

from ..exports import XLSX_TYPE, kpi_scores_xlsx
from ..forms.indicators import add_errors
from ..forms.kpi import KpiCardForm, line_formset, lines_of
from ..models.indicators import period_label, period_parse, period_previous, period_start
from ..selectors import kpi as selectors
from ..services import kpi as services


def _context(request, **extra) -> dict:
    return {"nav_area": "strategy", "strategy_tab": "kpi", **extra}


def _month(text: str | None) -> datetime.date:
    """?month=YYYY-MM, else the last month (the one payroll is paid for)."""
    parsed = period_parse("month", text or "")
    return parsed or period_previous("month", period_start("month", timezone.localdate()))


@login_required
@require_GET
def kpi_card_list(request: HttpRequest) -> HttpResponse:
    context = _context(
        request,
        cards=list(selectors.kpi_card_list(user=request.user)),
        may_manage=services.may_manage_kpi(request.user),
        month=_month(request.GET.get("month")),
    )
    return render_htmx(request, "strategy/kpi/list.html", context)


def _card_form(request, card=None) -> HttpResponse:
    if not services.may_manage_kpi(request.user):
        raise NotAllowed(_("Only strategy managers manage KPI cards."))
    form = KpiCardForm(request.POST or None, user=request.user, card=card)
    lines = line_formset(request.POST or None, user=request.user, card=card)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and lines.is_valid():
            try:
                if card is None:
                    card = services.kpi_card_create(
                        actor=request.user, lines=lines_of(lines), **form.cleaned_data
                    )
                else:
                    services.kpi_card_update(
                        actor=request.user, card=card, lines=lines_of(lines), **form.cleaned_data
                    )
            except Invalid as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The KPI card is saved."))
                return redirect(card.get_absolute_url())
    context = _context(request, form=form, lines=lines, card=card)
    return render_htmx(request, "strategy/kpi/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def kpi_card_create(request: HttpRequest) -> HttpResponse:
    return _card_form(request)


@login_required
@require_http_methods(["GET", "POST"])
def kpi_card_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _card_form(request, selectors.kpi_card_get(user=request.user, pk=pk))


@login_required
@require_POST
def kpi_card_delete(request: HttpRequest, pk: int) -> HttpResponse:
    card = selectors.kpi_card_get(user=request.user, pk=pk)
    try:
        services.kpi_card_delete(actor=request.user, card=card)
    except Invalid as exc:
        messages.error(request, exc.message)
        return redirect(card.get_absolute_url())
    messages.success(request, _("The KPI card is deleted."))
    return redirect("strategy:kpi_card_list")


@login_required
@require_GET
def kpi_card_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A card: its lines and the holders' scores of ?period=YYYY-MM (default: the last closed period)."""
    card = selectors.kpi_card_get(user=request.user, pk=pk)
    today = timezone.localdate()
    period = period_parse(card.period, request.GET.get("period", "")) or period_previous(
        card.period, period_start(card.period, today)
    )
    scores = selectors.kpi_card_scores(user=request.user, card=card, period=period)
    selectors.kpi_scores_masked(user=request.user, scores=scores)
    lines = selectors.kpi_card_lines(card=card)
    selectors.kpi_cards_masked(user=request.user, cards=[lines])
    confirmable = services.kpi_confirmable_ids(request.user, scores)
    periods = [period_start(card.period, today)]
    for _n in range(11):
        periods.append(period_previous(card.period, periods[-1]))
    context = _context(
        request,
        card=card,
        lines=lines,
        scores=[(score, score.pk in confirmable) for score in scores],
        may_confirm_all=any(s.status == "draft" and s.pk in confirmable for s in scores),
        period=period,
        period_name=period_label(card.period, period),
        periods=[(p.isoformat(), period_label(card.period, p)) for p in periods],
        closed=period < period_start(card.period, today),
        may_manage=services.may_manage_kpi(request.user),
    )
    return render_htmx(request, "strategy/kpi/detail.html", context)


@login_required
@require_POST
def kpi_card_compute(request: HttpRequest, pk: int) -> HttpResponse:
    """Compute the card's scores of a period now (strategy managers)."""
    card = selectors.kpi_card_get(user=request.user, pk=pk)
    period = period_parse(card.period, request.POST.get("period", "")) or period_start(
        card.period, timezone.localdate()
    )
    count = services.kpi_scores_compute(actor=request.user, period=period, card_ids=[card.pk])
    messages.success(request, _("Scores computed: %(count)s changed.") % {"count": count})
    return redirect(f"{card.get_absolute_url()}?period={period.isoformat()}")


@login_required
@require_POST
def kpi_score_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    score = selectors.kpi_score_get(user=request.user, pk=pk)
    try:
        services.kpi_score_confirm(actor=request.user, score=score)
    except Invalid as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The score of %(person)s is confirmed.") % {"person": score.person})
    return redirect(f"{score.card.get_absolute_url()}?period={score.period_start.isoformat()}")


@login_required
@require_POST
def kpi_card_confirm_all(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm every draft score of a closed period that the viewer may confirm (their people's)."""
    card = selectors.kpi_card_get(user=request.user, pk=pk)
    period = period_parse(card.period, request.POST.get("period", "")) or period_previous(
        card.period, period_start(card.period, timezone.localdate())
    )
    try:
        count = services.kpi_scores_confirm_all(actor=request.user, card=card, period=period)
    except Invalid as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Scores confirmed: %(count)s.") % {"count": count})
    return redirect(f"{card.get_absolute_url()}?period={period.isoformat()}")


@login_required
@require_GET
def kpi_export(request: HttpRequest) -> HttpResponse:
    """Every KPI score of a month (?month=YYYY-MM) the viewer sees, as XLSX for payroll."""
    month = _month(request.GET.get("month"))
    scores = list(selectors.kpi_payroll_scores(user=request.user, month=month))
    selectors.kpi_scores_masked(user=request.user, scores=scores)
    data = kpi_scores_xlsx(scores)
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="kpi-{month:%Y-%m}.xlsx"'
    return response


urls = [
    path("kpi/", kpi_card_list, name="kpi_card_list"),
    path("kpi/new/", kpi_card_create, name="kpi_card_create"),
    path("kpi/export/", kpi_export, name="kpi_export"),
    path("kpi/<int:pk>/", kpi_card_detail, name="kpi_card_detail"),
    path("kpi/<int:pk>/edit/", kpi_card_edit, name="kpi_card_edit"),
    path("kpi/<int:pk>/delete/", kpi_card_delete, name="kpi_card_delete"),
    path("kpi/<int:pk>/compute/", kpi_card_compute, name="kpi_card_compute"),
    path("kpi/<int:pk>/confirm/", kpi_card_confirm_all, name="kpi_card_confirm_all"),
    path("kpi/scores/<int:pk>/confirm/", kpi_score_confirm, name="kpi_score_confirm"),
]
