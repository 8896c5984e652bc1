"""Tasks: the task template form (with its recurrence)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import bind_pickers

from .. import services
from ..choices import (
    Repeat,
    TaskPriority,
)
from ..models import TaskTemplate
from .fields import (
    PeopleFieldsMixin,
    ServiceErrorsMixin,
    _lines,
    _split_names,
    group_choices,
    people_picker_field,
    person_picker_field,
)
from .tasks import TaskRulesFields

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class TaskTemplateForm(ServiceErrorsMixin, PeopleFieldsMixin, TaskRulesFields):
    """A task template with its checklist, subtasks (one title per line) and recurrence."""

    field_aliases = {"tag_names": "tags"}

    title = forms.CharField(
        label=_("Title"),
        max_length=250,
        widget=forms.TextInput(attrs={"class": "form-control", "autofocus": True}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control font-monospace", "rows": 4}),
    )
    responsible = person_picker_field(
        _("Responsible person"), required=False, placeholder=_("Whoever creates the task")
    )
    participants = people_picker_field(_("Participants"))
    observers = people_picker_field(_("Observers"))
    group = forms.ModelChoiceField(
        label=_("Workgroup or project"),
        queryset=None,
        required=False,
        empty_label=_("None"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=TaskPriority.choices,
        initial=TaskPriority.NORMAL,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separate tags with commas."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    checklist = forms.CharField(
        label=_("Checklist"),
        required=False,
        help_text=_("One item per line."),
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
    subtasks = forms.CharField(
        label=_("Subtasks"),
        required=False,
        help_text=_("One subtask title per line."),
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
    deadline_days = forms.IntegerField(
        label=_("Deadline, days after the task is created"),
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    repeat = forms.ChoiceField(
        label=_("Repeat"),
        choices=Repeat.choices,
        initial=Repeat.NONE,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("On these days"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    month_day = forms.IntegerField(
        label=_("On this day of the month"),
        required=False,
        min_value=1,
        max_value=31,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    repeat_time = forms.TimeField(
        label=_("At"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
    )
    repeat_until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    is_active = forms.BooleanField(
        label=_("Active (repeats on schedule)"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    SERVICE_FIELDS = (
        "title",
        "description",
        "responsible",
        "participants",
        "observers",
        "group",
        "priority",
        "deadline_days",
        "allow_change_deadline",
        "requires_control",
        "repeat",
        "weekdays",
        "month_day",
        "repeat_time",
        "repeat_until",
        "is_active",
    )

    def __init__(self, *args, user, template: TaskTemplate | None = None, **kwargs):
        self.user = user
        self.template = template
        self.current_subtasks: list[dict] = []
        if template is not None:
            kwargs["initial"] = {**self._initial_from(template), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        keep = []
        if template is not None:
            keep = [
                template.responsible_id,
                *kwargs["initial"]["participants"],
                *kwargs["initial"]["observers"],
            ]
        self.setup_people(user, keep=keep)
        self.fields["group"].queryset = group_choices(
            user, keep=template.group if template and template.group_id else None
        )
        self.fields["group"].label_from_instance = lambda g: g.name
        bind_pickers(self, user)

    def _initial_from(self, template: TaskTemplate) -> dict:
        self.current_subtasks = [
            {
                "title": s.title,
                "description": s.description,
                "responsible": s.responsible_id,
                "checklist": s.checklist,
            }
            for s in template.subtemplates.order_by("id")
        ]
        estimate = self.estimate_hours(template.time_estimate)
        return {
            "title": template.title,
            "description": template.description,
            "responsible": template.responsible_id,
            "participants": [p.pk for p in template.participants.all()],
            "observers": [p.pk for p in template.observers.all()],
            "group": template.group_id,
            "priority": template.priority,
            "tags": ", ".join(template.tag_names or []),
            "checklist": "\n".join(template.checklist or []),
            "subtasks": "\n".join(s["title"] for s in self.current_subtasks),
            "deadline_days": template.deadline_days,
            "time_estimate": estimate,
            "allow_change_deadline": template.allow_change_deadline,
            "requires_control": template.requires_control,
            "repeat": template.repeat,
            "weekdays": list(template.weekdays or []),
            "month_day": template.month_day,
            "repeat_time": template.repeat_time,
            "repeat_until": template.repeat_until,
            "is_active": template.is_active,
        }

    def _values(self) -> dict:
        data = self.cleaned_data
        values = {name: data.get(name) for name in self.SERVICE_FIELDS}
        values["participants"] = list(data.get("participants") or [])
        values["observers"] = list(data.get("observers") or [])
        values["weekdays"] = list(data.get("weekdays") or [])
        values["tag_names"] = _split_names(data.get("tags", ""))
        values["checklist"] = _lines(data.get("checklist", ""))
        hours = data.get("time_estimate")
        values["time_estimate"] = None if hours is None else int(hours * 3600)
        # Subtasks already on the template keep their description, person and checklist by title.
        kept = {s["title"]: s for s in self.current_subtasks}
        values["subtasks"] = [
            kept.get(title) or {"title": title} for title in _lines(data.get("subtasks", ""))
        ]
        return values

    def save(self, *, actor) -> TaskTemplate | None:
        values = self._values()
        if self.template is None:
            title = values.pop("title")
            return self.run_atomic(lambda: services.template_create(actor=actor, title=title, **values))
        changed = set(self.changed_data)
        renamed = {"tags": "tag_names"}
        fields = {
            name: value
            for name, value in values.items()
            if name in changed or any(renamed.get(c) == name for c in changed)
        }
        if not fields:
            return self.template
        return self.run_atomic(
            lambda: services.template_update(actor=actor, template=self.template, **fields)
        )
