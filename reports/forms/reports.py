"""Forms of the work-report pages: writing a report, rating or returning it, and the report settings.

Forms only collect and clean input; the services decide and write. `apply_errors` puts a service's
ValidationError on the form's fields (or on the form when the field is not on it).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import WEEKDAYS as WEEKDAYS_NAMES
from django.utils.translation import gettext_lazy as _

from ..choices import Rating, ReportPeriod


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form, field by field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _area(rows: int, placeholder) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "class": "form-control", "placeholder": placeholder})


class WorkReportForm(forms.Form):
    facts = forms.CharField(
        label=_("What was done"),
        required=False,
        max_length=20000,
        widget=_area(8, _("Facts: what you did, one line each")),
    )
    results = forms.CharField(
        label=_("Results"),
        required=False,
        max_length=20000,
        widget=_area(4, _("What came of it: numbers, agreements, things finished")),
    )
    emotions = forms.CharField(
        label=_("Important emotions"),
        required=False,
        max_length=20000,
        widget=_area(3, _("What pleased or worried you")),
    )
    plans = forms.CharField(
        label=_("Plans"),
        required=False,
        max_length=20000,
        widget=_area(4, _("What you will do next")),
    )


class ReportRateForm(forms.Form):
    rating = forms.ChoiceField(label=_("Rating"), choices=Rating.choices)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "placeholder": _("Comment")}),
    )


class ReportReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What should change"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
    )


WEEKDAY_CHOICES = [(i, WEEKDAYS_NAMES[i]) for i in range(7)]


class ReportSettingsForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=None, widget=forms.HiddenInput)
    period = forms.ChoiceField(
        label=_("Reports are"),
        choices=ReportPeriod.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    due_time = forms.TimeField(
        label=_("Send by (time)"),
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
    )
    due_weekday = forms.TypedChoiceField(
        label=_("Send by (weekday, weekly reports)"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        initial=4,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, departments, form_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        if form_id:  # one form per table row: the inputs live in cells, tied to their row's <form>
            self.auto_id = f"{form_id}-%s"
            for field in self.fields.values():
                field.widget.attrs["form"] = form_id
