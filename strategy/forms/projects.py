"""The project's weekly status note."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import Rag
from .goals import ServiceFormMixin


class StatusNoteForm(ServiceFormMixin, forms.Form):
    rag = forms.ChoiceField(label=_("Status"), choices=Rag.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("How the project stands"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
