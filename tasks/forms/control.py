"""Forms of the task fragments of the control dashboard: accept or return a task, accept all, move a deadline."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .fields import _small_datetime_field, parse_ids

# The fragment a deadline form belongs to (answered again after the change).
DEADLINE_FRAGMENTS = ("overdue", "no_deadline")


class ControlDecisionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=[("approve", _("Accept")), ("return", _("Return"))])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=10_000)


class ControlAcceptAllForm(forms.Form):
    """The tasks the fragment showed (repeated `task` fields): only those are accepted."""

    task = forms.CharField(label=_("Tasks"), required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self._values = data.getlist("task") if data is not None and hasattr(data, "getlist") else []

    def clean(self):
        data = super().clean()
        ids = parse_ids(self._values)
        if not ids:
            raise forms.ValidationError(_("Choose the tasks to accept."))
        data["task_ids"] = ids
        return data


class ControlDeadlineForm(forms.Form):
    deadline = _small_datetime_field(_("Deadline"))
    fragment = forms.ChoiceField(choices=[(f, f) for f in DEADLINE_FRAGMENTS], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].required = True
