"""Forms of the company calendar: one date, and an .ics file to import."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import HolidayKind
from ..services.holidays import MAX_ICS_BYTES
from .absences import DATE_WIDGET, bootstrap


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=HolidayKind.choices, initial=HolidayKind.HOLIDAY)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)


class HolidayImportForm(forms.Form):
    file = forms.FileField(
        label=_("Calendar file (.ics)"),
        help_text=_(
            'All-day events become holidays; an event called "working day" (or with the category WORKDAY) '
            "is a moved working day."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".ics,text/calendar"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_ICS_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        return upload
