"""The phones, e-mails, messengers, websites and addresses block of the lead, contact and company forms: a
formset of rows (kind, type, value), rendered by `crm/partials/communications.html`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import CommunicationKind, CommunicationType


class CommunicationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=CommunicationKind.choices, initial=CommunicationKind.PHONE
    )
    type = forms.ChoiceField(
        label=_("Type"), choices=CommunicationType.choices, initial=CommunicationType.WORK
    )
    value = forms.CharField(label=_("Value"), max_length=500, required=False)


CommunicationFormSet = forms.formset_factory(
    CommunicationForm, extra=2, can_delete=True, max_num=30, validate_max=True
)


def communications_formset(data=None, *, record=None, prefix: str = "comm") -> forms.BaseFormSet:
    """The formset bound to `data`, or showing the record's current rows (plus two empty ones)."""
    initial = None
    if data is None and record is not None and record.pk:
        initial = [{"kind": c.kind, "type": c.type, "value": c.value} for c in record.communications.all()]
    return CommunicationFormSet(data=data, initial=initial, prefix=prefix)


def communications_items(formset) -> list[dict]:
    """The rows to save (`crm.services.communications.communications_set`): filled and not deleted."""
    return [
        {
            "kind": form.cleaned_data["kind"],
            "type": form.cleaned_data["type"],
            "value": form.cleaned_data["value"],
        }
        for form in formset.forms
        if form.cleaned_data and form.cleaned_data.get("value") and not form.cleaned_data.get("DELETE")
    ]
