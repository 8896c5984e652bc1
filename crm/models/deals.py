"""Deals: a sale moving through a pipeline's stages, with its line items and observers."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from ..choices import Entity, LeadSource, StageKind
from .records import CrmRecord, RecordQuerySet


class DealQuerySet(RecordQuerySet):
    entity = Entity.DEAL

    def own_rule(self, user):
        return Q(Exists(DealObserver.objects.filter(deal=OuterRef("pk"), user=user)))


class Deal(CrmRecord):
    """A deal. Its `stage_kind` copies the stage's kind so that "open deals" is one indexed test."""

    title = models.CharField(_("title"), max_length=300)
    pipeline = models.ForeignKey(
        "crm.Pipeline", verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="deals"
    )
    stage = models.ForeignKey(
        "crm.Stage", verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals"
    )
    stage_kind = models.CharField(
        max_length=8, choices=StageKind.choices, default=StageKind.OPEN, editable=False
    )
    stage_changed_at = models.DateTimeField(_("in this stage since"), null=True, blank=True)
    amount = MoneyField(_("amount"), max_digits=16, decimal_places=2, default_currency=None)
    contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    company = models.ForeignKey(
        "crm.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    lead = models.ForeignKey(
        "crm.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    observers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="crm.DealObserver", related_name="+", blank=True
    )
    expected_close = models.DateField(_("expected close date"), null=True, blank=True)
    probability = models.PositiveSmallIntegerField(
        _("probability, %"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    lost_reason = models.CharField(_("reason for the loss"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=LeadSource.choices, default=LeadSource.MANUAL
    )
    # A deal made by a store order: the connection and the order's id there (unique together), and the time of
    # the order's last change applied (an older delivery arriving later changes nothing).
    store = models.ForeignKey(
        "crm.StoreConnection", null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    external_id = models.CharField(max_length=100, blank=True)
    external_updated_at = models.DateTimeField(null=True, blank=True)
    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # PostgreSQL also has crm_deal_column (stage, stage_changed_at DESC NULLS LAST, id DESC): a Kanban column
        # in its order (selectors.deals.CARD_ORDER), read in order rather than sorted (migration 0004; SQLite
        # takes no NULLS LAST in an index).
        indexes = [
            models.Index(fields=["responsible", "stage_kind", "-created_at"], name="crm_deal_resp_kind"),
            models.Index(fields=["pipeline", "stage", "-created_at"], name="crm_deal_stage"),
            models.Index(fields=["stage_kind", "last_activity_at"], name="crm_deal_idle"),
            models.Index(fields=["closed_at"], name="crm_deal_closed"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "external_id"], condition=~Q(external_id=""), name="crm_deal_store_order"
            ),
            models.CheckConstraint(condition=Q(probability__lte=100), name="crm_deal_probability"),
            models.CheckConstraint(
                condition=~Q(stage_kind=StageKind.LOST) | ~Q(lost_reason=""), name="crm_deal_lost_has_reason"
            ),
        ]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.stage_kind == StageKind.OPEN

    def get_absolute_url(self) -> str:
        from portal.core.links import url_for_pk

        return url_for_pk("crm:deal", self.pk)


class DealObserver(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="observer_links")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_observed_deals"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deal", "user"], name="crm_deal_observer_unique")]
        indexes = [models.Index(fields=["user", "deal"], name="crm_deal_observer_user")]

    def __str__(self) -> str:
        return f"{self.user_id} observes {self.deal_id}"


class DealLine(models.Model):
    """A line item: a product (or a free-text name), quantity, price and a discount in per cent."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "crm.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("name"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3, default=Decimal("1"))
    price = MoneyField(_("price"), max_digits=16, decimal_places=2, default_currency=None)
    discount = models.DecimalField(_("discount, %"), max_digits=5, decimal_places=2, default=Decimal("0"))
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["deal", "sort", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="crm_line_quantity_positive"),
            models.CheckConstraint(condition=Q(discount__gte=0, discount__lte=100), name="crm_line_discount"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def total(self):
        return self.price * self.quantity * (Decimal("100") - self.discount) / Decimal("100")


class DealStageChange(models.Model):
    """A deal's move from one stage to another: the funnel's conversions and the average time in a stage."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    pipeline = models.ForeignKey("crm.Pipeline", on_delete=models.CASCADE, related_name="+")
    from_stage = models.ForeignKey(
        "crm.Stage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_stage = models.ForeignKey("crm.Stage", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(db_index=True)
    # How long the deal stayed in `from_stage`.
    seconds_in_stage = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["deal", "changed_at", "id"]
        indexes = [models.Index(fields=["pipeline", "changed_at"], name="crm_stage_change_pipeline")]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} -> {self.to_stage_id}"
