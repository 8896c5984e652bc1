"""Forms of the CRM lists: the filter form's pickers, a saved filter, the columns chooser, bulk actions."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import ChipPicker, bind_pickers

from ..choices import Entity, LeadStatus
from ..models import Stage


def filter_form(filterset, user):
    """The FilterSet's form with the people and department pickers and Bootstrap classes, for the page."""
    form = filterset.form
    pickers = {
        "responsible": ChipPicker(sources=["people"], multiple=False, placeholder=_("Anyone")),
        "department": ChipPicker(sources=["departments"], multiple=False, placeholder=_("Any department")),
    }
    for name, field in form.fields.items():
        if name in pickers:
            field.widget = pickers[name]
            continue
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select form-select-sm")
        else:
            widget.attrs.setdefault("class", "form-control form-control-sm")
    bind_pickers(form, user)
    return form


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Name of the filter"), max_length=100)
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class ColumnsForm(forms.Form):
    """The chosen columns in order: `columns` lists every checked key, `order` the keys in the wanted order."""

    columns = forms.MultipleChoiceField(label=_("Columns"), required=False)
    order = forms.CharField(required=False, widget=forms.HiddenInput)
    reset = forms.BooleanField(required=False)

    def __init__(self, *args, available=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["columns"].choices = [(key, column.label) for key, column in (available or {}).items()]

    def chosen(self) -> list[str]:
        checked = self.cleaned_data.get("columns") or []
        order = [key for key in (self.cleaned_data.get("order") or "").split(",") if key]
        ranked = {key: index for index, key in enumerate(order)}
        return sorted(checked, key=lambda key: (ranked.get(key, len(ranked)), checked.index(key)))


BULK_ACTIONS = {
    "assign": _("Assign a responsible person"),
    "stage": _("Move to a stage"),
    "status": _("Change the status"),
    "delete": _("Delete"),
}


def bulk_actions(entity: str) -> list[tuple[str, str]]:
    keys = ["assign"]
    if entity == Entity.DEAL:
        keys.append("stage")
    if entity == Entity.LEAD:
        keys.append("status")
    keys.append("delete")
    return [(key, BULK_ACTIONS[key]) for key in keys]


class BulkForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"))
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    responsible = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Find a colleague…")),
    )
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(value, label) for value, label in LeadStatus.choices if value != LeadStatus.CONVERTED],
        required=False,
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, entity: str, user, stages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.entity = entity
        self.fields["action"].choices = bulk_actions(entity)
        # Any id may be posted; the service checks each against the person's rights.
        self.fields["ids"].valid_value = lambda value: True
        if entity == Entity.DEAL:
            self.fields["stage"].queryset = stages if stages is not None else Stage.objects.all()
        bind_pickers(self, user)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if not data.get("ids"):
            self.add_error(None, _("Choose at least one record."))
        if action == "assign" and not data.get("responsible"):
            self.add_error("responsible", _("Choose a person."))
        if action == "stage" and not data.get("stage"):
            self.add_error("stage", _("Choose a stage."))
        if action == "status" and not data.get("status"):
            self.add_error("status", _("Choose a status."))
        return data
