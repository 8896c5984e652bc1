"""Tasks: the period forms of the efficiency and time reports."""

from __future__ import annotations

import calendar
import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from portal.core.widgets import ChipPicker, bind_pickers

from .. import selectors
from .fields import INPUT, SELECT, group_choices, people_choices

PERIODS = [
    ("this_month", gettext_lazy("This month")),
    ("last_month", gettext_lazy("Last month")),
    ("quarter", gettext_lazy("This quarter")),
    ("custom", gettext_lazy("Dates…")),
]


MAX_DAYS = 366 * 3


def _month(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def period_bounds(period: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and the last day (both included) of a named period around `today`."""
    if period == "last_month":
        return _month(today.replace(day=1) - datetime.timedelta(days=1))
    if period == "quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        start = today.replace(month=first_month, day=1)
        return start, _month(today.replace(month=first_month + 2, day=1))[1]
    return _month(today)


def _date_field(label):
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={**INPUT, "type": "date"}, format="%Y-%m-%d"),
    )


class ReportPeriodForm(forms.Form):
    """A named period (this month by default) or two dates; `bounds()` gives the days, both included."""

    period = forms.ChoiceField(
        label=gettext_lazy("Period"), choices=PERIODS, required=False, widget=forms.Select(attrs=SELECT)
    )
    start = _date_field(pgettext_lazy("period", "From"))
    end = _date_field(pgettext_lazy("period", "To"))

    def __init__(self, data=None, *args, **kwargs):
        # Unbound (nothing asked yet): the defaults; bound: what was asked, each field falling back on its
        # default when absent.
        super().__init__(data if data else None, *args, **kwargs)
        self.today = timezone.localdate()

    def clean(self):
        data = super().clean()
        period = data.get("period") or "this_month"
        data["period"] = period
        if period != "custom":
            data["start"], data["end"] = period_bounds(period, self.today)
            return data
        start, end = data.get("start"), data.get("end")
        if start is None and "start" not in self.errors:
            self.add_error("start", _("Give the first day."))
        if end is None and "end" not in self.errors:
            self.add_error("end", _("Give the last day."))
        if start and end:
            if end < start:
                self.add_error("end", _("The period ends before it starts."))
            elif (end - start).days > MAX_DAYS:
                self.add_error("end", _("Choose at most three years."))
        return data

    def bounds(self) -> tuple[datetime.date, datetime.date] | None:
        """(first day, last day) of a valid form (defaults when unbound), else None."""
        if not self.is_bound:
            return period_bounds("this_month", self.today)
        if not self.is_valid():
            return None
        return self.cleaned_data["start"], self.cleaned_data["end"]

    def shown(self) -> dict:
        """The values to show in the inputs: the effective period and dates."""
        bounds = self.bounds()
        if not self.is_bound:
            return {"period": "this_month", "start": bounds[0], "end": bounds[1]}
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return {
            "period": data.get("period") or self.data.get("period") or "this_month",
            "start": bounds[0] if bounds else self.data.get("start", ""),
            "end": bounds[1] if bounds else self.data.get("end", ""),
        }


class EfficiencyForm(ReportPeriodForm):
    """The period and whose efficiency: me, my people (direct or the whole sub-tree) or a department."""

    scope = forms.ChoiceField(label=gettext_lazy("People"), required=False, widget=forms.Select(attrs=SELECT))
    # An id, not a choice: a department outside the viewer's sub-tree answers 404 (the selector decides).
    department = forms.IntegerField(
        label=gettext_lazy("Department"), required=False, min_value=1, widget=forms.Select(attrs=SELECT)
    )
    SCOPE_LABELS = {
        "me": gettext_lazy("Me"),
        "direct": gettext_lazy("My people (direct)"),
        "subtree": gettext_lazy("Everyone below me"),
    }

    def __init__(self, data=None, *args, user, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.scopes = selectors.efficiency_scopes(user=user)
        self.fields["scope"].choices = [(s, self.SCOPE_LABELS[s]) for s in self.scopes]
        self.default_scope = "direct" if "direct" in self.scopes else "me"
        departments = selectors.report_departments(user=user).only("id", "name", "depth")
        self.departments = [(d.pk, "— " * (d.depth - 1) + d.name) for d in departments]
        self.fields["department"].widget.choices = [("", "—"), *self.departments]

    def clean(self):
        data = super().clean()
        data["scope"] = data.get("scope") or self.default_scope
        return data

    def selection(self) -> tuple[str | None, int | None]:
        """(scope, department id): a chosen department wins over the people switch."""
        if not self.is_bound:
            return self.default_scope, None
        if not self.is_valid():
            return None, None
        department = self.cleaned_data.get("department")
        return (None, department) if department is not None else (self.cleaned_data["scope"], None)


GROUPINGS = [
    ("task", gettext_lazy("Tasks")),
    ("person", gettext_lazy("People")),
    ("project", gettext_lazy("Projects")),
]


class TimeReportForm(ReportPeriodForm):
    """The period, the grouping (by task, person or project) and optional person and project filters."""

    group_by = forms.ChoiceField(
        label=gettext_lazy("By"), choices=GROUPINGS, required=False, widget=forms.Select(attrs=SELECT)
    )
    person = forms.ModelChoiceField(
        label=gettext_lazy("Person"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=gettext_lazy("Everyone")),
    )
    group = forms.ModelChoiceField(
        label=gettext_lazy("Project"),
        queryset=None,
        required=False,
        empty_label="—",
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, data=None, *args, user, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.fields["person"].queryset = people_choices(user)
        bind_pickers(self, user)
        self.fields["group"].queryset = group_choices(user)
        self.fields["group"].label_from_instance = lambda g: g.name

    def clean(self):
        data = super().clean()
        data["group_by"] = data.get("group_by") or "task"
        return data

    def query(self) -> dict | None:
        """What to ask `selectors.time_report` (None when the form is invalid)."""
        bounds = self.bounds()
        if bounds is None:
            return None
        data = self.cleaned_data if self.is_bound else {}
        person, group = data.get("person"), data.get("group")
        return {
            "group_by": data.get("group_by") or "task",
            "start": bounds[0],
            "end": bounds[1],
            "person": person.pk if person else None,
            "group": group.pk if group else None,
        }
