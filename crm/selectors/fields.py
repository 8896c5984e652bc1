"""Reading custom field definitions, and the `cf_<key>` filters the lists add for them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import django_filters
from django.db.models import DecimalField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from portal.core.errors import NotFound

from .. import rights
from ..choices import FieldType
from ..models import CustomField


def field_list(*, user, entity: str | None = None):
    """Every definition (CRM administrators only; 404 for others), by entity and order."""
    if not rights.is_crm_admin(user):
        raise NotFound()
    queryset = CustomField.objects.all()
    return queryset.filter(entity=entity) if entity else queryset


def field_get(*, user, pk) -> CustomField:
    if not rights.is_crm_admin(user):
        raise NotFound()
    try:
        return CustomField.objects.get(pk=int(pk))
    except (CustomField.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def fields_shown(entity: str) -> list[CustomField]:
    """The active definitions of an entity, in order (a record page's "more fields" block)."""
    return list(CustomField.objects.filter(entity=entity, is_active=True).order_by("sort", "id"))


def _filter_for(definition: CustomField):
    """A filter method over `custom -> key` for one definition."""
    key = definition.key
    kind = definition.type

    def apply(queryset, name, value):
        value = (value or "").strip() if isinstance(value, str) else value
        if value in (None, ""):
            return queryset
        text = KT(f"custom__{key}")
        if kind == FieldType.TEXT:
            return queryset.alias(**{f"_cf_{key}": text}).filter(**{f"_cf_{key}__icontains": value})
        if kind in (FieldType.NUMBER, FieldType.MONEY):
            try:
                number = Decimal(str(value).replace(",", "."))
            except InvalidOperation:
                return queryset.none()
            path = f"custom__{key}__amount" if kind == FieldType.MONEY else f"custom__{key}"
            amount = Cast(KT(path), DecimalField(max_digits=30, decimal_places=6))
            return queryset.alias(**{f"_cf_{key}": amount}).filter(**{f"_cf_{key}": number})
        if kind == FieldType.BOOLEAN:
            if value not in ("0", "1"):
                return queryset
            return queryset.filter(**{f"custom__{key}": value == "1"})
        if kind == FieldType.PERSON:
            if not str(value).isdecimal():
                return queryset.none()
            return queryset.filter(**{f"custom__{key}": int(value)})
        # date and list: the stored text as it is (an ISO date, a list value).
        return queryset.alias(**{f"_cf_{key}": text}).filter(**{f"_cf_{key}": str(value)})

    return apply


def custom_filters(entity: str) -> dict[str, django_filters.Filter]:
    """{"cf_<key>": filter} for each active, filterable custom field of `entity`, over the record's `custom`
    JSON column. A list's FilterSet adds them per request, after the base class has built its filters:

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for name, extra in custom_filters(Entity.DEAL).items():
                extra.parent, extra.model = self, self.queryset.model
                self.filters[name] = extra

    Matching: text contains the value (any case); number and money (its amount) equal the number; date equal
    the ISO date (YYYY-MM-DD); list equal the list value; person equal the person's id; yes/no take 1 or 0.
    One query reads the definitions."""
    filters: dict[str, django_filters.Filter] = {}
    for definition in CustomField.objects.filter(entity=entity, is_active=True, filterable=True).order_by(
        "sort", "id"
    ):
        filters[f"cf_{definition.key}"] = django_filters.CharFilter(
            method=_filter_for(definition), label=definition.label
        )
    return filters
