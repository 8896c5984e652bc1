"""Tasks: the form of a checklist item."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .fields import _people


class ChecklistItemForm(forms.Form):
    text = forms.CharField(label=_("Item"), max_length=500)
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _people()
