"""Custom fields on forms.

- `add_custom_fields(form, entity, instance=)` adds a typed form field named `cf_<key>` per active definition
  of the entity (text, number, date, list, person with the people chip picker, money as amount + currency,
  yes/no), with initial values from `instance.custom`; call it at the end of a record form's `__init__` (after
  `bind_pickers` if the form calls it: this function binds the person pickers it adds itself).
- `custom_values(form, entity)` gives the cleaned values in their stored, JSON-ready shapes; the record's
  service checks them again with `crm.services.fields.custom_validate` and stores them in `custom` (merged
  over what it held, so the values of inactive fields stay).
- `CustomFieldForm` is the CRM administrator's form of one definition.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from djmoney.forms.fields import MoneyField
from djmoney.money import Money

from portal.core.widgets import ChipPicker, bind_pickers

from ..choices import Entity, FieldType
from ..models import CustomField

PREFIX = "cf_"


def _definitions(entity: str) -> list[CustomField]:
    return list(CustomField.objects.filter(entity=entity, is_active=True).order_by("sort", "id"))


def _people():
    return get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "id")


def _form_field(definition: CustomField) -> forms.Field:
    common = {
        "label": definition.label,
        "required": definition.required and definition.type != FieldType.BOOLEAN,
        "help_text": definition.help_text,
    }
    kind = definition.type
    if kind == FieldType.NUMBER:
        return forms.DecimalField(max_digits=20, decimal_places=6, **common)
    if kind == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    if kind == FieldType.LIST:
        choices = [("", "—"), *((str(value), str(value)) for value in definition.choices or [])]
        return forms.ChoiceField(choices=choices, **common)
    if kind == FieldType.PERSON:
        return forms.ModelChoiceField(
            queryset=_people(),
            widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Find a colleague…")),
            **common,
        )
    if kind == FieldType.MONEY:
        currencies = [(code, code) for code in settings.CURRENCIES]
        return MoneyField(
            max_digits=16,
            decimal_places=2,
            currency_choices=currencies,
            default_currency=settings.DEFAULT_CURRENCY,
            **common,
        )
    if kind == FieldType.BOOLEAN:
        return forms.BooleanField(**common)
    return forms.CharField(max_length=2000, **common)


def _initial(definition: CustomField, value):
    if value in (None, ""):
        return None
    try:
        if definition.type == FieldType.MONEY and isinstance(value, dict):
            return Money(
                Decimal(str(value.get("amount"))), value.get("currency") or settings.DEFAULT_CURRENCY
            )
        if definition.type == FieldType.DATE:
            return datetime.date.fromisoformat(str(value))
        if definition.type == FieldType.NUMBER:
            return Decimal(str(value))
    except (ValueError, ArithmeticError, TypeError):
        return None
    return value


def add_custom_fields(form, entity: str, *, instance=None) -> None:
    """Add a form field for each active custom field of `entity` (initial values from `instance.custom`)."""
    stored = (getattr(instance, "custom", None) or {}) if instance is not None else {}
    pickers = False
    added = []
    for definition in _definitions(entity):
        name = f"{PREFIX}{definition.key}"
        added.append(name)
        form.fields[name] = _form_field(definition)
        pickers = pickers or definition.type == FieldType.PERSON
        value = _initial(definition, stored.get(definition.key))
        if value is not None and name not in form.initial:
            form.initial[name] = value
    user = getattr(form, "user", None)
    if pickers and user is not None:
        bind_pickers(form, user)
    from .activities import bootstrap

    bootstrap(form, names=added)


def custom_values(form, entity: str) -> dict:
    """{key: JSON-ready value} of the custom fields in the cleaned form (empty ones left out)."""
    values: dict = {}
    data = getattr(form, "cleaned_data", {}) or {}
    for definition in _definitions(entity):
        name = f"{PREFIX}{definition.key}"
        if name not in data:
            continue
        value = data[name]
        if definition.type == FieldType.BOOLEAN:
            values[definition.key] = bool(value)
            continue
        if value in (None, ""):
            continue
        if definition.type == FieldType.NUMBER:
            value = str(value.normalize())
        elif definition.type == FieldType.DATE:
            value = value.isoformat()
        elif definition.type == FieldType.PERSON:
            value = value.pk
        elif definition.type == FieldType.MONEY:
            value = {"amount": str(value.amount.quantize(Decimal("0.01"))), "currency": str(value.currency)}
        values[definition.key] = value
    return values


# --- the administrator's form ------------------------------------------------------------------------------


class CustomFieldForm(forms.Form):
    """One custom field's definition; list values one a line."""

    entity = forms.ChoiceField(label=_("Record kind"), choices=Entity.choices)
    label = forms.CharField(label=_("Label"), max_length=200)
    key = forms.SlugField(
        label=_("Key"),
        max_length=50,
        required=False,
        help_text=_(
            "Letters, digits and underscores; made from the label when empty. It cannot change later."
        ),
    )
    type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices)
    choices = forms.CharField(
        label=_("List values"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a list: one value a line."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    help_text = forms.CharField(label=_("Help text"), max_length=300, required=False)
    filterable = forms.BooleanField(label=_("Filter by it in lists"), required=False, initial=True)
    sort = forms.IntegerField(label=_("Order"), min_value=0, max_value=100000, initial=100)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, field: CustomField | None = None, **kwargs):
        self.field = field
        if field is not None:
            kwargs.setdefault(
                "initial",
                {
                    "entity": field.entity,
                    "label": field.label,
                    "key": field.key,
                    "type": field.type,
                    "choices": "\n".join(str(c) for c in field.choices or []),
                    "required": field.required,
                    "help_text": field.help_text,
                    "filterable": field.filterable,
                    "sort": field.sort,
                    "is_active": field.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        if field is not None:
            for name in ("entity", "key"):
                self.fields[name].disabled = True
        from .activities import bootstrap

        bootstrap(self)

    def clean_choices(self):
        return [
            line.strip() for line in (self.cleaned_data.get("choices") or "").splitlines() if line.strip()
        ]

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        if self.field is not None:
            data.pop("entity", None)
            data.pop("key", None)
        return data
