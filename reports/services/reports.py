"""Reports: every write of work reports, their ratings and the report settings of departments.

The life cycle: draft -> sent -> (returned -> sent ...) -> rated. The author edits a draft, a sent and a
returned report; a rated report is locked. Every change of a report that has been sent keeps the text as it
was in a WorkReportRevision, and a return keeps the text the supervisor returned with their comment.
Services check who may act (a report the actor may not see answers 404, a visible one without the right
403), validate (ValidationError with a field dict; nothing is written), write audit rows, notify, and
schedule counter recounts after commit.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.notifications.counters import counters_recount, counters_store

from ..choices import Rating, ReportPeriod, ReportStatus
from ..models import ReportSettings, WorkReport, WorkReportRevision
from ..selectors import control_details, report_numbers, report_prefills
from ..selectors import reports as selectors

__all__ = [
    "COMMENT_MAX",
    "REPORT_COUNTERS",
    "REPORT_REMINDER_KIND",
    "TEXT_FIELDS",
    "TEXT_MAX",
    "report_rate",
    "report_remind",
    "report_return",
    "report_save",
    "report_send",
    "report_settings_reset",
    "report_settings_save",
    "reports_rate_positive",
    "reports_unsent_recount_due",
]

TEXT_FIELDS = ("facts", "results", "emotions", "plans")
TEXT_MAX = 20000
COMMENT_MAX = 5000
REPORT_COUNTERS = ("reports.to_rate", "reports.my_unsent")


# --- guards ------------------------------------------------------------------------------------------


def _require_actor(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise NotAllowed(_("Sign in first."))


def _locked_copy(actor, report: WorkReport) -> WorkReport:
    """The report re-read under a row lock, if the actor may see it (404 otherwise)."""
    _require_actor(actor)
    fresh = (
        WorkReport.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("author", "author__department")
        .filter(pk=report.pk)
        .first()
    )
    if fresh is None:
        raise NotFound(_("No work report matches the given query."))
    return fresh


def _sync(target: WorkReport, source: WorkReport) -> WorkReport:
    """Copy the fresh field values onto the caller's instance, so it sees the outcome."""
    for field in target._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def _period_label(report: WorkReport) -> str:
    if report.period == ReportPeriod.WEEK:
        return _("the week of %(date)s") % {"date": date_format(report.period_start, "SHORT_DATE_FORMAT")}
    return date_format(report.period_start, "SHORT_DATE_FORMAT")


def _clean_texts(values: dict[str, str]) -> dict[str, str]:
    errors = {}
    cleaned = {}
    for field in TEXT_FIELDS:
        text = str(values.get(field) or "").strip()
        if len(text) > TEXT_MAX:
            errors[field] = [_("Keep it under %(n)s characters.") % {"n": TEXT_MAX}]
        cleaned[field] = text
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_comment(comment: str, *, required: bool) -> str:
    comment = str(comment or "").strip()
    if required and not comment:
        raise ValidationError({"comment": [_("Say what should change.")]})
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": [_("Keep it under %(n)s characters.") % {"n": COMMENT_MAX}]})
    return comment


def _keep_revision(report: WorkReport, actor, **extra) -> WorkReportRevision:
    data = {field: getattr(report, field) for field in TEXT_FIELDS}
    data.update(
        status=report.status,
        sent_at=report.sent_at.isoformat() if report.sent_at else None,
        **extra,
    )
    return WorkReportRevision.objects.create(report=report, data=data, changed_by=actor)


def _url(report: WorkReport) -> str:
    return reverse("reports:report_detail", args=[report.pk])


# --- writing and sending -----------------------------------------------------------------------------


@transaction.atomic
def report_save(
    *,
    actor,
    period_start: datetime.date | None = None,
    facts: str = "",
    results: str = "",
    emotions: str = "",
    plans: str = "",
    send: bool = False,
    report: WorkReport | None = None,
) -> WorkReport:
    """Create or update the actor's report of a period (the one containing `period_start`, default: the
    current one in their time zone), or the given `report` of theirs; `send=True` sends it too.

    Drafts, sent and returned reports are editable; a rated report is locked. A change of a report that has
    been sent keeps the previous text as a revision.
    """
    _require_actor(actor)
    texts = _clean_texts({"facts": facts, "results": results, "emotions": emotions, "plans": plans})
    if report is not None:
        report = _own(actor, _locked_copy(actor, report))
    else:
        today = selectors.local_today(actor)
        day = period_start or today
        span = selectors.report_period_for(actor, day)
        if span.start > today:
            raise ValidationError({"period_start": [_("This period has not begun yet.")]})
        report = (
            WorkReport.objects.select_for_update()
            .filter(author=actor, period=span.period, period_start=span.start)
            .first()
        )
        if report is None:
            if send and not texts["facts"]:
                raise ValidationError({"facts": [_("Say what was done before sending the report.")]})
            report = WorkReport.objects.create(
                author=actor, period=span.period, period_start=span.start, period_end=span.end, **texts
            )
            audit_record(
                actor=actor,
                action="report.create",
                target=report,
                changes=snapshot(report, ["period", "period_start", "period_end", *TEXT_FIELDS]),
            )
            if send:
                report_send(actor=actor, report=report)
            return report
    if report.is_locked:
        raise ValidationError({"report": [_("This report is rated; it can no longer be changed.")]})
    before = snapshot(report, list(TEXT_FIELDS))
    if send and not texts["facts"]:
        raise ValidationError({"facts": [_("Say what was done before sending the report.")]})
    changes = diff(before, texts)
    if changes:
        if report.sent_at is not None:
            _keep_revision(report, actor)
        for field, value in texts.items():
            setattr(report, field, value)
        report.save(update_fields=[*TEXT_FIELDS, "updated_at"])
        audit_record(actor=actor, action="report.update", target=report, changes=changes)
    if send and report.status in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        report_send(actor=actor, report=report)
    return report


def _own(actor, report: WorkReport) -> WorkReport:
    if report.author_id != actor.pk:
        raise NotAllowed(_("Only the author changes a report."))
    return report


@transaction.atomic
def report_send(*, actor, report: WorkReport) -> WorkReport:
    """Send a draft (or a returned report again) to the author's supervisor of this moment.

    Stores what the portal knew (the pre-fill) and whether it came after the deadline (judged at the first
    sending; sending a returned report again keeps that verdict). Notifies the supervisor.
    """
    fresh = _own(actor, _locked_copy(actor, report))
    if fresh.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        if fresh.status == ReportStatus.RATED:
            raise ValidationError({"report": [_("This report is rated; it can no longer be changed.")]})
        raise ValidationError({"report": [_("This report is already sent.")]})
    if not fresh.facts.strip():
        raise ValidationError({"facts": [_("Say what was done before sending the report.")]})
    from portal.people.selectors import supervisor_of

    author = fresh.author
    now = timezone.now()
    rule = selectors.report_settings_for(author)._replace(period=fresh.period)
    span = selectors.report_period_for(author, fresh.period_start, rule=rule)
    supervisor = supervisor_of(author)
    previous_supervisor_id = fresh.supervisor_id
    first_sending = fresh.sent_at is None
    before = snapshot(fresh, ["status", "supervisor", "is_late"])
    fresh.status = ReportStatus.SENT
    fresh.supervisor = supervisor
    fresh.sent_at = now
    fresh.is_late = now > span.due_at if first_sending else fresh.is_late
    fresh.rating_comment = ""  # a return comment stays in the revision the return kept
    fresh.prefill = report_prefills.report_prefill(
        user=author, period_start=fresh.period_start, period_end=fresh.period_end
    )
    fresh.save(
        update_fields=[
            "status",
            "supervisor",
            "sent_at",
            "is_late",
            "rating_comment",
            "prefill",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="report.send",
        target=fresh,
        changes=diff(before, snapshot(fresh, ["status", "supervisor", "is_late"])),
    )
    if supervisor is not None:
        from portal.notifications.services import notify

        title = (
            gettext_lazy("%(name)s sent the work report for %(period)s")
            if first_sending
            else gettext_lazy("%(name)s sent the corrected work report for %(period)s")
        )
        notify(
            recipients=[supervisor],
            kind="report_sent",
            title=i18n.message(
                title, name=author.full_name or author.email, period=i18n.deferred(_period_label, fresh)
            ),
            actor=actor,
            body=fresh.facts[:300],
            url=_url(fresh),
            target=fresh,
        )
    counters_recount(
        [author.pk, supervisor.pk if supervisor else None, previous_supervisor_id], REPORT_COUNTERS
    )
    return _sync(report, fresh)


# --- rating ------------------------------------------------------------------------------------------


def _rateable(actor, report: WorkReport) -> WorkReport:
    fresh = _locked_copy(actor, report)
    if not selectors.can_rate_report(actor, fresh):
        raise NotAllowed(_("Only the author's supervisor rates or returns a report."))
    if fresh.status != ReportStatus.SENT:
        messages = {
            ReportStatus.RATED: _("This report is already rated."),
            ReportStatus.RETURNED: _("This report is back with its author."),
            ReportStatus.DRAFT: _("This report is not sent yet."),
        }
        raise ValidationError({"report": [messages.get(fresh.status, _("This report cannot be rated."))]})
    return fresh


@transaction.atomic
def report_rate(*, actor, report: WorkReport, rating: str, comment: str = "") -> WorkReport:
    """Rate a sent report positive or negative (its supervisor, whoever supervises the author, HR/admin),
    with an optional comment. Locks the report and notifies the author."""
    fresh = _rateable(actor, report)
    if rating not in Rating.values:
        raise ValidationError({"rating": [_("Choose positive or negative.")]})
    comment = _clean_comment(comment, required=False)
    before = snapshot(fresh, ["status", "rating", "rating_comment"])
    fresh.status = ReportStatus.RATED
    fresh.rating = rating
    fresh.rating_comment = comment
    fresh.rated_by = actor
    fresh.rated_at = timezone.now()
    fresh.save(update_fields=["status", "rating", "rating_comment", "rated_by", "rated_at", "updated_at"])
    audit_record(
        actor=actor,
        action="report.rate",
        target=fresh,
        changes=diff(before, snapshot(fresh, ["status", "rating", "rating_comment"])),
    )
    from portal.notifications.services import notify

    title = (
        gettext_lazy("Your work report for %(period)s is rated positive")
        if rating == Rating.POSITIVE
        else gettext_lazy("Your work report for %(period)s is rated negative")
    )
    notify(
        recipients=[fresh.author_id],
        kind="report_rated",
        title=i18n.message(title, period=i18n.deferred(_period_label, fresh)),
        actor=actor,
        body=comment,
        url=_url(fresh),
        target=fresh,
    )
    counters_recount([fresh.supervisor_id, actor.pk, fresh.author_id], REPORT_COUNTERS)
    return _sync(report, fresh)


@transaction.atomic
def report_return(*, actor, report: WorkReport, comment: str) -> WorkReport:
    """Return a sent report to its author for changes, with a comment saying what to change (required).
    The text as returned is kept in the history with the comment. Notifies the author."""
    fresh = _rateable(actor, report)
    comment = _clean_comment(comment, required=True)
    _keep_revision(fresh, actor, returned_by=actor.pk, return_comment=comment)
    fresh.status = ReportStatus.RETURNED
    fresh.rating_comment = comment
    fresh.save(update_fields=["status", "rating_comment", "updated_at"])
    audit_record(
        actor=actor,
        action="report.return",
        target=fresh,
        changes={"status": [ReportStatus.SENT, ReportStatus.RETURNED], "comment": comment},
    )
    from portal.notifications.services import notify

    notify(
        recipients=[fresh.author_id],
        kind="report_returned",
        title=i18n.message(
            gettext_lazy("Your work report for %(period)s is returned for changes"),
            period=i18n.deferred(_period_label, fresh),
        ),
        actor=actor,
        body=comment,
        url=reverse("reports:report_write") + f"?date={fresh.period_start.isoformat()}",
        target=fresh,
    )
    counters_recount([fresh.supervisor_id, actor.pk, fresh.author_id], REPORT_COUNTERS)
    return _sync(report, fresh)


@transaction.atomic
def reports_rate_positive(*, actor, reports, comment: str = "") -> int:
    """Rate positive, with one optional comment for all, each of `reports` (reports or their ids) that still
    waits for a rating and that the actor may rate; the others (rated meanwhile, returned, someone else's to
    rate) are left as they are. Each is rated as `report_rate` rates one (audit row, the author notified).
    Returns how many were rated."""
    _require_actor(actor)
    comment = _clean_comment(comment, required=False)
    try:
        ids = {int(getattr(report, "pk", report)) for report in reports}
    except (TypeError, ValueError):
        raise Invalid({"reports": [_("Choose the reports to rate.")]}) from None
    if not ids:
        return 0
    # Locked in one go, in id order, so that two bulk ratings of overlapping reports cannot deadlock.
    waiting = (
        WorkReport.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("author", "author__department")
        .filter(pk__in=ids, status=ReportStatus.SENT)
        .order_by("pk")
    )
    rated = 0
    for report in waiting:
        if selectors.can_rate_report(actor, report):
            report_rate(actor=actor, report=report, rating=Rating.POSITIVE, comment=comment)
            rated += 1
    return rated


# --- reminders ---------------------------------------------------------------------------------------

REPORT_REMINDER_KIND = "report_reminder"


def _short_day(date: datetime.date) -> str:
    return date_format(date, "D j M")


@transaction.atomic
def report_remind(*, actor, person, date: datetime.date) -> bool:
    """Remind `person` (whom the actor controls) that their report for `date` is missing: a notification
    linking to the report form of that date, at most once a day per person and date. A second reminder the
    same day sends nothing and answers False. Refuses a report that is not missing (sent already, not due
    yet, not a working day of theirs)."""
    from portal.notifications.services import reminder_send

    from ..selectors.control import can_control_person

    _require_actor(actor)
    if not can_control_person(actor, person):
        raise NotAllowed(_("Only the person's supervisor, HR or an admin may remind them of a report."))
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        raise Invalid({"date": [_("Give a date.")]})
    if person.pk not in report_numbers.missing_reports(user_ids=[person.pk], date=date):
        raise Invalid({"date": [_("The report for %(date)s is not missing.") % {"date": _short_day(date)}]})
    sent = reminder_send(
        actor=actor,
        recipient=person,
        key=control_details.report_reminder_key(person.pk, date),
        date=control_details.report_reminder_day(person),
        kind=REPORT_REMINDER_KIND,
        title=i18n.message(
            gettext_lazy("Your work report for %(date)s is missing"), date=i18n.deferred(_short_day, date)
        ),
        body=i18n.message(
            gettext_lazy("%(name)s asks you to write it and send it."), name=actor.full_name or actor.email
        ),
        url=reverse("reports:report_write") + f"?date={date.isoformat()}",
    )
    if sent:
        audit_record(actor=actor, action="report.remind", target=person, changes={"date": date.isoformat()})
    return sent


# --- settings ----------------------------------------------------------------------------------------


def _require_settings_right(actor, department) -> None:
    _require_actor(actor)
    if department is None:
        raise ValidationError({"department": [_("Choose a department.")]})
    if not selectors.can_manage_report_settings(actor, department):
        raise NotAllowed(_("Only the department's head, HR or an admin set how it reports."))


def _recount_department(department) -> None:
    from portal.people.models import User

    ids = list(
        User.objects.filter(is_active=True, department__path__startswith=department.path).values_list(
            "pk", flat=True
        )
    )
    counters_recount(ids, ["reports.my_unsent"])


@transaction.atomic
def report_settings_save(
    *, actor, department, period: str, due_time: datetime.time, due_weekday: int = 4
) -> ReportSettings:
    """Set how a department and its sub-tree report (the department's head for their sub-tree, HR/admin):
    daily or weekly, and the due time (and weekday, for weekly reports) in each person's time zone."""
    _require_settings_right(actor, department)
    errors = {}
    if period not in ReportPeriod.values:
        errors["period"] = [_("Choose daily or weekly.")]
    if not isinstance(due_time, datetime.time):
        errors["due_time"] = [_("Give a time of day.")]
    if not isinstance(due_weekday, int) or isinstance(due_weekday, bool) or not 0 <= due_weekday <= 6:
        errors["due_weekday"] = [_("Choose a weekday.")]
    if errors:
        raise ValidationError(errors)
    row = ReportSettings.objects.select_for_update().filter(department=department).first()
    fields = ["period", "due_time", "due_weekday"]
    if row is None:
        row = ReportSettings.objects.create(
            department=department, period=period, due_time=due_time, due_weekday=due_weekday
        )
        changes = snapshot(row, fields)
    else:
        before = snapshot(row, fields)
        row.period, row.due_time, row.due_weekday = period, due_time, due_weekday
        changes = diff(before, snapshot(row, fields))
        if changes:
            row.save(update_fields=fields)
    if changes:
        audit_record(actor=actor, action="report_settings.save", target=row, changes=changes)
        _recount_department(department)
    return row


@transaction.atomic
def report_settings_reset(*, actor, department) -> bool:
    """Drop a department's own settings, so it follows the department above again. True when dropped."""
    _require_settings_right(actor, department)
    row = ReportSettings.objects.filter(department=department).first()
    if row is None:
        return False
    audit_record(
        actor=actor,
        action="report_settings.reset",
        target=row,
        changes=snapshot(row, ["period", "due_time", "due_weekday"]),
    )
    row.delete()
    _recount_department(department)
    return True


# --- the beat sweep ----------------------------------------------------------------------------------


def reports_unsent_recount_due(*, now: datetime.datetime | None = None) -> int:
    """Recount "reports.my_unsent" of the people whose due time passed or whose new period began in the
    last few minutes (the beat runs every 15 minutes). Returns the number of people recounted."""
    ids = report_numbers.reports_unsent_boundary_passed(now=now)
    for i in range(0, len(ids), 500):
        with transaction.atomic():
            counters_store(ids[i : i + 500], ["reports.my_unsent"])
    return len(ids)
