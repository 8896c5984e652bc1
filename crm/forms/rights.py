"""Forms of the CRM roles admin (a role's table of levels, its flags and holders) and of the general settings."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import ChipPicker, bind_pickers

from ..choices import Action, Entity, Level
from ..models import CrmSettings


def level_field_name(entity: str, action: str) -> str:
    return f"level_{entity}_{action}"


class RoleForm(forms.Form):
    """A role: name, flags, one level select per (entity, action), people and departments holding it."""

    name = forms.CharField(
        label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    is_admin = forms.BooleanField(
        label=_("CRM administrator"),
        required=False,
        help_text=_("Sees and changes every record and the CRM settings, whatever the table says."),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    is_default = forms.BooleanField(
        label=_("Given to everybody"),
        required=False,
        help_text=_("Every employee holds this role without being named below."),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    users = forms.ModelMultipleChoiceField(
        label=_("People"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["people"], placeholder=_("Find a colleague…")),
    )
    subtree_departments = forms.ModelMultipleChoiceField(
        label=_("Departments with their sub-departments"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["departments"], placeholder=_("Find a department…")),
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments only (without sub-departments)"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["departments"], placeholder=_("Find a department…")),
    )

    def __init__(self, *args, user, table: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        from portal.people.models import Department

        self.fields["users"].queryset = get_user_model().objects.filter(is_active=True)
        self.fields["departments"].queryset = Department.objects.all()
        self.fields["subtree_departments"].queryset = Department.objects.all()
        table = table or {}
        for entity in Entity.values:
            for action in Action.values:
                self.fields[level_field_name(entity, action)] = forms.TypedChoiceField(
                    label=f"{Entity(entity).label}: {Action(action).label}",
                    choices=Level.choices,
                    coerce=int,
                    required=False,
                    empty_value=Level.NONE,
                    initial=table.get((entity, action), Level.NONE),
                    widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
                )
        bind_pickers(self, user)

    def table_rows(self) -> list[dict]:
        """The table as the template draws it: a row per entity, a bound field per action."""
        return [
            {
                "entity": entity,
                "label": label,
                "cells": [self[level_field_name(entity, action)] for action in Action.values],
            }
            for entity, label in Entity.choices
        ]

    def actions(self) -> list:
        return [label for _value, label in Action.choices]

    def levels(self) -> dict[tuple[str, str], int]:
        return {
            (entity, action): self.cleaned_data[level_field_name(entity, action)]
            for entity in Entity.values
            for action in Action.values
        }

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "is_admin": data["is_admin"],
            "is_default": data["is_default"],
            "levels": self.levels(),
            "users": list(data["users"]),
            "departments": list(data["departments"]),
            "subtree_departments": list(data["subtree_departments"]),
        }


class CrmSettingsForm(forms.ModelForm):
    """The CRM's general settings (thresholds of the counters, the won-deal post, the phone region)."""

    class Meta:
        model = CrmSettings
        fields = ["lead_take_minutes", "won_post_enabled", "won_post_threshold", "default_region"]
        widgets = {
            "lead_take_minutes": forms.NumberInput(attrs={"class": "form-control", "min": 1}),
            "won_post_enabled": forms.CheckboxInput(attrs={"class": "form-check-input"}),
            "default_region": forms.TextInput(attrs={"class": "form-control", "maxlength": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        threshold = self.fields["won_post_threshold"]
        for widget in getattr(threshold.widget, "widgets", []):
            widget.attrs.setdefault("class", "form-control")
        if len(getattr(threshold.widget, "widgets", [])) == 2:
            threshold.widget.widgets[1].attrs["class"] = "form-select"

    def clean_lead_take_minutes(self) -> int:
        value = self.cleaned_data["lead_take_minutes"]
        if value < 1:
            raise forms.ValidationError(_("At least one minute."))
        return value

    def clean_default_region(self) -> str:
        value = (self.cleaned_data["default_region"] or "").strip().upper()
        if len(value) != 2 or not value.isalpha():
            raise forms.ValidationError(_("A two-letter country code, such as US or DE."))
        return value

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
