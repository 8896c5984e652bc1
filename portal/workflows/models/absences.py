"""Absences: types, the absences themselves (entered by HR or made by an approved leave request), and yearly
leave allowances with carry-over."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel
from portal.core.visibility import is_active_person


class AbsenceType(models.Model):
    """Vacation, sick leave, business trip, day off, unpaid, other; admins edit the list."""

    key = models.SlugField(_("code"), max_length=50, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=100)
    color = models.CharField(_("colour"), max_length=7, default="#0d6efd")
    counts_allowance = models.BooleanField(_("counts against the vacation allowance"), default=False)
    private = models.BooleanField(
        _("private"), default=False, help_text=_('Colleagues see only "absent", not the type.')
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("absence type")
        verbose_name_plural = _("absence types")

    def __str__(self) -> str:
        return self.name


class AbsenceQuerySet(models.QuerySet):
    def visible_to(self, user) -> AbsenceQuerySet:
        """Every employee sees when colleagues are away (the chart is company-wide); what an absence says
        beyond the dates (the comment, a private type) is for `absence_details_visible`."""
        if not is_active_person(user):
            return self.none()
        return self.all()

    def overlapping(self, start, end) -> AbsenceQuerySet:
        return self.filter(start__lte=end, end__gte=start)


class Absence(TimeStampedModel):
    """A person away from `start` to `end` (inclusive days)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences", verbose_name=_("person")
    )
    type = models.ForeignKey(
        AbsenceType, on_delete=models.PROTECT, related_name="absences", verbose_name=_("type")
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    process = models.ForeignKey(
        "workflows.Process", null=True, blank=True, on_delete=models.SET_NULL, related_name="absences"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        ordering = ["start", "user_id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="workflows_absence_dates")
        ]
        indexes = [
            models.Index(fields=["user", "start", "end"], name="workflows_absence_user"),
            models.Index(fields=["start", "end"], name="workflows_absence_dates_idx"),
        ]
        permissions = [("manage_absences", "Can enter and edit everyone's absences")]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")

    def __str__(self) -> str:
        return f"{self.user} {self.type} {self.start}–{self.end}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class LeaveAllowance(models.Model):
    """A person's vacation days for a year, and the unused days carried over from the year before."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leave_allowances"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    days = models.DecimalField(_("days"), max_digits=5, decimal_places=1)
    carried_over = models.DecimalField(_("carried over"), max_digits=5, decimal_places=1, default=0)

    class Meta:
        ordering = ["user_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["user", "year"], name="workflows_allowance_unique_year")
        ]
        verbose_name = _("leave allowance")
        verbose_name_plural = _("leave allowances")

    def __str__(self) -> str:
        return f"{self.user} {self.year}: {self.days}+{self.carried_over}"
