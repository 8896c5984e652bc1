"""Tasks: the form of a manual time entry on the task page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .fields import _HoursMinutesForm


class TimeEntryForm(_HoursMinutesForm):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        if not self.errors and self.seconds() <= 0:
            raise forms.ValidationError(_("Enter the time spent."))
        return data
