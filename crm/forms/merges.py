"""The merge page's forms: picking the other record, and a radio per differing field to choose its value."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.registry import registry
from portal.core.widgets import ChipPicker, bind_pickers

from ..services.merges import CUSTOM_PREFIX, KEPT, MERGE_FIELDS, MERGED, merge_value

# The picker source of each kind of record that can be merged (leads: when a lead source is registered).
PICKER_SOURCES = {"contact": "crm_contacts", "company": "crm_companies", "lead": "crm_leads"}


class MergePickForm(forms.Form):
    """`?with=<id>`: the record to merge into the one the page is about."""

    def __init__(self, data=None, *, user, entity: str):
        super().__init__(data)
        self.fields["with"] = forms.IntegerField(
            label=_("Merge with"),
            min_value=1,
            help_text=_("Its links move here and it is deleted."),
            widget=forms.NumberInput(attrs={"class": "form-control"}),
        )
        source = PICKER_SOURCES.get(entity)
        if source in registry.lookup_sources:
            self.fields["with"].widget = ChipPicker(
                sources=[source], multiple=False, placeholder=_("Find the other record…")
            )
        bind_pickers(self, user)


def _shown(value) -> str:
    if value in (None, "", [], {}):
        return "—"
    return str(value)


class MergeForm(forms.Form):
    """One radio per field whose values differ ("kept" or "merged"), the non-empty side chosen at first."""

    def __init__(self, data=None, *, kept, merged):
        super().__init__(data)
        self.kept, self.merged = kept, merged
        self.rows = []
        meta = type(kept)._meta
        names = [(name, meta.get_field(name).verbose_name) for name in MERGE_FIELDS[type(kept)]]
        keys = dict.fromkeys([*(kept.custom or {}), *(merged.custom or {})])
        names += [(CUSTOM_PREFIX + key, key) for key in keys]
        for name, label in names:
            if name.startswith(CUSTOM_PREFIX):
                key = name[len(CUSTOM_PREFIX) :]
                mine, theirs = (kept.custom or {}).get(key), (merged.custom or {}).get(key)
            else:
                mine, theirs = self._display(kept, name), self._display(merged, name)
            if mine == theirs:
                continue
            default = (
                KEPT
                if merge_value(kept, merged, name, None) == merge_value(kept, merged, name, KEPT)
                else MERGED
            )
            self.fields[name] = forms.ChoiceField(
                label=str(label).capitalize(),
                choices=[(KEPT, _shown(mine)), (MERGED, _shown(theirs))],
                initial=default,
                required=False,  # not chosen: the kept value, unless it is empty
                widget=forms.RadioSelect,
            )
            self.rows.append(name)

    @staticmethod
    def _display(record, name):
        display = getattr(record, f"get_{name}_display", None)
        value = getattr(record, name)
        if display is not None and value:
            return display()
        return value

    def choices(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.rows if self.cleaned_data.get(name)}


__all__ = ["KEPT", "MERGED", "MergeForm", "MergePickForm"]
