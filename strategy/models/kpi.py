"""KPI cards: a set of indicators with weights for a person, a position or a department, scored per period.

A card's holders are its person, every active person with its position, or every active person of its department
(with its sub-departments, if asked). Each line names an indicator, a weight and a cap: the line's achievement
(actual vs target, `strategy.models.indicators.achievement_of`) counts up to the cap (120 % lets overachievement
count a little, 100 % not at all). A person's score for a period is the weighted mean of the capped achievements, in
percent. A line whose indicator is a formula computed for "a person" is evaluated for each holder (all holders at
once: `formula_evaluate_many`); any other line takes the indicator's stored value of the period, the same for all.

Scores are stored (`KpiScore`), recomputed while they are drafts, and frozen once the person's supervisor (or a
strategy manager) confirms the period: the payroll export reads them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel
from portal.core.visibility import NOTHING, any_of, is_active_person, owned_by, supervised_by, visible

from .goals import is_strategy_manager
from .indicators import Indicator, PeriodKind


class HolderKind(models.TextChoices):
    PERSON = "person", _("A person")
    POSITION = "position", _("Everyone with a position")
    DEPARTMENT = "department", _("Everyone in a department")


class ScoreStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")


class KpiScoreQuerySet(models.QuerySet):
    def visible_to(self, user) -> KpiScoreQuerySet:
        """A score is seen by its person, their supervisors and strategy managers."""
        return visible(
            self,
            user,
            lambda: any_of(owned_by(user, "person"), supervised_by(user, "person")),
            sees_all=lambda: is_strategy_manager(user),
        )


def _headed_path(user) -> str | None:
    from portal.people.models import headed_path

    return headed_path(user)


class KpiCardQuerySet(models.QuerySet):
    def visible_to(self, user) -> KpiCardQuerySet:
        """A card is seen by its holders, the supervisors of its holders and strategy managers."""
        return visible(
            self, user, lambda: kpi_card_visibility_q(user), sees_all=lambda: is_strategy_manager(user)
        )


def kpi_card_visibility_q(user) -> Q:
    if not is_active_person(user):
        return NOTHING
    rules = [owned_by(user, "person"), supervised_by(user, "person")]
    if user.position:
        rules.append(Q(holder_kind=HolderKind.POSITION, position=user.position))
    if user.department_id:
        rules.append(Q(holder_kind=HolderKind.DEPARTMENT, department_id=user.department_id))
        from portal.people.models import Department

        own_path = Department.objects.filter(pk=user.department_id).values("path")[:1]
        above = Department.objects.annotate(_viewer=models.Subquery(own_path)).filter(
            _viewer__startswith=models.F("path")
        )
        rules.append(Q(holder_kind=HolderKind.DEPARTMENT, include_subdepartments=True, department__in=above))
    path = _headed_path(user)
    if path:
        rules.append(Q(holder_kind=HolderKind.DEPARTMENT, department__path__startswith=path))
    scores = KpiScore.objects.filter(card=OuterRef("pk")).visible_to(user)
    rules.append(Q(Exists(scores)))
    return any_of(*rules)


class KpiCard(TimeStampedModel):
    """The indicators and weights by which a person, a position or a department is scored each period."""

    name = models.CharField(_("name"), max_length=200)
    holder_kind = models.CharField(
        _("for"), max_length=12, choices=HolderKind.choices, default=HolderKind.PERSON
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="kpi_cards",
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    department = models.ForeignKey(
        "people.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    include_subdepartments = models.BooleanField(_("with sub-departments"), default=False)
    period = models.CharField(
        _("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    indicators = models.ManyToManyField(
        Indicator, through="KpiCardLine", related_name="kpi_cards", blank=True
    )

    objects = KpiCardQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("KPI card")
        verbose_name_plural = _("KPI cards")
        constraints = [
            models.CheckConstraint(
                condition=~Q(holder_kind="person") | Q(person__isnull=False), name="strategy_kpicard_person"
            ),
            models.CheckConstraint(
                condition=~Q(holder_kind="position") | ~Q(position=""), name="strategy_kpicard_position"
            ),
            models.CheckConstraint(
                condition=~Q(holder_kind="department") | Q(department__isnull=False),
                name="strategy_kpicard_department",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from portal.core.links import url_for_pk

        return url_for_pk("strategy:kpi_card_detail", self.pk)


class KpiCardLine(models.Model):
    """One indicator of a card: its weight, its cap (in percent of the target) and an optional own target."""

    card = models.ForeignKey(KpiCard, on_delete=models.CASCADE, related_name="lines")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="kpi_lines")
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=2, default=Decimal(1))
    cap = models.DecimalField(
        # xgettext:no-python-format
        _("cap, % of target"),
        max_digits=7,
        decimal_places=2,
        default=Decimal(100),
        help_text=_("The most one indicator counts: 120 lets overachievement count up to 120 %."),
    )
    target = models.DecimalField(
        _("own target"),
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Empty: the indicator's target of the period."),
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["card", "position", "id"]
        verbose_name = _("KPI card line")
        constraints = [
            models.UniqueConstraint(fields=["card", "indicator"], name="strategy_kpicardline_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="strategy_kpicardline_weight_positive"),
            models.CheckConstraint(condition=Q(cap__gt=0), name="strategy_kpicardline_cap_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.card_id}: {self.indicator_id} x {self.weight}"


class KpiScore(models.Model):
    """A holder's score of a card for one period (percent), with each line's figures in `lines`:
    [{"indicator", "name", "value", "target", "achievement", "counted", "weight", "cap", "error"}]."""

    card = models.ForeignKey(KpiCard, on_delete=models.CASCADE, related_name="scores")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kpi_scores")
    period_start = models.DateField(_("period"))
    period_end = models.DateField()
    score = models.DecimalField(_("score, %"), max_digits=9, decimal_places=2, null=True, blank=True)
    lines = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ScoreStatus.choices, default=ScoreStatus.DRAFT
    )
    computed_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = KpiScoreQuerySet.as_manager()

    class Meta:
        ordering = ["card", "period_start", "person"]
        verbose_name = _("KPI score")
        verbose_name_plural = _("KPI scores")
        constraints = [
            models.UniqueConstraint(
                fields=["card", "person", "period_start"], name="strategy_kpiscore_unique"
            )
        ]
        indexes = [models.Index(fields=["period_start", "person"], name="strategy_kpiscore_period")]

    def __str__(self) -> str:
        return f"{self.card_id} {self.person_id} {self.period_start}: {self.score}"
