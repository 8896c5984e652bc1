"""The product form of the CRM settings."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money


class ProductForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=300, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    sku = forms.CharField(
        label=_("SKU"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    price = forms.DecimalField(
        label=_("Price"),
        max_digits=16,
        decimal_places=2,
        min_value=0,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )
    currency = forms.ChoiceField(label=_("Currency"), widget=forms.Select(attrs={"class": "form-select"}))
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(code, code) for code in settings.CURRENCIES]
        self.fields["currency"].initial = settings.DEFAULT_CURRENCY

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "sku": data.get("sku", ""),
            "price": Money(data["price"], data["currency"]),
            "description": data.get("description", ""),
            "is_active": data.get("is_active", False),
        }
