"""Reading one record the person may see (or act on): 404 for hidden and missing alike."""

from __future__ import annotations

from portal.core.errors import NotFound

from ..choices import Action
from ..models import Company, Contact, Deal, Lead

MODELS = {"lead": Lead, "contact": Contact, "company": Company, "deal": Deal}


def record_model(entity: str):
    try:
        return MODELS[str(entity)]
    except KeyError:
        raise NotFound() from None


def record_get(*, user, entity: str, pk: int, action: str = Action.VIEW, related: tuple[str, ...] = ()):
    """The record of `entity` with id `pk`, if the person's roles allow `action` on it; else `NotFound`."""
    model = record_model(entity)
    queryset = model.objects.allowed(user, action).select_related("responsible", *related)
    try:
        return queryset.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
