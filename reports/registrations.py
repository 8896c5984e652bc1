"""What reports adds to the pages of other apps through core's registry (STYLE rule 13): a work report as
something a task can be made from (a line of it, `?from_report=` on the new-task form), and the cards of the
start page (my working day, the reports I have to rate or my own report to send). Registered from
`ReportsConfig.ready()`; the app that shows them names no report."""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from portal.core.links import url_for_name, url_for_pk
from portal.core.registry import (
    HOME_CARD_ROWS,
    HOME_DAY,
    DashboardCount,
    HomeAction,
    HomeCard,
    HomeRow,
    TaskOrigin,
    registry,
)

from . import metrics


def _report_model():
    from .models import WorkReport

    return WorkReport


def _report_get(*, user, pk):
    from .selectors.reports import report_get

    return report_get(user=user, pk=pk)


def _report_url(pk) -> str:
    return reverse("reports:report_detail", args=[pk])


TASK_ORIGIN = TaskOrigin("report", _report_model, _report_get, _report_url, order=10)


# --- the start page ("my day") -------------------------------------------------------------------------------


def _name(first: str, last: str) -> str:
    return " ".join(part for part in (first, last) if part)


def _duration(seconds: int) -> str:
    hours, minutes = divmod(max(0, int(seconds)) // 60, 60)
    return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}


def _time(moment) -> str:
    return formats.time_format(timezone.localtime(moment), "TIME_FORMAT") if moment else ""


def _home_workday(request) -> dict:
    """My working day: its state and the next click (start, pause, resume, end). One query."""
    from .choices import DayState
    from .selectors.workday import day_running_seconds, workday_today

    day = workday_today(user=request.user)

    def act(action: str, label, style: str, icon: str) -> HomeAction:
        return HomeAction(label, reverse("reports:workday_action", args=[action]), "post", style, icon)

    start = act("start", _("Start the working day"), "success", "bi-play-fill")
    pause = act("pause", pgettext("workday action", "Pause"), "warning", "bi-pause-fill")
    resume = act("resume", _("Resume"), "success", "bi-play-fill")
    end = act("end", _("End the day"), "outline-secondary", "bi-stop-fill")
    if day is None:
        return {"lead": _("You have not started your working day yet."), "actions": [start], "todo": True}
    worked = _duration(day_running_seconds(day))
    if day.state == DayState.OPEN:
        lead = _("Working since %(time)s · %(worked)s so far") % {
            "time": _time(day.started_at),
            "worked": worked,
        }
        return {"lead": lead, "actions": [pause, end], "todo": False}
    if day.state == DayState.PAUSED:
        lead = _("On a break since %(time)s · %(worked)s worked") % {
            "time": _time(day.pause_started_at),
            "worked": worked,
        }
        return {"lead": lead, "actions": [resume, end], "todo": True, "level": "warning"}
    lead = _("Finished at %(time)s · %(worked)s worked") % {"time": _time(day.ended_at), "worked": worked}
    return {"lead": lead, "actions": [], "todo": False}


def _period_text(start, end) -> str:
    if start == end:
        return formats.date_format(start, "MONTH_DAY_FORMAT")
    return (
        f"{formats.date_format(start, 'MONTH_DAY_FORMAT')} – {formats.date_format(end, 'MONTH_DAY_FORMAT')}"
    )


def _home_to_rate(request) -> dict | None:
    """The reports waiting for my rating: for heads of departments, HR and admins only. One query."""
    from .selectors.home import reports_to_rate_first
    from .selectors.reports import can_rate_any

    user = request.user
    if not can_rate_any(user):
        return None
    reports, total = reports_to_rate_first(user=user, limit=HOME_CARD_ROWS)
    rows = [
        HomeRow(
            _name(r["author__first_name"], r["author__last_name"]) or _("Report"),
            url_for_pk("reports:report_detail", r["id"]),
            meta=_period_text(r["period_start"], r["period_end"]),
            tone="warning" if r["is_late"] else "",
        )
        for r in reports
    ]
    return {"count": total, "rows": rows, "level": "warning"}


def _home_my_report(request) -> dict | None:
    """My work report of today's period, for those who send theirs to a supervisor (a head rates instead)."""
    from .choices import ReportStatus
    from .selectors.home import my_report_today
    from .selectors.reports import can_rate_any, local_today

    user = request.user
    if can_rate_any(user):
        return None
    # The report's rules follow the person's department, which the greeting shows too: read it whole once.
    if user.department_id:
        user.department  # noqa: B018
    today = local_today(user)
    span, report = my_report_today(user=user, today=today)
    write = HomeAction(_("Write the report"), reverse("reports:report_write"), "get", "primary", "bi-pencil")
    due_at = timezone.localtime(span.due_at)
    if due_at.date() == timezone.localdate():
        due = _("due today at %(time)s") % {"time": _time(due_at)}
    else:
        due = _("due %(date)s at %(time)s") % {
            "date": formats.date_format(due_at, "MONTH_DAY_FORMAT"),
            "time": _time(due_at),
        }
    late = timezone.now() > span.due_at
    if report is None:
        lead = _("Not written yet: %(due)s") % {"due": due}
        return {"lead": lead, "actions": [write], "todo": True, "level": "danger" if late else "warning"}
    if report.status == ReportStatus.DRAFT:
        lead = _("A draft is saved but not sent: %(due)s") % {"due": due}
        finish = HomeAction(
            _("Finish and send"), reverse("reports:report_write"), "get", "primary", "bi-send"
        )
        return {"lead": lead, "actions": [finish], "todo": True, "level": "danger" if late else "warning"}
    if report.status == ReportStatus.RETURNED:
        lead = _("Returned for changes: correct it and send it again.")
        fix = HomeAction(
            _("Correct the report"), reverse("reports:report_write"), "get", "primary", "bi-pencil"
        )
        return {"lead": lead, "actions": [fix], "todo": True, "level": "danger"}
    see = HomeAction(
        pgettext("action", "Open"),
        url_for_pk("reports:report_detail", report.pk),
        "get",
        "outline-secondary",
        "",
    )
    if report.status == ReportStatus.RATED:
        lead = _("Sent and rated: %(rating)s.") % {"rating": report.get_rating_display() or "—"}
    else:
        lead = _("Sent at %(time)s, waiting for the rating") % {"time": _time(report.sent_at)}
    return {"lead": lead, "actions": [see], "todo": False}


HOME_CARDS = (
    HomeCard(
        "reports.workday",
        "",
        _home_workday,
        order=10,
        section=HOME_DAY,
        title=gettext_lazy("My working day"),
        icon="bi-clock",
        url="reports:my_days",
    ),
    HomeCard(
        "reports.to_rate",
        "",
        _home_to_rate,
        order=40,
        section=HOME_DAY,
        title=gettext_lazy("Reports to rate"),
        icon="bi-clipboard-data",
        url="reports:to_rate",
        empty=gettext_lazy("No report waits for your rating."),
    ),
    HomeCard(
        "reports.my_report",
        "",
        _home_my_report,
        order=40,
        section=HOME_DAY,
        title=gettext_lazy("My work report"),
        icon="bi-journal-text",
        url="reports:report_list",
    ),
)


# --- the control dashboard: day corrections waiting for the viewer's decision ------------------------------


def _corrections_count(among, *, viewer, today):
    from .selectors.corrections import corrections_to_decide_counts

    return corrections_to_decide_counts(among, viewer=viewer, today=today)


def _corrections_url(user_id: int) -> str:
    return f"{url_for_name('reports:corrections')}?person={int(user_id)}"


def _corrections_detail(user_id: int) -> str:
    return url_for_pk("reports:control_corrections", user_id)


CORRECTIONS_COUNT = DashboardCount(
    key="day_corrections",
    label=gettext_lazy("Corrections"),
    count=_corrections_count,
    amber_at=1,
    red_at=3,
    url=_corrections_url,
    detail=_corrections_detail,
    order=45,
    help_text=gettext_lazy("Corrections of working days waiting for your decision"),
)


def register() -> None:
    from portal.notifications.services import register_notification_kind

    from .services.reports import REPORT_REMINDER_KIND

    registry.task_origins.register(TASK_ORIGIN)
    registry.dashboard_counts.register(CORRECTIONS_COUNT)
    # A supervisor's "Remind" on a missing report (the control dashboard), at most once a day per report.
    register_notification_kind(
        REPORT_REMINDER_KIND,
        gettext_lazy("Work reports: a reminder of a report I have not sent"),
        email_default=True,
    )
    for card in HOME_CARDS:
        registry.home_cards.register(card)
    metrics.register()
