"""The indicator register: what the strategy counts.

An indicator has a unit, a direction (higher or lower is better), a baseline, a target per period (month, quarter
or year: the indicator's `period`), red/amber/green thresholds on its achievement and an owner responsible for its
values. Its values come from one of two sources:

- manual: the owner enters a value per period; a change of a stored value is a correction, kept with who and why
  (`IndicatorValueRevision`);
- formula: a formula over the metrics the apps register (`portal.core.metrics`), computed for a subject (the
  company, a department or a person). Formulas are versioned (`IndicatorFormula`): each stored value records the
  version that produced it, and a new version recomputes past periods only on request.

Achievement (0 = the baseline or nothing, 1 = the target) is stored on each value with its colour, so the register,
the strategy home ("indicators in red") and the goals' roll-up read it without recomputing.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.core.models import ObjectGrantBase, TimeStampedModel
from portal.core.visibility import NOTHING, any_of, granted_to, is_active_person, owned_by, visible

from ..choices import Rag
from .goals import Goal, is_strategy_manager

# --- choices --------------------------------------------------------------------------------------------------


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class IndicatorSource(models.TextChoices):
    MANUAL = "manual", _("Entered by the owner")
    FORMULA = "formula", _("Formula over live data")


class SubjectKind(models.TextChoices):
    COMPANY = "company", _("The company")
    DEPARTMENT = "department", _("A department")
    PERSON = "person", _("A person")


class IndicatorVisibility(models.TextChoices):
    GOALS = "goals", _("As its goals")
    COMPANY = "company", _("Everyone in the company")
    RESTRICTED = "restricted", _("Only the people it is shared with")


class RevisionKind(models.TextChoices):
    ENTERED = "entered", _("Entered")
    CORRECTED = "corrected", _("Corrected")
    COMPUTED = "computed", _("Computed")
    RECOMPUTED = "recomputed", _("Recomputed")


# --- periods --------------------------------------------------------------------------------------------------


def period_start(kind: str, day: datetime.date) -> datetime.date:
    """The first day of the period of `kind` holding `day`."""
    if kind == PeriodKind.YEAR:
        return datetime.date(day.year, 1, 1)
    if kind == PeriodKind.QUARTER:
        return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return datetime.date(day.year, day.month, 1)


def period_end(kind: str, start: datetime.date) -> datetime.date:
    """The last day of the period of `kind` starting on `start` (inclusive)."""
    months = {PeriodKind.YEAR: 12, PeriodKind.QUARTER: 3}.get(kind, 1)
    month = start.month + months - 1
    year = start.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def period_next(kind: str, start: datetime.date) -> datetime.date:
    return period_end(kind, start) + datetime.timedelta(days=1)


def period_previous(kind: str, start: datetime.date) -> datetime.date:
    return period_start(kind, start - datetime.timedelta(days=1))


def periods_between(kind: str, first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The starts of the periods of `kind` from the one holding `first` to the one holding `last`."""
    starts = []
    start, stop = period_start(kind, first), period_start(kind, last)
    while start <= stop:
        starts.append(start)
        start = period_next(kind, start)
    return starts


def period_label(kind: str, start: datetime.date) -> str:
    """ "2026-11", "2026 Q4" or "2026": the same in every language (the chart's axis, the export's column)."""
    if kind == PeriodKind.YEAR:
        return f"{start.year}"
    if kind == PeriodKind.QUARTER:
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return f"{start:%Y-%m}"


def period_parse(kind: str, text: str) -> datetime.date | None:
    """The period start named by "2026-11", "2026-Q4"/"2026 Q4", "2026" or an ISO date; None if unreadable."""
    text = (text or "").strip().upper().replace(" ", "-")
    try:
        if "Q" in text:
            year, quarter = text.split("-Q")
            return period_start(kind, datetime.date(int(year), 3 * (int(quarter) - 1) + 1, 1))
        parts = text.split("-")
        if len(parts) == 1:
            return period_start(kind, datetime.date(int(parts[0]), 1, 1))
        if len(parts) == 2:
            return period_start(kind, datetime.date(int(parts[0]), int(parts[1]), 1))
        return period_start(kind, datetime.date.fromisoformat(text))
    except (ValueError, TypeError, OverflowError):
        return None


# --- achievement ----------------------------------------------------------------------------------------------

ONE = Decimal(1)
ZERO = Decimal(0)
PERCENT = Decimal(100)


def achievement_of(
    *, value: Decimal | None, target: Decimal | None, baseline: Decimal | None, direction: str
) -> Decimal | None:
    """How far `value` went from the baseline to the target: 0 at the baseline (or worse), 1 on target, above 1
    beyond it; None without a value or a target.

    With a baseline different from the target the scale is linear between the two (so it works for both
    directions); without one, higher-is-better is value / target, lower-is-better is target / value (a value of 0
    or less meets any target).
    """
    if value is None or target is None:
        return None
    value, target = Decimal(value), Decimal(target)
    if baseline is not None and Decimal(baseline) != target:
        share = (value - Decimal(baseline)) / (target - Decimal(baseline))
    elif direction == Direction.LOWER:
        if value <= 0:
            return ONE if target >= value else ZERO
        share = target / value
    else:
        if target == 0:
            return ONE if value >= 0 else ZERO
        share = value / target
    return max(ZERO, share).quantize(Decimal("0.0001"))


def rag_of(achievement: Decimal | None, *, green_from: Decimal, amber_from: Decimal) -> str:
    """The colour of an achievement against thresholds in percent ("" without an achievement)."""
    if achievement is None:
        return ""
    percent = achievement * PERCENT
    if percent >= green_from:
        return Rag.GREEN
    if percent >= amber_from:
        return Rag.AMBER
    return Rag.RED


# --- the register ---------------------------------------------------------------------------------------------


class IndicatorQuerySet(models.QuerySet):
    def visible_to(self, user) -> IndicatorQuerySet:
        """Indicators `user` may see: their own (as owner), those for everyone, those shared with them, those
        following their goals' visibility whose goal they see; strategy managers and admins see all."""
        return visible(self, user, lambda: indicator_visibility_q(user), sees_all=lambda: sees_all(user))

    def visible_through_seen_goal(self, user) -> IndicatorQuerySet:
        """`visible_to` for indicators read through a link to a goal `user` sees (the caller filters the links
        by such goals): the same rows for those links, a lighter rule to compile."""
        return visible(
            self, user, lambda: indicator_visibility_q(user, goal_seen=True), sees_all=lambda: sees_all(user)
        )


def sees_all(user) -> bool:
    """Strategy managers and portal admins see every indicator."""
    return is_strategy_manager(user)


def indicator_visibility_q(user, *, goal_seen: bool = False) -> Q:
    """The rule of `IndicatorQuerySet.visible_to`: one filter of columns and EXISTS pieces. With `goal_seen`,
    for indicators read through their link to a goal the caller already found `user` sees (a map's or a
    register's goals): an indicator that follows its goals' visibility is seen, with no goal rule compiled."""
    if not is_active_person(user):
        return NOTHING
    if goal_seen:
        follows_goals = Q(visibility=IndicatorVisibility.GOALS)
    else:
        links = IndicatorGoal.objects.filter(indicator=OuterRef("pk"), goal__in=Goal.objects.visible_to(user))
        follows_goals = Q(Exists(links), visibility=IndicatorVisibility.GOALS)
    grants = granted_to(user, Indicator)
    return any_of(
        owned_by(user, "owner"),
        Q(visibility=IndicatorVisibility.COMPANY),
        follows_goals,
        NOTHING if grants is NOTHING else Q(grants, visibility=IndicatorVisibility.RESTRICTED),
    )


class Indicator(TimeStampedModel):
    """A measured number of the strategy (see the module's docstring)."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True, help_text=_("%, h, pcs, EUR…"))
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    period = models.CharField(
        _("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    baseline = models.DecimalField(_("baseline"), max_digits=18, decimal_places=4, null=True, blank=True)
    default_target = models.DecimalField(
        _("target"),
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("For every period without a target of its own."),
    )
    green_from = models.DecimalField(
        # xgettext:no-python-format
        _("green from, % of target"),
        max_digits=7,
        decimal_places=2,
        default=Decimal(100),
    )
    amber_from = models.DecimalField(
        # xgettext:no-python-format
        _("amber from, % of target"),
        max_digits=7,
        decimal_places=2,
        default=Decimal(90),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="strategy_indicators",
    )
    goals = models.ManyToManyField(
        Goal,
        verbose_name=_("goals"),
        through="IndicatorGoal",
        related_name="indicators",
        blank=True,
    )
    visibility = models.CharField(
        _("visibility"), max_length=12, choices=IndicatorVisibility.choices, default=IndicatorVisibility.GOALS
    )
    source = models.CharField(
        _("source"), max_length=10, choices=IndicatorSource.choices, default=IndicatorSource.MANUAL
    )
    starts_on = models.DateField(_("measured from"), help_text=_("The first period that has a value."))
    # The formula (source "formula"): its current text and version, and the subject it is computed for.
    formula = models.TextField(_("formula"), blank=True)
    formula_version = models.PositiveIntegerField(default=0, editable=False)
    subject_kind = models.CharField(
        _("computed for"), max_length=12, choices=SubjectKind.choices, default=SubjectKind.COMPANY
    )
    subject_department = models.ForeignKey(
        "people.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The latest closed period's value (kept by the services): the register and "in red" read it.
    last_period = models.DateField(null=True, blank=True, editable=False)
    last_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True, editable=False)
    last_achievement = models.DecimalField(
        max_digits=9, decimal_places=4, null=True, blank=True, editable=False
    )
    last_status = models.CharField(max_length=6, blank=True, editable=False, db_index=True)

    objects = IndicatorQuerySet.as_manager()
    share_owner_fields = ("owner",)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.CheckConstraint(
                condition=Q(amber_from__lte=models.F("green_from")),
                name="strategy_indicator_amber_below_green",
            ),
            models.CheckConstraint(
                condition=~Q(subject_kind="department") | Q(subject_department__isnull=False),
                name="strategy_indicator_department_subject",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from portal.core.links import url_for_pk

        return url_for_pk("strategy:indicator_detail", self.pk)

    def may_share(self, user) -> bool:
        """The owner and strategy managers share a restricted indicator (`portal.core.sharing`)."""
        return self.owner_id == user.pk or is_strategy_manager(user)

    @property
    def is_formula(self) -> bool:
        return self.source == IndicatorSource.FORMULA

    def achievement(self, value, target) -> Decimal | None:
        return achievement_of(value=value, target=target, baseline=self.baseline, direction=self.direction)

    def rag(self, achievement) -> str:
        return rag_of(achievement, green_from=self.green_from, amber_from=self.amber_from)

    def period_end(self, start: datetime.date) -> datetime.date:
        return period_end(self.period, start)

    def period_label(self, start: datetime.date) -> str:
        return period_label(self.period, start)


class IndicatorGoal(models.Model):
    """An indicator measuring a goal, with its weight in the goal's progress."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="goal_links")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="indicator_links")
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=2, default=Decimal(1))

    class Meta:
        verbose_name = _("indicator of a goal")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "goal"], name="strategy_indicatorgoal_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="strategy_indicatorgoal_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} -> {self.goal_id}"


class IndicatorTarget(models.Model):
    """The target of one period (the indicator's `default_target` stands for periods without one)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    period_start = models.DateField(_("period"))
    target = models.DecimalField(_("target"), max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["indicator", "period_start"]
        verbose_name = _("indicator target")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period_start"], name="strategy_indicatortarget_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period_start}: {self.target}"


class IndicatorFormula(models.Model):
    """One version of an indicator's formula: values record the version that produced them."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="formulas")
    version = models.PositiveIntegerField()
    text = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["indicator", "-version"]
        verbose_name = _("indicator formula")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "version"], name="strategy_indicatorformula_unique")
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} v{self.version}"


class IndicatorValueQuerySet(models.QuerySet):
    def visible_to(self, user) -> IndicatorValueQuerySet:
        """Values are seen with their indicator."""
        return self.filter(indicator__in=Indicator.objects.visible_to(user))


class IndicatorValue(models.Model):
    """The value of one period: entered (manual) or computed (formula, with the version that produced it)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    period_start = models.DateField(_("period"))
    period_end = models.DateField()
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4, null=True, blank=True)
    # Why a formula gave no value (division by zero, no data), shown instead of it.
    error = models.CharField(max_length=300, blank=True)
    formula_version = models.PositiveIntegerField(null=True, blank=True)
    target = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    achievement = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    status = models.CharField(max_length=6, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "period_start"]
        verbose_name = _("indicator value")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period_start"], name="strategy_indicatorvalue_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period_start}: {self.value}"


class IndicatorValueRevision(models.Model):
    """The history of a value: each entry, correction (with who and why) and (re)computation."""

    value = models.ForeignKey(IndicatorValue, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(max_length=12, choices=RevisionKind.choices)
    old_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    new_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    formula_version = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["value", "-created_at", "-id"]
        verbose_name = _("indicator value revision")

    def __str__(self) -> str:
        return f"{self.value_id} {self.kind}: {self.old_value} -> {self.new_value}"


class IndicatorGrant(ObjectGrantBase):
    """An indicator shared with a person, a department or a workgroup (its visibility "restricted")."""

    content_object = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="grants")

    class Meta(ObjectGrantBase.Meta):
        verbose_name = _("indicator grant")


class IndicatorUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Indicator, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("indicator user permission")


class IndicatorGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Indicator, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("indicator group permission")
