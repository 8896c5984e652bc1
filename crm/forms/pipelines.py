"""Pipeline and stage forms of the CRM settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import StageKind


class PipelineForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    idle_days = forms.IntegerField(
        label=_("Idle after (days)"),
        min_value=1,
        max_value=365,
        initial=7,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
        help_text=_("An open deal without any activity this long is idle."),
    )
    is_default = forms.BooleanField(
        label=_("The default pipeline"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class StageForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=StageKind.choices,
        initial=StageKind.OPEN,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    probability = forms.IntegerField(
        label=_("Probability, %"),
        min_value=0,
        max_value=100,
        initial=0,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )
    color = forms.RegexField(
        label=_("Colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#0d6efd",
        widget=forms.TextInput(
            attrs={"type": "color", "class": "form-control form-control-sm form-control-color"}
        ),
    )
