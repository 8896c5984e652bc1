"""Reading store connections and their last deliveries: CRM settings, for CRM administrators only."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.core.errors import NotFound

from .. import rights
from ..models import Stage, StoreConnection, StoreDelivery

DELIVERIES_SHOWN = 20


def store_list(*, user) -> QuerySet[StoreConnection]:
    if not rights.is_crm_admin(user):
        raise NotFound()
    return StoreConnection.objects.select_related("pipeline", "responsible").order_by("name", "id")


def store_get(*, user, pk: int) -> StoreConnection:
    try:
        return store_list(user=user).get(pk=pk)
    except (StoreConnection.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def store_deliveries(*, connection: StoreConnection, limit: int = DELIVERIES_SHOWN) -> list[StoreDelivery]:
    """The connection's latest deliveries (without their bodies), newest first."""
    return list(
        StoreDelivery.objects.filter(connection=connection)
        .select_related("deal")
        .defer("payload")
        .order_by("-received_at", "-id")[:limit]
    )


def store_stages() -> QuerySet[Stage]:
    """Every stage of the active pipelines, for the status map's choices (grouped by pipeline)."""
    return (
        Stage.objects.filter(pipeline__is_active=True)
        .select_related("pipeline")
        .order_by("pipeline__sort", "pipeline__name", "pipeline_id", "sort", "id")
    )
