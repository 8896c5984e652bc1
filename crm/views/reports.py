"""CRM pages: reports. Five reports (the sales funnel, deals won and lost, lead sources, activity by manager, the
time in each stage), each a page with the shared filters, a chart and the table of its numbers; every number
links to the list of the records behind it.

The reports are open to whoever may view deals or leads (404 otherwise); the deal reports need the deal right,
the lead report the lead right. What a report counts is only what the viewer may see (the selectors)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from portal.core.errors import NotFound
from portal.core.htmx import render_htmx

from .. import rights
from ..choices import Action, Entity
from ..forms.reports import QUICK_PERIODS, ReportFilterForm, quick_period
from ..selectors import reports as selectors

NAV = "crm"
PAGE = "crm/reports/report.html"
PARTIAL = "crm/reports/partials/report.html"


@dataclass(frozen=True)
class Report:
    key: str
    url_name: str
    icon: str
    title: str
    entities: tuple[str, ...]  # the view right of any of them opens the report
    list_name: str  # the list its numbers link to
    uses_pipeline: bool  # the pipeline filter applies
    needs_pipeline: bool  # ... and one pipeline is always chosen
    uses_group: bool  # the week/month switch applies


REPORTS = (
    Report(
        "funnel", "crm:report_funnel", "bi-funnel", gettext_lazy("Sales funnel"),
        (Entity.DEAL,), "crm:deal_list", True, True, False,
    ),
    Report(
        "deals", "crm:report_deals", "bi-trophy", gettext_lazy("Won and lost"),
        (Entity.DEAL,), "crm:deal_list", True, False, True,
    ),
    Report(
        "leads", "crm:report_leads", "bi-inboxes", gettext_lazy("Lead sources"),
        (Entity.LEAD,), "crm:lead_list", False, False, True,
    ),
    Report(
        "activities", "crm:report_activities", "bi-telephone-outbound", gettext_lazy("Activity by manager"),
        (Entity.DEAL, Entity.LEAD), "crm:activity_list", False, False, False,
    ),
    Report(
        "stages", "crm:report_stages", "bi-hourglass-split", gettext_lazy("Time in stage"),
        (Entity.DEAL,), "crm:deal_list", True, True, False,
    ),
)  # fmt: skip
BY_KEY = {report.key: report for report in REPORTS}


def _allowed(user, report: Report) -> bool:
    return any(rights.may(user, entity, Action.VIEW) for entity in report.entities)


def _reverse(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # the list is not installed in this build: the numbers stay plain
        return ""


def _with_urls(value, base: str):
    """Give each `<name>params` mapping of the report a `<name>url` beside it: the list filtered by them."""
    if isinstance(value, dict):
        for key in [k for k in value if k.endswith("params")]:
            params = value[key]
            value[key[: -len("params")] + "url"] = (
                f"{base}?{urlencode(params)}" if base and params is not None else ""
            )
        for item in value.values():
            _with_urls(item, base)
    elif isinstance(value, list):
        for item in value:
            _with_urls(item, base)
    return value


def duration(seconds: int | None) -> str:
    """A time in a stage, readable: "3 d 4 h", "5 h 20 min", "12 min"."""
    if seconds is None:
        return "—"
    minutes = seconds // 60
    days, hours, minutes = minutes // 1440, (minutes // 60) % 24, minutes % 60
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s min") % {"minutes": minutes}


def _period_label(period: dict, group: str) -> str:
    if group == selectors.WEEK:
        start = formats.date_format(period["start"], "SHORT_DATE_FORMAT")
        end = formats.date_format(period["end"], "SHORT_DATE_FORMAT")
        return f"{start} – {end}"
    return formats.date_format(period["first"], "YEAR_MONTH_FORMAT")


# --- the charts: what static/crm/reports.js draws ------------------------------------------------------------


def _funnel_chart(report: dict) -> dict:
    return {
        "type": "funnel",
        "labels": [str(step["stage"]) for step in report["steps"]],
        "datasets": [
            {
                "label": _("Deals that reached the stage"),
                "values": [step["reached"] for step in report["steps"]],
                "colors": [step["stage"].color for step in report["steps"]],
            }
        ],
    }


def _won_lost_chart(report: dict, group: str) -> dict:
    return {
        "type": "bar",
        "stacked": True,
        "labels": [_period_label(row["period"], group) for row in report["periods"]],
        "datasets": [
            {"label": _("Won"), "values": [row["won"] for row in report["periods"]], "tone": "success"},
            {"label": _("Lost"), "values": [row["lost"] for row in report["periods"]], "tone": "danger"},
        ],
    }


def _lead_chart(report: dict) -> dict:
    return {
        "type": "doughnut",
        "labels": [str(row["label"]) for row in report["sources"]],
        "datasets": [{"label": _("Leads"), "values": [row["total"] for row in report["sources"]]}],
    }


def _activity_chart(report: dict) -> dict:
    tones = ("primary", "info", "warning", "secondary")
    return {
        "type": "bar",
        "horizontal": True,
        "stacked": True,
        "labels": [row["person"]["name"] or _("Nobody") for row in report["people"]],
        "datasets": [
            {
                "label": str(label),
                "values": [row["cells"][i]["count"] for row in report["people"]],
                "tone": tones[i],
            }
            for i, (_kind, label) in enumerate(report["kinds"])
        ],
    }


def _stage_chart(report: dict) -> dict:
    rows = [row for row in report["rows"] if row["seconds"] is not None]
    return {
        "type": "bar",
        "horizontal": True,
        "unit": _("days"),
        "labels": [str(row["stage"]) for row in rows],
        "datasets": [
            {
                "label": _("Average days in the stage"),
                "values": [round(row["seconds"] / 86400, 2) for row in rows],
                "colors": [row["stage"].color for row in rows],
            }
        ],
    }


# --- the pages ------------------------------------------------------------------------------------------------


def _build(report: Report, user, query: selectors.ReportQuery) -> tuple[dict | None, dict | None]:
    """(the report's numbers, its chart) for the filters."""
    if report.key == "funnel":
        data = selectors.funnel_report(user=user, query=query)
        return data, _funnel_chart(data) if data and data["total"] else None
    if report.key == "deals":
        data = selectors.won_lost_report(user=user, query=query)
        for row in data["periods"]:
            row["label"] = _period_label(row["period"], query.group)
        return data, _won_lost_chart(data, query.group) if data["periods"] else None
    if report.key == "leads":
        data = selectors.lead_sources_report(user=user, query=query)
        for row in data["periods"]:
            row["label"] = _period_label(row["period"], query.group)
        return data, _lead_chart(data) if data["total"] else None
    if report.key == "activities":
        data = selectors.activity_report(user=user, query=query)
        return data, _activity_chart(data) if data["people"] else None
    data = selectors.stage_time_report(user=user, query=query)
    if data:
        for row in data["rows"]:
            row["average"] = duration(row["seconds"])
            row["longest_text"] = duration(row["longest"])
    return data, _stage_chart(data) if data and data["moves"] else None


def _quick_links(request, form: ReportFilterForm, url: str) -> list[dict]:
    """The quick periods as links keeping the other filters."""
    links = []
    current = (
        (form.cleaned_data.get("date_from"), form.cleaned_data.get("date_to")) if form.is_valid() else None
    )
    for key, label in QUICK_PERIODS:
        start, end = quick_period(key, form.today)
        params = request.GET.copy()
        params["date_from"], params["date_to"] = start.isoformat(), end.isoformat()
        links.append(
            {
                "key": key,
                "label": label,
                "url": f"{url}?{params.urlencode()}",
                "active": current == (start, end),
            }
        )
    return links


def _page(request, key: str):
    report = BY_KEY[key]
    user = request.user
    if not _allowed(user, report):
        raise NotFound()
    form = ReportFilterForm(request.GET, user=user, pipeline_required=report.needs_pipeline)
    query = form.query()
    data = chart = None
    if query is not None:
        data, chart = _build(report, user, query)
        _with_urls(data, _reverse(report.list_name))
    url = reverse(report.url_name)
    context = {
        "nav_area": NAV,
        "crm_tab": "reports",
        "report": report,
        "data": data,
        "chart": chart,
        "query": query,
        "form": form,
        "url": url,
        "quick_links": _quick_links(request, form, url),
        "reports": [
            {"key": r.key, "title": r.title, "icon": r.icon, "url": reverse(r.url_name)}
            for r in REPORTS
            if _allowed(user, r)
        ],
    }
    return render_htmx(request, PAGE, context, partial=PARTIAL)


@login_required
@require_GET
def report_index(request):
    """The first report the person may open, with the filters asked."""
    for report in REPORTS:
        if _allowed(request.user, report):
            target = reverse(report.url_name)
            query = request.GET.urlencode()
            return redirect(f"{target}?{query}" if query else target)
    raise NotFound()


@login_required
@require_GET
def report_funnel(request):
    return _page(request, "funnel")


@login_required
@require_GET
def report_deals(request):
    return _page(request, "deals")


@login_required
@require_GET
def report_leads(request):
    return _page(request, "leads")


@login_required
@require_GET
def report_activities(request):
    return _page(request, "activities")


@login_required
@require_GET
def report_stages(request):
    return _page(request, "stages")


urls = [
    path("reports/", report_index, name="report_index"),
    path("reports/funnel/", report_funnel, name="report_funnel"),
    path("reports/won-lost/", report_deals, name="report_deals"),
    path("reports/lead-sources/", report_leads, name="report_leads"),
    path("reports/activity/", report_activities, name="report_activities"),
    path("reports/time-in-stage/", report_stages, name="report_stages"),
]
