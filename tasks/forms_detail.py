"""Forms of the task page. They only shape input (types, ranges, the person picker); the services decide
what is allowed and validate the rest, and the page shows their ValidationError in the block."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .choices import DependantsPolicy, LinkKind, OpenSubtasksPolicy, TaskPriority

# The status actions a button may post (the service decides which of them apply now).
STATUS_ACTIONS = ("accept", "start", "pause", "complete", "approve", "return", "defer", "decline", "renew")


def _people():
    return get_user_model().objects.filter(is_active=True)


def _datetime_field(label):
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control form-control-sm"}, format="%Y-%m-%dT%H:%M"
        ),
    )


def form_errors(form: forms.Form) -> list[str]:
    """The form's errors as lines for the block's error box ("Field: message")."""
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        for error in errors:
            lines.append(f"{label}: {error}" if label else str(error))
    return lines


class TitleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=250)


class DescriptionForm(forms.Form):
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)


class ActionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=[(a, a) for a in STATUS_ACTIONS])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=10_000)
    open_subtasks = forms.ChoiceField(
        label=_("Open subtasks"), required=False, choices=[("", "")] + list(OpenSubtasksPolicy.choices)
    )


class PeopleForm(forms.Form):
    responsible = forms.ModelChoiceField(label=_("Responsible person"), queryset=None)
    participants = forms.ModelMultipleChoiceField(label=_("Participants"), queryset=None, required=False)
    observers = forms.ModelMultipleChoiceField(label=_("Observers"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("responsible", "participants", "observers"):
            self.fields[name].queryset = _people()

    def clean(self):
        data = super().clean()
        participants = set(data.get("participants") or ())
        observers = set(data.get("observers") or ())
        both = participants & observers
        if both:
            names = ", ".join(sorted(str(p) for p in both))
            raise forms.ValidationError(
                _("A person is either a participant or an observer, not both: %(names)s.") % {"names": names}
            )
        return data


class DatesForm(forms.Form):
    deadline = _datetime_field(_("Deadline"))
    planned_start = _datetime_field(_("Planned start"))
    planned_end = _datetime_field(_("Planned end"))
    dependants = forms.ChoiceField(
        label=_("Dependent tasks"),
        choices=DependantsPolicy.choices,
        initial=DependantsPolicy.SHIFT,
        required=False,
    )


class TagsForm(forms.Form):
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=2000, help_text=_("Separate tags with commas.")
    )

    def names(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return list(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))


class RulesForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=TaskPriority.choices)
    allow_change_deadline = forms.BooleanField(
        label=_("Responsible person may change the deadline"), required=False
    )
    requires_control = forms.BooleanField(
        label=_("Task requires my control after completion"), required=False
    )
    deadline_in_work_hours = forms.BooleanField(label=_("Deadline from the working schedule"), required=False)


class _HoursMinutesForm(forms.Form):
    hours = forms.IntegerField(label=_("Hours"), min_value=0, max_value=10_000, required=False)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=0, max_value=59, required=False)

    def seconds(self) -> int:
        return (self.cleaned_data.get("hours") or 0) * 3600 + (self.cleaned_data.get("minutes") or 0) * 60


class EstimateForm(_HoursMinutesForm):
    def estimate(self) -> int | None:
        """Seconds, or None when both boxes are empty (no estimate)."""
        if self.cleaned_data.get("hours") is None and self.cleaned_data.get("minutes") is None:
            return None
        return self.seconds()


class TimeEntryForm(_HoursMinutesForm):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        if not self.errors and self.seconds() <= 0:
            raise forms.ValidationError(_("Enter the time spent."))
        return data


class LinkForm(forms.Form):
    """A link between this task and another one, given by its number."""

    other = forms.IntegerField(label=_("Task number"), min_value=1)
    direction = forms.ChoiceField(
        label=_("The other task"),
        choices=[("before", _("comes before this one")), ("after", _("comes after this one"))],
        initial="before",
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=LinkKind.choices, initial=LinkKind.FINISH_TO_START)


class ChecklistItemForm(forms.Form):
    text = forms.CharField(label=_("Item"), max_length=500)
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _people()


class FileForm(forms.Form):
    file = forms.FileField(label=_("File"))


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), max_length=10_000, widget=forms.Textarea)


def parse_ids(values) -> list[int] | None:
    """Ids from repeated fields or comma-separated strings; None when any of them is not a number."""
    ids = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdecimal():
                return None
            ids.append(int(part))
    return ids
