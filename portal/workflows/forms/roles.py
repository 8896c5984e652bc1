"""The process role form of the admin pages: name, code (fixed once made: routes name it), description and
the people who hold it (the core people picker)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from portal.core.errors import Invalid
from portal.core.widgets import ChipPicker, bind_pickers

from ..models import ProcessRole
from .templates import style


class RoleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    key = forms.CharField(
        label=_("Code"),
        max_length=50,
        help_text=_("a-z, 0-9 and _; routes name the role by it, so it stays once the role is made."),
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    members = forms.ModelMultipleChoiceField(
        label=_("Held by"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["people"], placeholder=_("Find a colleague…")),
    )

    def __init__(self, *args, user, role: ProcessRole | None = None, **kwargs):
        if role is not None:
            kwargs["initial"] = {
                "name": role.name,
                "key": role.key,
                "description": role.description,
                "members": list(role.members.values_list("pk", flat=True)),
                **(kwargs.get("initial") or {}),
            }
        super().__init__(*args, **kwargs)
        self.role = role
        self.fields["members"].queryset = get_user_model().objects.filter(is_active=True)
        if role is not None:
            self.fields["key"].disabled = True
        style(self)
        bind_pickers(self, user)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        out = {"name": data["name"], "description": data["description"], "members": list(data["members"])}
        if self.role is None:
            out["key"] = data["key"]
        return out

    def show_errors(self, exc: Invalid) -> None:
        for key, messages in (exc.fields or {"__all__": [exc.message]}).items():
            self.add_error(key if key in self.fields else None, messages)
