"""Custom fields: the CRM administrator's definitions, and the check of a record's values against them.

Values live in each record's `custom` JSON ({key: value}) in JSON-ready shapes, so that the lists can filter
on them (`crm.selectors.fields.custom_filters`):

=========  ==============================================
text       a string
number     a decimal as a string ("12.5"; never a float)
date       an ISO date string ("2025-03-01")
list       one of the field's list values (a string)
person     a person's id (an int)
money      {"amount": "12.50", "currency": "USD"}
boolean    true / false
=========  ==============================================
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid

from .. import rights
from ..choices import Entity, FieldType
from ..models import CustomField

__all__ = [
    "custom_validate",
    "field_create",
    "field_delete",
    "field_update",
]

TEXT_MAX = 2000
FIELD_ATTRS = [
    "entity",
    "key",
    "label",
    "type",
    "choices",
    "required",
    "help_text",
    "filterable",
    "sort",
    "is_active",
]
EDITABLE = set(FIELD_ATTRS) - {"entity", "key"}


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _decimal(value) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    number = Decimal(str(value).strip().replace(" ", "").replace(",", "."))
    if not number.is_finite():
        raise InvalidOperation
    return number


def _clean_value(field: CustomField, value):
    """One value in its stored shape; raises ValueError with the message to show."""
    kind = field.type
    if kind == FieldType.TEXT:
        text = str(value).strip()
        # PostgreSQL keeps neither NUL nor a lone surrogate in JSON text: refuse them as the forms do.
        if "\x00" in text or any("\ud800" <= char <= "\udfff" for char in text):
            raise ValueError(_("Remove the invalid characters."))
        if len(text) > TEXT_MAX:
            raise ValueError(_("Keep it under %(max)d characters.") % {"max": TEXT_MAX})
        return text
    if kind == FieldType.NUMBER:
        try:
            return str(_decimal(value).normalize())
        except (InvalidOperation, ValueError, TypeError):
            raise ValueError(_("Enter a number.")) from None
    if kind == FieldType.DATE:
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            return value.isoformat()
        try:
            return datetime.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date (YYYY-MM-DD).")) from None
    if kind == FieldType.LIST:
        text = str(value).strip()
        if text not in [str(choice) for choice in field.choices or []]:
            raise ValueError(_("Choose one of the list's values."))
        return text
    if kind == FieldType.PERSON:
        pk = getattr(value, "pk", value)
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise ValueError(_("Choose a colleague.")) from None
        if not get_user_model().objects.filter(pk=pk, is_active=True).exists():
            raise ValueError(_("Choose an active colleague."))
        return pk
    if kind == FieldType.MONEY:
        amount, currency = (
            (value.amount, str(value.currency)) if hasattr(value, "currency") else _money_parts(value)
        )
        try:
            number = _decimal(amount).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError, TypeError):
            raise ValueError(_("Enter an amount.")) from None
        currency = (currency or settings.DEFAULT_CURRENCY).upper()
        if currency not in settings.CURRENCIES:
            raise ValueError(_("Choose a currency from the list."))
        return {"amount": str(number), "currency": currency}
    if kind == FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ValueError(_("Answer yes or no."))
    raise ValueError(_("Unknown field type."))


def _money_parts(value):
    if isinstance(value, dict):
        return value.get("amount"), value.get("currency")
    return value, None


def custom_validate(entity: str, values: dict, *, partial: bool = False) -> dict:
    """Check `values` ({key: value}) against the active custom fields of `entity` and return them in their
    stored shapes (see the module's docstring). Required fields must have a value unless `partial` (an update
    that leaves them out); empty values are dropped; keys of no active field are dropped. Raises `Invalid`
    with one message per bad field, keyed `cf_<key>` like the form fields."""
    values = values or {}
    cleaned: dict = {}
    errors: dict[str, list[str]] = {}
    for field in CustomField.objects.filter(entity=entity, is_active=True):
        present = field.key in values
        value = values.get(field.key)
        if _empty(value) and not (field.type == FieldType.BOOLEAN and value is False):
            if field.required and (present or not partial):
                errors[f"cf_{field.key}"] = [_("%(label)s is required.") % {"label": field.label}]
            continue
        try:
            cleaned[field.key] = _clean_value(field, value)
        except ValueError as exc:
            errors[f"cf_{field.key}"] = [str(exc)]
    if errors:
        raise Invalid(fields=errors)
    return cleaned


# --- definitions (the CRM administrator's pages) ----------------------------------------------------------


def _clean_definition(values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    if values.get("entity") not in Entity.values:
        errors["entity"] = [_("Choose the kind of record.")]
    key = slugify(values.get("key") or values.get("label") or "").replace("-", "_")[:50]
    if not key:
        errors["key"] = [_("Enter a key (letters, digits and underscores).")]
    values["key"] = key
    values["label"] = " ".join((values.get("label") or "").split())
    if not values["label"]:
        errors["label"] = [_("Enter a label.")]
    if values.get("type") not in FieldType.values:
        errors["type"] = [_("Choose a type.")]
    choices = [str(c).strip() for c in values.get("choices") or [] if str(c).strip()]
    values["choices"] = list(dict.fromkeys(choices))
    if values.get("type") == FieldType.LIST and not values["choices"]:
        errors["choices"] = [_("A list needs its values, one a line.")]
    if errors:
        raise Invalid(fields=errors)
    return values


@transaction.atomic
def field_create(
    *,
    actor,
    entity: str,
    label: str,
    type: str = FieldType.TEXT,  # noqa: A002 - the model's field name
    key: str = "",
    choices: list[str] | None = None,
    required: bool = False,
    help_text: str = "",
    filterable: bool = True,
    sort: int = 100,
    is_active: bool = True,
) -> CustomField:
    """Define a custom field of `entity` (CRM administrators). The key defaults to the label's slug and is
    unique per entity."""
    rights.require_crm_admin(actor)
    values = _clean_definition(
        {
            "entity": entity,
            "key": key,
            "label": label,
            "type": type,
            "choices": choices or [],
            "required": bool(required),
            "help_text": (help_text or "").strip()[:300],
            "filterable": bool(filterable),
            "sort": int(sort or 0),
            "is_active": bool(is_active),
        }
    )
    if CustomField.objects.filter(entity=values["entity"], key=values["key"]).exists():
        raise Invalid(fields={"key": [_("This record kind already has a field with this key.")]})
    try:
        with transaction.atomic():
            field = CustomField.objects.create(**values)
    except IntegrityError:
        raise Invalid(fields={"key": [_("This record kind already has a field with this key.")]}) from None
    audit_record(actor=actor, action="crm.field_create", target=field, changes=snapshot(field, FIELD_ATTRS))
    return field


@transaction.atomic
def field_update(*, actor, field: CustomField, **changes) -> CustomField:
    """Change a definition (not its entity or key: stored values keep their key). Values already stored stay;
    they are checked again the next time their record is saved."""
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise TypeError(f"field_update() got unexpected fields: {', '.join(unknown)}")
    rights.require_crm_admin(actor)
    before = snapshot(field, FIELD_ATTRS)
    values = _clean_definition({**before, **changes})
    changed = [name for name in EDITABLE if values[name] != before[name]]
    if not changed:
        return field
    for name in changed:
        setattr(field, name, values[name])
    field.save(update_fields=changed)
    audit_record(
        actor=actor,
        action="crm.field_update",
        target=field,
        changes=diff(before, snapshot(field, FIELD_ATTRS)),
    )
    return field


@transaction.atomic
def field_delete(*, actor, field: CustomField) -> None:
    """Delete a definition; records keep their stored values under its key (hidden, not lost)."""
    rights.require_crm_admin(actor)
    audit_record(actor=actor, action="crm.field_delete", target=field, changes=snapshot(field, FIELD_ATTRS))
    CustomField.objects.filter(pk=field.pk).delete()
