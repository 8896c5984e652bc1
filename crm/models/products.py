"""The product catalogue used in deal lines and by the store intake."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from portal.core.models import TimeStampedModel


class ProductQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The catalogue is open to every active employee."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        return self.all()


class Product(TimeStampedModel):
    """A product or service the company sells."""

    name = models.CharField(_("name"), max_length=300)
    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    price = MoneyField(_("price"), max_digits=16, decimal_places=2, default_currency=None)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sku"], condition=~Q(sku=""), name="crm_product_sku_unique"),
        ]
        verbose_name = _("product")

    def __str__(self) -> str:
        return self.name
