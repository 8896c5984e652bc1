"""Tasks: the form that names and saves a list page's filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import services
from .fields import ServiceErrorsMixin


class SavedFilterForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label=_("Filter name"),
        max_length=100,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": _("Filter name")}
        ),
    )
    query = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)

    def save(self, *, actor):
        return self.run_atomic(
            lambda: services.saved_filter_save(
                actor=actor, name=self.cleaned_data["name"], query=self.cleaned_data["query"]
            )
        )
