"""Tasks: the form that links a task to another one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import (
    LinkKind,
)


class LinkForm(forms.Form):
    """A link between this task and another one, given by its number."""

    other = forms.IntegerField(label=_("Task number"), min_value=1)
    direction = forms.ChoiceField(
        label=_("The other task"),
        choices=[("before", _("comes before this one")), ("after", _("comes after this one"))],
        initial="before",
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=LinkKind.choices, initial=LinkKind.FINISH_TO_START)
