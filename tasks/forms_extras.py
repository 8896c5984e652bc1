"""Forms of the extra task pages: managing tags, the period and scope pickers of the efficiency and time
reports, and the pre-fill of a task made from a line of a work report. They shape input and call services;
the rules live in the services and selectors."""

from __future__ import annotations

import calendar
import datetime
import re

from django import forms
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.people.widgets import PersonPicker

from . import selectors_extras, services
from .forms import ServiceErrorsMixin, group_choices, people_choices
from .models import Tag

SELECT = {"class": "form-select form-select-sm"}
INPUT = {"class": "form-control form-control-sm"}

# --- tags --------------------------------------------------------------------------------------------


def tag_label(tag: Tag) -> str:
    return f"{tag.name} ({tag.group.name})" if tag.group_id else tag.name


class TagCreateForm(ServiceErrorsMixin, forms.Form):
    """A personal tag, or one shared within a group the person belongs to."""

    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=Tag._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs={**INPUT, "placeholder": gettext_lazy("New tag")}),
    )
    group = forms.ModelChoiceField(
        label=gettext_lazy("For"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Only me"),
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args, user, **kwargs):
        from portal.groups.selectors import group_list_of_member

        super().__init__(*args, prefix="new", **kwargs)
        self.fields["group"].queryset = group_list_of_member(user=user)
        self.fields["group"].label_from_instance = lambda g: _("Everyone in %(group)s") % {"group": g.name}

    def save(self, *, actor) -> Tag | None:
        data = self.cleaned_data
        return self.run_atomic(
            lambda: services.tag_create(actor=actor, name=data["name"], group=data["group"])
        )


class TagRenameForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("New name"),
        max_length=Tag._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs=INPUT),
    )

    def __init__(self, *args, tag: Tag, **kwargs):
        self.tag = tag
        kwargs.setdefault("initial", {"name": tag.name})
        super().__init__(*args, **kwargs)

    def save(self, *, actor) -> Tag | None:
        return self.run_atomic(
            lambda: services.tag_rename(actor=actor, tag=self.tag, name=self.cleaned_data["name"])
        )


class TagMergeForm(ServiceErrorsMixin, forms.Form):
    """Merge one of my tags into another: the first one's tasks get the second, and the first goes."""

    source = forms.ModelChoiceField(
        label=gettext_lazy("Merge"), queryset=None, widget=forms.Select(attrs=SELECT)
    )
    target = forms.ModelChoiceField(
        label=gettext_lazy("into"), queryset=None, widget=forms.Select(attrs=SELECT)
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, prefix="merge", **kwargs)
        managed = selectors_extras.tag_list_managed(user=user)
        for name in ("source", "target"):
            self.fields[name].queryset = managed
            self.fields[name].label_from_instance = tag_label
            self.fields[name].error_messages["invalid_choice"] = _("Choose one of your tags.")

    def clean(self):
        data = super().clean()
        if data.get("source") and data.get("target") and data["source"].pk == data["target"].pk:
            self.add_error("target", _("Choose another tag to merge into."))
        return data

    def save(self, *, actor) -> Tag | None:
        data = self.cleaned_data
        return self.run_atomic(
            lambda: services.tag_merge(actor=actor, source=data["source"], target=data["target"])
        )


# --- periods of the reports --------------------------------------------------------------------------

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
    start = _date_field(gettext_lazy("From"))
    end = _date_field(gettext_lazy("To"))

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
        self.scopes = selectors_extras.efficiency_scopes(user=user)
        self.fields["scope"].choices = [(s, self.SCOPE_LABELS[s]) for s in self.scopes]
        self.default_scope = "direct" if "direct" in self.scopes else "me"
        departments = selectors_extras.report_departments(user=user).only("id", "name", "depth")
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
        empty_label=gettext_lazy("Everyone"),
        widget=PersonPicker(attrs=INPUT),
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
        self.fields["group"].queryset = group_choices(user)
        self.fields["group"].label_from_instance = lambda g: g.name

    def clean(self):
        data = super().clean()
        data["group_by"] = data.get("group_by") or "task"
        return data

    def query(self) -> dict | None:
        """What to ask `selectors_extras.time_report` (None when the form is invalid)."""
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


# --- a task from a line of a work report ---------------------------------------------------------------

REPORT_PARTS = {"facts": gettext_lazy("What was done"), "plans": gettext_lazy("Plans")}
BULLET = re.compile(r"^(?:[-*•·–]|\d{1,3}[.)])\s+")


def report_line(report, *, part, line) -> str:
    """The text of line number `line` (from 1) of the report's `part` ("facts" or "plans"); 404 for another
    part, a line that is not there or an empty one."""
    if part not in REPORT_PARTS:
        raise Http404("No such part of the report.")
    try:
        number = int(line)
    except (TypeError, ValueError):
        raise Http404("No such line in the report.") from None
    lines = (getattr(report, part) or "").splitlines()
    if not 1 <= number <= len(lines) or not lines[number - 1].strip():
        raise Http404("No such line in the report.")
    return lines[number - 1].strip()


def report_initial(report, *, part, line) -> dict:
    """Title, description and responsible person of a task made from one line of a work report: the line
    (without a list bullet) becomes the title, the description quotes it with the author and the period,
    and the author is responsible for it."""
    text = report_line(report, part=part, line=line)
    title = BULLET.sub("", text).strip() or text
    author = report.author
    start, end = report.period_start, report.period_end
    when = formats.date_format(start, "DATE_FORMAT")
    if end and end != start:
        when = f"{when} – {formats.date_format(end, 'DATE_FORMAT')}"
    intro = _("From the work report of %(name)s for %(when)s (%(part)s):") % {
        "name": author.full_name or author.email,
        "when": when,
        "part": REPORT_PARTS[part],
    }
    url = reverse("reports:report_detail", args=[report.pk])
    description = f"{intro}\n\n> {text}\n\n[{_('The report')}]({url})"
    return {"title": title[:250], "description": description, "responsible": report.author_id}


def is_report(source) -> bool:
    from reports.models import WorkReport

    return isinstance(source, WorkReport)
