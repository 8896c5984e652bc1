"""Tasks: the form that links a task to another one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import ChipPicker, bind_pickers

from ..choices import (
    LinkKind,
)


class LinkForm(forms.Form):
    """A link between this task and another one, picked by its title or number (core's chip picker, the
    "tasks" lookup). The picker only offers tasks the user may see; the view still looks the posted number up
    among them, so a forged one is refused."""

    other = forms.IntegerField(
        label=_("Task"),
        min_value=1,
        widget=ChipPicker(sources=["tasks"], multiple=False, placeholder=_("Find a task…")),
    )
    direction = forms.ChoiceField(
        label=_("The other task"),
        choices=[("before", _("comes before this one")), ("after", _("comes after this one"))],
        initial="before",
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=LinkKind.choices, initial=LinkKind.FINISH_TO_START)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, auto_id="task-link-%s", **kwargs)
        bind_pickers(self, user)
