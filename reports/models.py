"""Reports: work schedules, the working day (with its events and corrections), daily/weekly work reports
and their ratings, monthly timesheet confirmations, the supervisor's control records ("touch" checks and
measured control time) and the stored control digests.

Visibility everywhere is the same rule (`people_visible_q`): a person sees their own rows, a supervisor the
rows of the people of the sub-tree of the department they head, HR (permission `reports.view_all`) and admins
see all. Everybody else gets 404.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel
from portal.core.visibility import any_of, by_role, is_active_person, owned_by, supervised_by, visible
from portal.people.models import headed_path  # noqa: F401  (the app's selectors and views import it from here)

from .choices import (
    CorrectionStatus,
    DayEventKind,
    DayState,
    DigestKind,
    Rating,
    ReportPeriod,
    ReportStatus,
)


def _active(user) -> bool:
    return is_active_person(user)


def sees_all(user) -> bool:
    """Admins and HR (the `reports.view_all` permission) see every person's days, reports and timesheets."""
    return by_role(user, "reports.view_all")


def people_visible_q(user, field: str = "user") -> Q:
    """Rows whose `field` (a person) is the viewer or one of the people of the sub-tree they head."""
    return any_of(owned_by(user, field), supervised_by(user, field))


class PersonScopedQuerySet(models.QuerySet):
    person_field = "user"

    def visible_to(self, user):
        """The row's person, their supervisors up the tree, HR and admins (core's builders)."""
        return visible(
            self, user, lambda: people_visible_q(user, self.person_field), sees_all=lambda: sees_all(user)
        )


class WorkSchedule(TimeStampedModel):
    """Working days and hours, assigned to a department (and its sub-tree) or to one person.

    A person's schedule is their own, else the nearest department's up the tree, else the company default
    (Monday to Friday, the person's own work_start / work_end).
    """

    name = models.CharField(_("name"), max_length=100)
    department = models.OneToOneField(
        "people.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="work_schedule",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="work_schedule",
    )
    working_days = models.JSONField(_("working days"), default=list, help_text=_("0 = Monday ... 6 = Sunday"))
    start = models.TimeField(_("day starts"), default=datetime.time(9, 0))
    end = models.TimeField(_("day ends"), default=datetime.time(18, 0))
    allowed_lateness = models.PositiveSmallIntegerField(_("allowed lateness (minutes)"), default=10)
    break_minutes = models.PositiveSmallIntegerField(_("break (minutes)"), default=60)

    class Meta:
        verbose_name = _("work schedule")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="workschedule_hours_order"),
            models.CheckConstraint(
                condition=~(Q(department__isnull=False) & Q(user__isnull=False)),
                name="workschedule_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReportSettings(models.Model):
    """How a department (and its sub-tree, unless overridden) reports: daily or weekly, and by when."""

    department = models.OneToOneField(
        "people.Department", on_delete=models.CASCADE, related_name="report_settings"
    )
    period = models.CharField(
        _("period"), max_length=8, choices=ReportPeriod.choices, default=ReportPeriod.DAY
    )
    due_time = models.TimeField(_("send by (time)"), default=datetime.time(19, 0))
    due_weekday = models.PositiveSmallIntegerField(
        _("send by (weekday, weekly reports)"), default=4, help_text=_("0 = Monday ... 6 = Sunday")
    )

    class Meta:
        verbose_name = _("report settings")
        verbose_name_plural = _("report settings")
        constraints = [
            models.CheckConstraint(condition=Q(due_weekday__lte=6), name="reportsettings_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.department}: {self.period}"


class WorkDayQuerySet(PersonScopedQuerySet):
    pass


class WorkDay(models.Model):
    """One person's working day (their local date): start, pauses and end, with the schedule's verdicts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_days")
    date = models.DateField(_("date"))
    state = models.CharField(_("state"), max_length=8, choices=DayState.choices, default=DayState.OPEN)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    pause_started_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    worked_seconds = models.PositiveIntegerField(default=0, help_text=_("Set when the day ends"))
    # Verdicts of the schedule, stored when the day starts / ends.
    is_late = models.BooleanField(_("late start"), default=False)
    is_early_end = models.BooleanField(_("early end"), default=False)
    is_short = models.BooleanField(_("day too short"), default=False)
    auto_closed = models.BooleanField(_("closed automatically"), default=False)
    needs_confirmation = models.BooleanField(default=False)
    # Times as first recorded, kept when a correction is confirmed.
    original_started_at = models.DateTimeField(null=True, blank=True)
    original_ended_at = models.DateTimeField(null=True, blank=True)

    objects = WorkDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("working day")
        ordering = ["-date", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "date"], name="workday_one_per_date"),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="workday_order",
            ),
        ]
        indexes = [
            models.Index(fields=["date", "state"], name="workday_date_state"),
            models.Index(fields=["state", "started_at"], name="workday_state_started"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.date}"


class WorkDayEvent(models.Model):
    """One click on the workday widget (or the midnight close), with when, from where and why."""

    day = models.ForeignKey(WorkDay, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=DayEventKind.choices)
    at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["day", "at"], name="workdayevent_day_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%H:%M}"


class DayCorrectionQuerySet(PersonScopedQuerySet):
    person_field = "day__user"


class DayCorrection(TimeStampedModel):
    """A person's request to correct their day's times, with a reason, confirmed by the supervisor."""

    day = models.ForeignKey(WorkDay, on_delete=models.CASCADE, related_name="corrections")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(_("reason"), max_length=2000)
    started_at = models.DateTimeField(_("corrected start"))
    ended_at = models.DateTimeField(_("corrected end"), null=True, blank=True)
    old_started_at = models.DateTimeField()
    old_ended_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.CharField(max_length=500, blank=True)

    objects = DayCorrectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("day correction")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["day"], condition=Q(status=CorrectionStatus.PENDING), name="daycorrection_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="daycorrection_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.status}"


class WorkReportQuerySet(PersonScopedQuerySet):
    person_field = "author"


class WorkReport(TimeStampedModel):
    """A daily or weekly work report: facts, results, important emotions and plans, rated by the supervisor."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_reports"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports_to_rate",
        help_text=_("The author's supervisor when the report was sent"),
    )
    period = models.CharField(
        _("period"), max_length=8, choices=ReportPeriod.choices, default=ReportPeriod.DAY
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    facts = models.TextField(_("what was done"), blank=True)
    results = models.TextField(_("results"), blank=True)
    emotions = models.TextField(_("important emotions"), blank=True)
    plans = models.TextField(_("plans"), blank=True)
    prefill = models.JSONField(
        default=dict, blank=True, help_text=_("What the portal knew when it was written")
    )
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    sent_at = models.DateTimeField(null=True, blank=True)
    is_late = models.BooleanField(_("sent after the deadline"), default=False)
    rating = models.CharField(max_length=10, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("supervisor's comment"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rated_at = models.DateTimeField(null=True, blank=True)

    objects = WorkReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("work report")
        ordering = ["-period_start", "-id"]
        permissions = [("view_all", "Can see every person's days, reports and timesheets (HR)")]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "period", "period_start"], name="workreport_one_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="workreport_dates"
            ),
            models.CheckConstraint(
                condition=Q(status=ReportStatus.RATED, rating__in=Rating.values)
                | ~Q(status=ReportStatus.RATED),
                name="workreport_rated_has_rating",
            ),
        ]
        indexes = [
            models.Index(fields=["supervisor", "status"], name="workreport_supervisor_status"),
            models.Index(fields=["author", "period_start"], name="workreport_author_start"),
        ]

    def __str__(self) -> str:
        return f"{self.author} {self.period_start}"

    @property
    def is_locked(self) -> bool:
        return self.status == ReportStatus.RATED


class WorkReportRevision(models.Model):
    """The text of a report as it was before a change (a report's history)."""

    report = models.ForeignKey(WorkReport, on_delete=models.CASCADE, related_name="revisions")
    data = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.report_id} @ {self.changed_at:%Y-%m-%d %H:%M}"


class TimesheetConfirmationQuerySet(PersonScopedQuerySet):
    pass


class TimesheetConfirmation(models.Model):
    """A supervisor's confirmation of one person's monthly timesheet, with the totals as confirmed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text=_("The first day of the month"))
    totals = models.JSONField(default=dict)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(auto_now_add=True)

    objects = TimesheetConfirmationQuerySet.as_manager()

    class Meta:
        verbose_name = _("timesheet confirmation")
        constraints = [models.UniqueConstraint(fields=["user", "month"], name="timesheet_one_per_month")]

    def __str__(self) -> str:
        return f"{self.user} {self.month:%Y-%m}"


class ControlCheckQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A supervisor's own checks; HR and admins see all."""
        return visible(self, user, lambda: owned_by(user, "supervisor"), sees_all=lambda: sees_all(user))


class ControlCheck(models.Model):
    """A "touch" check: a random recent item of a subordinate that the supervisor looked at."""

    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    item_id = models.CharField(max_length=64)
    item_repr = models.CharField(max_length=200, blank=True)
    item_url = models.CharField(max_length=500, blank=True)
    picked_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=1000, blank=True)

    objects = ControlCheckQuerySet.as_manager()

    class Meta:
        ordering = ["-picked_at", "-id"]
        indexes = [models.Index(fields=["supervisor", "-picked_at"], name="controlcheck_supervisor")]

    def __str__(self) -> str:
        return f"{self.supervisor_id} checked {self.item_repr}"


class ControlTime(models.Model):
    """Seconds a supervisor spent on control pages on one (local) date, measured from page activity."""

    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    seconds = models.PositiveIntegerField(default=0)
    last_beat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["supervisor", "date"], name="controltime_one_per_day")]

    def __str__(self) -> str:
        return f"{self.supervisor_id} {self.date}: {self.seconds}s"


class DigestPreference(models.Model):
    """When a person wants their digest (local time) and whether they want the personal one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_preference"
    )
    digest_time = models.TimeField(_("digest time"), default=datetime.time(9, 0))
    personal_digest = models.BooleanField(_("send me a personal digest"), default=False)

    def __str__(self) -> str:
        return f"{self.user_id} at {self.digest_time:%H:%M}"


class DigestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A digest is its recipient's; admins (not HR) see all."""
        return visible(self, user, lambda: owned_by(user, "recipient"), sees_all=lambda: by_role(user))


class Digest(models.Model):
    """A control (or personal) digest, built once per person and local date, kept and e-mailed."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests")
    kind = models.CharField(max_length=12, choices=DigestKind.choices, default=DigestKind.SUPERVISOR)
    date = models.DateField()
    data = models.JSONField(default=dict)
    signals = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = DigestQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "date"], name="digest_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.kind} digest for {self.recipient_id} on {self.date}"
