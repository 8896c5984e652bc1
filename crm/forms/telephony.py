"""The PBX connection form: its name, whether it takes events, and the extension -> employee table."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import ChipPicker, bind_pickers

from ..models import PbxConnection

# Empty rows under the existing extensions, for new ones.
EXTRA_ROWS = 3


class PbxForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    is_active = forms.BooleanField(label=_("Take call events"), required=False, initial=True)

    def __init__(self, *args, user, connection: PbxConnection | None = None, **kwargs):
        self.connection = connection
        rows = list(connection.extensions.all()) if connection is not None else []
        initial = kwargs.setdefault("initial", {})
        if connection is not None:
            initial.setdefault("name", connection.name)
            initial.setdefault("is_active", connection.is_active)
        super().__init__(*args, **kwargs)
        self.extension_rows: list[tuple[str, str]] = []
        people = get_user_model().objects.filter(is_active=True)
        count = len(rows) + EXTRA_ROWS
        if self.is_bound:
            # Rows added in the browser are posted too: read as many as came.
            posted = [key for key in self.data if key.startswith("ext_") and key[4:].isdigit()]
            count = max(count, *(int(key[4:]) + 1 for key in posted)) if posted else count
        for index in range(count):
            ext_name, user_name = f"ext_{index}", f"user_{index}"
            self.fields[ext_name] = forms.CharField(
                label=_("Extension"), max_length=32, required=False, widget=forms.TextInput()
            )
            self.fields[user_name] = forms.ModelChoiceField(
                label=_("Employee"),
                queryset=people,
                required=False,
                widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Find a colleague…")),
            )
            if index < len(rows):
                self.initial.setdefault(ext_name, rows[index].extension)
                self.initial.setdefault(user_name, rows[index].user_id)
            self.extension_rows.append((ext_name, user_name))
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif not isinstance(widget, ChipPicker):
                widget.attrs.setdefault("class", "form-control")
        bind_pickers(self, user)

    def rows(self):
        return [(self[ext], self[user]) for ext, user in self.extension_rows]

    def extensions(self) -> list[tuple[str, object]]:
        """[(extension, person)] as posted; the service checks them (and names the row that is wrong)."""
        return [
            ((self.cleaned_data.get(ext) or "").strip(), self.cleaned_data.get(user))
            for ext, user in self.extension_rows
        ]

    def add_service_errors(self, exc) -> None:
        """Put the service's `extensions-<n>` errors next to row n; the rest above the form."""
        for key, messages in exc.fields.items():
            if key.startswith("extensions-") and key[11:].isdigit():
                index = int(key[11:])
                if index < len(self.extension_rows):
                    for message in messages:
                        self.add_error(self.extension_rows[index][0], message)
                    continue
            target = key if key in self.fields else None
            for message in messages:
                self.add_error(target, message)
