"""Goal forms: the goal itself (with its audience through the one picker), links, and the goal a task serves."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import ChipPicker, bind_pickers

from ..choices import GoalAudience, GoalHorizon, GoalLinkKind, GoalStatus, ProgressRule
from ..models import Goal


def _control(widget: forms.Widget) -> forms.Widget:
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    widget.attrs.setdefault("class", css)
    return widget


class ServiceFormMixin:
    """Runs a service and turns its ValidationError (a domain `Invalid`) into field-by-field form errors."""

    def run(self, service, **kwargs):
        try:
            return service(**kwargs)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.error_dict.items():
                    self.add_error(name if name in self.fields else None, errors)
            else:
                self.add_error(None, exc)
            return None


AUDIENCE_NAMES = {"departments": "departments", "groups": "groups", "people": "people"}


class GoalForm(ServiceFormMixin, forms.Form):
    """Create or change a goal."""

    title = forms.CharField(label=_("Title"), max_length=250, widget=_control(forms.TextInput()))
    description = forms.CharField(
        label=_("Description"), required=False, widget=_control(forms.Textarea(attrs={"rows": 4}))
    )
    horizon = forms.ChoiceField(
        label=_("Horizon"), choices=GoalHorizon.choices, widget=_control(forms.Select())
    )
    period_start = forms.DateField(label=_("Start"), widget=_control(forms.DateInput(attrs={"type": "date"})))
    period_end = forms.DateField(label=_("End"), widget=_control(forms.DateInput(attrs={"type": "date"})))
    parent = forms.ModelChoiceField(
        label=_("Parent goal"), queryset=Goal.objects.none(), required=False, widget=_control(forms.Select())
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=None, required=False, widget=_control(forms.Select())
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Find a colleague…")),
    )
    co_owners = forms.ModelMultipleChoiceField(
        label=_("Co-owners"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["people"], placeholder=_("Find a colleague…")),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=GoalStatus.choices,
        initial=GoalStatus.ACTIVE,
        widget=_control(forms.Select()),
    )
    weight = forms.DecimalField(
        label=_("Weight"),
        min_value=0,
        max_digits=6,
        decimal_places=2,
        initial=1,
        widget=_control(forms.NumberInput()),
    )
    progress_rule = forms.ChoiceField(
        label=_("Progress from"), choices=ProgressRule.choices, widget=_control(forms.Select())
    )
    manual_percent = forms.IntegerField(
        label=_("Progress entered, %"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Used when the progress is entered by the owner."),
        widget=_control(forms.NumberInput()),
    )
    audience = forms.ChoiceField(
        label=_("Visible to"),
        choices=GoalAudience.choices,
        initial=GoalAudience.COMPANY,
        widget=forms.RadioSelect,
    )
    audience_picker = forms.Field(
        label=_("Departments, groups and people"),
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
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separated by commas."),
        widget=_control(forms.TextInput()),
    )

    def __init__(self, *args, user, goal: Goal | None = None, parents=(), audience=None, **kwargs):
        from portal.groups.models import Workgroup
        from portal.people.models import Department

        if goal is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_of(goal, audience or {})
        super().__init__(*args, **kwargs)
        self.user, self.goal = user, goal
        people = get_user_model().objects.filter(is_active=True)
        self.fields["owner"].queryset = people
        self.fields["co_owners"].queryset = people
        self.fields["people"].queryset = people
        self.fields["departments"].queryset = Department.objects.visible_to(user)
        self.fields["department"].queryset = Department.objects.visible_to(user).order_by("path")
        self.fields["groups"].queryset = Workgroup.objects.visible_to(user)
        parent_ids = [g.pk for g in parents]
        self.fields["parent"].queryset = Goal.objects.visible_to(user).filter(pk__in=parent_ids)
        self.fields["parent"].choices = [("", "—")] + [
            (g.pk, f"{g.get_horizon_display()}: {g.title}") for g in parents
        ]
        bind_pickers(self, user)

    @staticmethod
    def initial_of(goal: Goal, audience: dict) -> dict:
        return {
            "title": goal.title,
            "description": goal.description,
            "horizon": goal.horizon,
            "period_start": goal.period_start,
            "period_end": goal.period_end,
            "parent": goal.parent_id,
            "department": goal.department_id,
            "owner": goal.owner_id,
            "co_owners": list(goal.co_owners.values_list("pk", flat=True)),
            "status": goal.status,
            "weight": goal.weight,
            "progress_rule": goal.progress_rule,
            "manual_percent": int(goal.manual_progress * 100) if goal.manual_progress is not None else None,
            "audience": goal.audience,
            "departments": [d.pk for d in audience.get("departments", [])],
            "groups": [g.pk for g in audience.get("groups", [])],
            "people": [p.pk for p in audience.get("people", [])],
            "audience_picker": [("departments", str(d.pk)) for d in audience.get("departments", [])]
            + [("groups", str(g.pk)) for g in audience.get("groups", [])]
            + [("people", str(p.pk)) for p in audience.get("people", [])],
            "tags": ", ".join(goal.tags or []),
        }

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in (self.cleaned_data.get("tags") or "").split(",") if t.strip()]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        manual = data.get("manual_percent")
        return {
            "title": data["title"],
            "description": data["description"],
            "horizon": data["horizon"],
            "period_start": data["period_start"],
            "period_end": data["period_end"],
            "parent": data.get("parent"),
            "department": data.get("department"),
            "status": data["status"],
            "weight": data["weight"],
            "progress_rule": data["progress_rule"],
            "manual_progress": Decimal(manual) / 100 if manual is not None else None,
            "audience": data["audience"],
            "tags": data["tags"],
        }

    def save(self, *, actor) -> Goal | None:
        from ..services import goals as services

        data = self.cleaned_data
        audience = {
            "departments": list(data.get("departments") or []),
            "groups": list(data.get("groups") or []),
            "people": list(data.get("people") or []),
        }
        fields = self.service_fields()
        if self.goal is None:
            return self.run(
                services.goal_create,
                actor=actor,
                owner=data.get("owner") or actor,
                co_owners=list(data.get("co_owners") or []),
                **audience,
                **fields,
            )
        if data.get("owner"):
            fields["owner"] = data["owner"]
        return self.run(
            services.goal_update,
            actor=actor,
            goal=self.goal,
            co_owners=list(data.get("co_owners") or []),
            **audience,
            **fields,
        )


class GoalLinkForm(forms.Form):
    kind = forms.ChoiceField(label=_("Link"), choices=GoalLinkKind.choices, widget=_control(forms.Select()))
    target = forms.ModelChoiceField(
        label=_("Goal"), queryset=Goal.objects.none(), widget=_control(forms.Select())
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        ids = [g.pk for g in choices]
        self.fields["target"].queryset = Goal.objects.filter(pk__in=ids)
        self.fields["target"].choices = [("", "—")] + [(g.pk, g.title) for g in choices]


class ProjectLinkForm(forms.Form):
    project = forms.IntegerField(
        label=_("Project"),
        widget=ChipPicker(sources=["groups"], multiple=False, placeholder=_("Find a project…")),
    )
    weight = forms.DecimalField(
        label=_("Contribution weight"),
        min_value=Decimal("0.01"),
        max_digits=6,
        decimal_places=2,
        initial=1,
        widget=_control(forms.NumberInput(attrs={"step": "0.1"})),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)


class TaskLinkForm(forms.Form):
    task = forms.IntegerField(
        label=_("Task"), widget=ChipPicker(sources=["tasks"], multiple=False, placeholder=_("Find a task…"))
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)


class PageLinkForm(forms.Form):
    """A knowledge-base page to link, through the picker of the lookup source that lists pages."""

    page = forms.CharField(label=_("Page"))

    def __init__(self, *args, user, source: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["page"].widget = ChipPicker(
            sources=[source], multiple=False, placeholder=_("Find a page…")
        )
        bind_pickers(self, user)
