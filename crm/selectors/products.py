"""Reading the product catalogue (open to every employee)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from portal.core.errors import NotFound

from ..models import Product


def product_list(*, user, q: str = "", active: bool | None = True) -> QuerySet[Product]:
    """The products the person sees (every active employee sees the catalogue), searched by name or SKU."""
    queryset = Product.objects.visible_to(user)
    if active is not None:
        queryset = queryset.filter(is_active=active)
    q = (q or "").strip()
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(sku__icontains=q))
    return queryset.order_by("name", "id")


def product_get(*, user, pk) -> Product:
    try:
        return Product.objects.visible_to(user).get(pk=int(pk))
    except (Product.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
