"""Forms of the indicator register: the indicator, a value of a period (with the reason of a correction), a
target, and "recompute from …"."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import ChipPicker, bind_pickers

from ..models import Goal, Indicator
from ..models.indicators import (
    Direction,
    IndicatorSource,
    IndicatorVisibility,
    PeriodKind,
    SubjectKind,
    period_label,
    period_next,
    period_start,
    periods_between,
)

AUDIENCE_NAMES = {"departments": "departments", "groups": "groups", "people": "people"}
DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def bootstrap(form: forms.BaseForm) -> None:
    """Bootstrap's classes on the form's inputs (the chip picker styles itself)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, ChipPicker | forms.RadioSelect | forms.MultipleHiddenInput | forms.HiddenInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def add_errors(form, exc) -> None:
    """Put a service's refusal next to the form's fields (or above them)."""
    if not exc.fields:
        form.add_error(None, exc.message)
    for key, errors in exc.fields.items():
        form.add_error(key if key in form.fields else None, errors)


def period_choices(indicator: Indicator, *, ahead: int = 0) -> list[tuple[str, str]]:
    """The indicator's periods, newest first, from its first to the current one (and `ahead` more)."""
    last = period_start(indicator.period, timezone.localdate())
    for _n in range(ahead):
        last = period_next(indicator.period, last)
    starts = periods_between(indicator.period, indicator.starts_on, last)
    return [(start.isoformat(), period_label(indicator.period, start)) for start in reversed(starts)]


class IndicatorForm(forms.Form):
    """Register or change an indicator."""

    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False, help_text=_("%, h, pcs, EUR…"))
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    period = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    starts_on = forms.DateField(label=_("Measured from"), widget=DATE_WIDGET)
    baseline = forms.DecimalField(label=_("Baseline"), required=False, max_digits=18, decimal_places=4)
    default_target = forms.DecimalField(
        label=_("Target"),
        required=False,
        max_digits=18,
        decimal_places=4,
        help_text=_("For every period without a target of its own."),
    )
    green_from = forms.DecimalField(
        # xgettext:no-python-format
        label=_("Green from, % of target"),
        initial=100,
        max_digits=7,
        decimal_places=2,
    )
    amber_from = forms.DecimalField(
        # xgettext:no-python-format
        label=_("Amber from, % of target"),
        initial=90,
        max_digits=7,
        decimal_places=2,
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=None,
        help_text=_("Responsible for the values."),
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Find a colleague…")),
    )
    source = forms.ChoiceField(label=_("Source"), choices=IndicatorSource.choices, widget=forms.RadioSelect)
    formula = forms.CharField(
        label=_("Formula"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "font-monospace", "spellcheck": "false"}),
        help_text=_(
            "Metrics, numbers, + − × ÷, min, max, abs, round, if_. Example: tasks.overdue_count(department)"
        ),
    )
    subject_kind = forms.ChoiceField(label=_("Computed for"), choices=SubjectKind.choices)
    subject_department = forms.ModelChoiceField(label=_("Department"), queryset=None, required=False)
    subject_person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=None,
        required=False,
        help_text=_("Empty: each holder of a KPI card."),
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Find a colleague…")),
    )
    goals = forms.ModelMultipleChoiceField(label=_("Goals it measures"), queryset=None, required=False)
    visibility = forms.ChoiceField(
        label=_("Visible to"), choices=IndicatorVisibility.choices, widget=forms.RadioSelect
    )
    audience_picker = forms.Field(
        label=_("Shared with"),
        required=False,
        widget=ChipPicker(
            sources=list(AUDIENCE_NAMES),
            names=AUDIENCE_NAMES,
            placeholder=_("A department, a group or a colleague…"),
        ),
    )
    departments = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.MultipleHiddenInput
    )
    groups = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.MultipleHiddenInput)
    people = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.MultipleHiddenInput)

    def __init__(self, *args, user, indicator: Indicator | None = None, **kwargs):
        from portal.groups.models import Workgroup
        from portal.people.models import Department

        if indicator is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_of(indicator)
        kwargs.setdefault(
            "initial",
            {
                "period": PeriodKind.MONTH,
                "source": IndicatorSource.MANUAL,
                "visibility": IndicatorVisibility.GOALS,
                "starts_on": period_start(PeriodKind.MONTH, timezone.localdate()),
            },
        )
        super().__init__(*args, **kwargs)
        people = get_user_model().objects.filter(is_active=True)
        for name in ("owner", "subject_person", "people"):
            self.fields[name].queryset = people
        departments = Department.objects.visible_to(user).order_by("path")
        self.fields["subject_department"].queryset = departments
        self.fields["departments"].queryset = departments
        self.fields["groups"].queryset = Workgroup.objects.visible_to(user)
        self.fields["goals"].queryset = Goal.objects.visible_to(user).order_by("period_start", "title")
        self.fields["goals"].widget.attrs["size"] = 6
        bind_pickers(self, user)
        bootstrap(self)

    @staticmethod
    def initial_of(indicator: Indicator) -> dict:
        grants = list(indicator.grants.values_list("department_id", "workgroup_id", "user_id"))
        return {
            **{
                name: getattr(indicator, name)
                for name in (
                    "name",
                    "description",
                    "unit",
                    "direction",
                    "period",
                    "starts_on",
                    "baseline",
                    "default_target",
                    "green_from",
                    "amber_from",
                    "source",
                    "formula",
                    "subject_kind",
                    "visibility",
                )
            },  # fmt: skip
            "owner": indicator.owner_id,
            "subject_department": indicator.subject_department_id,
            "subject_person": indicator.subject_person_id,
            "goals": list(indicator.goal_links.values_list("goal_id", flat=True)),
            "departments": [d for d, _w, _u in grants if d],
            "groups": [w for _d, w, _u in grants if w],
            "people": [u for _d, _w, u in grants if u],
        }

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("audience_picker", None)
        audience = {name: list(data.pop(name) or []) for name in ("departments", "groups", "people")}
        data["goals"] = list(data.get("goals") or [])
        return {**data, "audience": audience}


class ValueForm(forms.Form):
    """A value of one period; changing a stored value needs a reason."""

    period = forms.ChoiceField(label=_("Period"))
    value = forms.DecimalField(label=_("Value"), max_digits=18, decimal_places=4)
    reason = forms.CharField(
        label=_("Reason of a correction"),
        max_length=500,
        required=False,
        help_text=_("Needed when a stored value changes."),
    )

    def __init__(self, *args, indicator: Indicator, **kwargs):
        super().__init__(*args, **kwargs)
        choices = period_choices(indicator)
        self.fields["period"].choices = choices
        if choices and "period" not in self.initial:
            # The last closed period first: that is the one waiting for a value.
            self.initial["period"] = choices[1][0] if len(choices) > 1 else choices[0][0]
        bootstrap(self)

    def clean_period(self) -> datetime.date:
        return datetime.date.fromisoformat(self.cleaned_data["period"])


class TargetForm(forms.Form):
    """The target of one period (empty: the indicator's general target applies)."""

    period = forms.ChoiceField(label=_("Period"))
    target = forms.DecimalField(label=_("Target"), max_digits=18, decimal_places=4, required=False)

    def __init__(self, *args, indicator: Indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = period_choices(indicator, ahead=4)
        bootstrap(self)

    def clean_period(self) -> datetime.date:
        return datetime.date.fromisoformat(self.cleaned_data["period"])


class RecomputeForm(forms.Form):
    """Recompute every period from the chosen one with the current formula."""

    since = forms.ChoiceField(label=_("Recompute from"))
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def __init__(self, *args, indicator: Indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["since"].choices = period_choices(indicator)
        bootstrap(self)

    def clean_since(self) -> datetime.date:
        return datetime.date.fromisoformat(self.cleaned_data["since"])
