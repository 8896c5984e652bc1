"""Reports: the forms of the control pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import ChipPicker, bind_pickers

from .. import selectors


class TouchPickForm(forms.Form):
    """Whose item the touch check picks: one of my people (core's chip picker over the "my_people" lookup,
    reports/lookups.py), or nobody chosen for anyone of them at random. The service still refuses a person
    the user does not control."""

    subject = forms.ModelChoiceField(
        label=_("Whose item"),
        queryset=None,
        required=False,
        widget=ChipPicker(
            sources=["my_people"], multiple=False, placeholder=_("Anyone of my people, at random")
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, auto_id="touch-%s", **kwargs)
        self.fields["subject"].queryset = selectors.control_people(user=user, subtree=True)
        bind_pickers(self, user)
