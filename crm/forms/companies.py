"""The company form (create and edit); `crm.services.companies` writes what it validated."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import bind_pickers

from ..choices import Action, Entity, LeadSource
from ..models import Company, CompanyKind
from .contacts import people_in_reach, responsible_field, style_fields
from .fields import add_custom_fields, custom_values


class CompanyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=CompanyKind.choices, initial=CompanyKind.CLIENT)
    industry = forms.CharField(label=_("Industry"), max_length=200, required=False)
    employees = forms.IntegerField(label=_("Employees"), min_value=0, required=False)
    tax_id = forms.CharField(label=_("Tax number"), max_length=50, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=LeadSource.choices, initial=LeadSource.MANUAL)
    responsible = responsible_field()
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    FIELDS = ("name", "kind", "industry", "employees", "tax_id", "source", "comment")

    def __init__(self, data=None, *, user, instance: Company | None = None, initial=None):
        self.instance = instance
        if instance is not None and data is None:
            initial = {
                **{name: getattr(instance, name) for name in self.FIELDS},
                "responsible": instance.responsible_id,
                **(initial or {}),
            }
        super().__init__(data, initial=initial)
        action = Action.EDIT if instance is not None else Action.ADD
        self.fields["responsible"].queryset = people_in_reach(user, Entity.COMPANY, action)
        add_custom_fields(self, Entity.COMPANY, instance=instance)
        style_fields(self)
        bind_pickers(self, user)

    def custom_bound_fields(self) -> list:
        """The custom fields added to this form (rendered in their own block)."""
        return [self[name] for name in self.fields if name not in self.base_fields]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        custom = dict(self.instance.custom or {}) if self.instance is not None else {}
        custom.update(custom_values(self, Entity.COMPANY))
        return {
            **{name: data[name] for name in self.FIELDS},
            "responsible": data["responsible"]
            or (self.instance.responsible if self.instance is not None else None),
            "custom": custom,
        }
