"""Forms of the CRM import: the upload, and the column mapping with the duplicate handling."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import DuplicateMode, Entity

ENTITY_CHOICES = [
    (Entity.LEAD, Entity.LEAD.label),
    (Entity.CONTACT, Entity.CONTACT.label),
    (Entity.COMPANY, Entity.COMPANY.label),
]


class ImportUploadForm(forms.Form):
    entity = forms.ChoiceField(label=_("What to import"), choices=ENTITY_CHOICES)
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args, entities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if entities is not None:
            self.fields["entity"].choices = [(v, label) for v, label in ENTITY_CHOICES if v in entities]


class ImportMappingForm(forms.Form):
    """One select per target field (the column index, or nothing) and the duplicate handling."""

    duplicates = forms.ChoiceField(
        label=_("Duplicates"),
        choices=DuplicateMode.choices,
        widget=forms.RadioSelect,
        initial=DuplicateMode.SKIP,
    )

    def __init__(self, *args, targets, headers, **kwargs):
        super().__init__(*args, **kwargs)
        columns = [("", _("— not imported —"))] + [(str(i), header) for i, header in enumerate(headers)]
        self.targets = targets
        for name, label in targets:
            self.fields[f"map_{name}"] = forms.ChoiceField(
                label=label,
                choices=columns,
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def mapping(self) -> dict[str, int]:
        return {
            name: int(self.cleaned_data[f"map_{name}"])
            for name, _label in self.targets
            if self.cleaned_data.get(f"map_{name}") not in (None, "")
        }

    def map_fields(self):
        return [self[f"map_{name}"] for name, _label in self.targets]
