"""The filters every CRM report shares: the period (two dates, or a quick period), the pipeline, the department
(with its sub-departments), the manager, and the grouping of periods by week or month."""

from __future__ import annotations

import calendar
import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.widgets import ChipPicker, bind_pickers
from portal.people.models import Department

from ..selectors import reports as selectors

SELECT = {"class": "form-select form-select-sm"}
DATE = {"class": "form-control form-control-sm", "type": "date"}
MAX_DAYS = 366 * 3

# The quick periods: (key, label). Each is a pair of dates the page links to.
QUICK_PERIODS = (
    ("this_month", _("This month")),
    ("last_month", _("Last month")),
    ("quarter", _("This quarter")),
    ("year", _("This year")),
)
GROUPS = ((selectors.MONTH, _("By month")), (selectors.WEEK, _("By week")))


def _month(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def quick_period(key: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a quick period around `today`."""
    if key == "last_month":
        return _month(today.replace(day=1) - datetime.timedelta(days=1))
    if key == "quarter":
        first = 3 * ((today.month - 1) // 3) + 1
        return today.replace(month=first, day=1), _month(today.replace(month=first + 2, day=1))[1]
    if key == "year":
        return today.replace(month=1, day=1), today.replace(month=12, day=31)
    return _month(today)


class ReportFilterForm(forms.Form):
    """The report's filters, read from the page's address. Absent values take their defaults: this month, the
    default pipeline, everybody the viewer may see."""

    date_from = forms.DateField(
        label=pgettext_lazy("period", "From"), required=False, widget=forms.DateInput(DATE, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=pgettext_lazy("period", "To"), required=False, widget=forms.DateInput(DATE, format="%Y-%m-%d")
    )
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=None, required=False, widget=forms.Select(SELECT)
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=None,
        required=False,
        empty_label=_("All departments"),
        widget=forms.Select(SELECT),
    )
    responsible = forms.ModelChoiceField(
        label=_("Manager"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Everyone")),
    )
    group = forms.ChoiceField(label=_("Periods"), choices=GROUPS, required=False, widget=forms.Select(SELECT))

    def __init__(self, data=None, *, user, pipeline_required: bool = False):
        super().__init__(data if data is not None else {})
        self.today = timezone.localdate()
        self.pipeline_required = pipeline_required
        self.pipelines = list(selectors.report_pipelines())
        pipeline = self.fields["pipeline"]
        pipeline.queryset = selectors.report_pipelines()
        pipeline.empty_label = None if pipeline_required else _("All pipelines")
        department = self.fields["department"]
        department.queryset = Department.objects.all().only("id", "name", "depth", "path")
        department.label_from_instance = lambda d: "— " * (d.depth - 1) + d.name
        people = get_user_model().objects.visible_to(user)
        self.fields["responsible"].queryset = people.only("id", "first_name", "last_name", "email")
        bind_pickers(self, user)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        default_start, default_end = quick_period("this_month", self.today)
        data["date_from"] = start = start or default_start
        data["date_to"] = end = end or default_end
        if end < start:
            self.add_error("date_to", _("The period ends before it starts."))
        elif (end - start).days > MAX_DAYS:
            self.add_error("date_to", _("Choose at most three years."))
        if self.pipeline_required and data.get("pipeline") is None:
            data["pipeline"] = next((p for p in self.pipelines if p.is_default), None) or (
                self.pipelines[0] if self.pipelines else None
            )
        data["group"] = data.get("group") or selectors.MONTH
        return data

    def query(self) -> selectors.ReportQuery | None:
        """What to ask the report's selector; None when the filters are wrong (the form shows why)."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        department = data.get("department")
        responsible = data.get("responsible")
        return selectors.ReportQuery(
            start=data["date_from"],
            end=data["date_to"],
            pipeline=data.get("pipeline"),
            department_id=department.pk if department else None,
            department_path=department.path if department else "",
            responsible_id=responsible.pk if responsible else None,
            group=data["group"],
        )
