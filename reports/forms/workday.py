"""Forms of the working-day pages: they check shapes and call services; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import WEEKDAYS as WEEKDAYS_NAMES
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.widgets import ChipPicker, bind_pickers

from .. import selectors, services
from ..models import WorkSchedule


class ServiceFormMixin:
    """Runs a service and turns its ValidationError into field-by-field form errors."""

    def run(self, service, **kwargs):
        try:
            return service(**kwargs)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, exc)
            return None


class WorkdayActionForm(forms.Form):
    """The optional comment of a click on the widget (why I start late, where I go on a break...)."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "placeholder": _("Optional")}),
    )


_DATETIME = {"class": "form-control", "type": "datetime-local", "step": "60"}


class DayCorrectionForm(ServiceFormMixin, forms.Form):
    """A person's request to correct their own day's times (shown in their own time zone)."""

    started_at = forms.DateTimeField(
        label=pgettext_lazy("time", "Start"),
        widget=forms.DateTimeInput(attrs=_DATETIME, format="%Y-%m-%dT%H:%M"),
    )
    ended_at = forms.DateTimeField(
        label=pgettext_lazy("time", "End"),
        required=False,
        widget=forms.DateTimeInput(attrs=_DATETIME, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
        help_text=_("Your supervisor confirms the correction; the recorded times are kept."),
    )

    def __init__(self, *args, day=None, **kwargs):
        if day is not None and not kwargs.get("initial"):
            kwargs["initial"] = {"started_at": day.started_at, "ended_at": day.ended_at}
        super().__init__(*args, **kwargs)
        self.day = day
        if day is not None and day.ended_at is None:
            self.fields["ended_at"].disabled = True
            self.fields["ended_at"].help_text = _("Until the day ends only its start can be corrected.")

    def save(self, *, actor):
        return self.run(
            services.day_correction_request,
            actor=actor,
            day=self.day,
            started_at=self.cleaned_data["started_at"],
            ended_at=self.cleaned_data.get("ended_at") if self.day.ended_at is not None else None,
            reason=self.cleaned_data["reason"],
        )


class CorrectionDecideForm(ServiceFormMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Confirm")), ("reject", _("Reject"))])
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )

    def save(self, *, actor, correction):
        return self.run(
            services.day_correction_decide,
            actor=actor,
            correction=correction,
            approve=self.cleaned_data["decision"] == "approve",
            comment=self.cleaned_data.get("comment", ""),
        )


WEEKDAYS = [(str(i), WEEKDAYS_NAMES[i]) for i in range(7)]


class WorkScheduleForm(ServiceFormMixin, forms.Form):
    """A department's or a person's schedule; the choices hold only what the user may manage."""

    name = forms.CharField(
        label=pgettext_lazy("schedule", "Name"),
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    department = forms.ModelChoiceField(
        label=_("Department (and its sub-tree)"),
        queryset=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    user = forms.ModelChoiceField(
        label=_("Or one person"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Find a colleague…")),
    )
    working_days = forms.MultipleChoiceField(
        label=_("Working days"),
        choices=WEEKDAYS,
        initial=["0", "1", "2", "3", "4"],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    start = forms.TimeField(
        label=_("Day starts"),
        widget=forms.TimeInput(attrs={"class": "form-control", "type": "time"}, format="%H:%M"),
    )
    end = forms.TimeField(
        label=_("Day ends"),
        widget=forms.TimeInput(attrs={"class": "form-control", "type": "time"}, format="%H:%M"),
    )
    allowed_lateness = forms.IntegerField(
        label=_("Allowed lateness (minutes)"),
        min_value=0,
        max_value=240,
        initial=10,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    break_minutes = forms.IntegerField(
        label=_("Break (minutes)"),
        min_value=0,
        initial=60,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, user, instance: WorkSchedule | None = None, **kwargs):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "name": instance.name,
                "department": instance.department_id,
                "user": instance.user_id,
                "working_days": [str(d) for d in instance.working_days],
                "start": instance.start,
                "end": instance.end,
                "allowed_lateness": instance.allowed_lateness,
                "break_minutes": instance.break_minutes,
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["department"].queryset = selectors.schedule_departments(user=user)
        self.fields["department"].label_from_instance = lambda d: "— " * (d.depth - 1) + d.name
        self.fields["user"].queryset = selectors.schedule_people(user=user)
        bind_pickers(self, user)

    def save(self, *, actor):
        data = self.cleaned_data
        return self.run(
            services.schedule_save,
            actor=actor,
            name=data["name"],
            department=data.get("department"),
            user=data.get("user"),
            working_days=[int(d) for d in data["working_days"]],
            start=data["start"],
            end=data["end"],
            allowed_lateness=data["allowed_lateness"],
            break_minutes=data["break_minutes"],
            schedule=self.instance,
        )
