"""The product catalogue, kept by a CRM administrator: create, change, deactivate (a product in old deals
stays there; a deactivated one is not offered for new lines)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from djmoney.money import Money

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotAllowed

from .. import rights
from ..models import Product

FIELDS = ["name", "sku", "price", "description", "is_active"]


def _require_admin(actor) -> None:
    if actor is not None and not rights.is_crm_admin(actor):
        raise NotAllowed(_("Only a CRM administrator changes the catalogue."))


def _clean(*, name: str, sku: str, price: Money, pk: int | None = None) -> tuple[str, str]:
    name, sku = (name or "").strip(), (sku or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the product a name.")]
    if sku and Product.objects.filter(sku__iexact=sku).exclude(pk=pk).exists():
        errors["sku"] = [_("Another product has this SKU.")]
    if price is None or not isinstance(price, Money):
        errors["price"] = [_("Give a price.")]
    elif price.amount < 0:
        errors["price"] = [_("A price is not negative.")]
    elif str(price.currency) not in settings.CURRENCIES:
        errors["price"] = [_("Choose one of the company's currencies.")]
    if errors:
        raise Invalid(fields=errors)
    return name, sku


@transaction.atomic
def product_create(*, actor, name: str, price: Money, sku: str = "", description: str = "") -> Product:
    """A new active product. `actor=None`: the system (a store's order naming an unknown product)."""
    _require_admin(actor)
    name, sku = _clean(name=name, sku=sku, price=price)
    product = Product(name=name, sku=sku, price=price, description=description or "")
    product.save()
    audit_record(actor=actor, action="crm.product.create", target=product)
    return product


@transaction.atomic
def product_update(
    *, actor, product: Product, name: str, price: Money, sku: str = "", description: str = "", is_active=True
) -> Product:
    """Change a product; deals keep the prices of their lines."""
    _require_admin(actor)
    name, sku = _clean(name=name, sku=sku, price=price, pk=product.pk)
    before = snapshot(product, FIELDS)
    product.name, product.sku, product.price = name, sku, price
    product.description, product.is_active = description or "", bool(is_active)
    product.save(
        update_fields=["name", "sku", "price", "price_currency", "description", "is_active", "updated_at"]
    )
    changes = diff(before, snapshot(product, FIELDS))
    if changes:
        audit_record(actor=actor, action="crm.product.update", target=product, changes=changes)
    return product


@transaction.atomic
def product_set_active(*, actor, product: Product, active: bool) -> Product:
    """Deactivate a product (or bring it back): it stays in the deals that have it."""
    _require_admin(actor)
    if product.is_active != bool(active):
        product.is_active = bool(active)
        product.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=actor,
            action="crm.product.activate" if active else "crm.product.deactivate",
            target=product,
        )
    return product
