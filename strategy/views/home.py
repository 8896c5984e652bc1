"""The strategy home page (mission and vision, this year's goals, indicators in red, projects at risk) and the
mission's editing by strategy managers."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.core.errors import NotAllowed
from portal.core.markdown import render_markdown

from ..models.goals import is_strategy_manager
from ..selectors import home as selectors
from ..selectors import orphans as orphan_selectors
from ..selectors.projects import projects_at_risk
from ..services import home as services

NAV = {"nav_area": "strategy"}


class StrategyTextForm(forms.Form):
    mission = forms.CharField(
        label=_("Mission"), required=False, widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"})
    )
    vision = forms.CharField(
        label=_("Vision"), required=False, widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"})
    )


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    text = selectors.strategy_text()
    start, end = orphan_selectors.default_period()
    department = orphan_selectors.orphan_department(user=request.user)
    _rows, orphan_total = orphan_selectors.orphan_rows(
        user=request.user, department=department, start=start, end=end
    )
    context = {
        "orphans": orphan_selectors.OrphanRow(None, orphan_total),
        "orphan_department": department,
        **NAV,
        "mission_html": render_markdown(text.mission),
        "vision_html": render_markdown(text.vision),
        "goals": selectors.current_goals(user=request.user),
        "red_indicators": selectors.red_indicators(user=request.user),
        "risky_projects": projects_at_risk(user=request.user),
        "is_manager": is_strategy_manager(request.user),
    }
    return render(request, "strategy/home/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def text_edit(request: HttpRequest) -> HttpResponse:
    if not is_strategy_manager(request.user):
        raise NotAllowed(_("Only strategy managers change the mission and vision."))
    text = selectors.strategy_text()
    form = StrategyTextForm(request.POST or None, initial={"mission": text.mission, "vision": text.vision})
    if request.method == "POST" and form.is_valid():
        services.strategy_text_update(actor=request.user, **form.cleaned_data)
        return redirect("strategy:home")
    return render(request, "strategy/home/text_form.html", {**NAV, "form": form})
