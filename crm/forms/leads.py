"""The lead form (create and edit) and the status actions' forms. The forms only read and check input; the
views hand `cleaned_data` to `crm.services.leads`."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from djmoney.forms.fields import MoneyField

from portal.core.widgets import ChipPicker, bind_pickers

from .. import rights
from ..choices import Action, Entity, LeadSource
from .fields import add_custom_fields, custom_values


def style(form: forms.BaseForm) -> None:
    """Bootstrap classes on the form's widgets (pickers style themselves)."""
    for field in form.fields.values():
        widgets = getattr(field.widget, "widgets", [field.widget])
        for widget in widgets:
            if isinstance(widget, ChipPicker):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def money_field(label, *, required: bool = False) -> MoneyField:
    """An amount and a currency among the portal's (never a float)."""
    return MoneyField(
        label=label,
        required=required,
        min_value=0,
        max_digits=16,
        decimal_places=2,
        currency_choices=[(code, code) for code in settings.CURRENCIES],
        default_currency=settings.DEFAULT_CURRENCY,
    )


def person_field(label, *, required: bool = False) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=get_user_model().objects.none(),
        required=required,
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Find a colleague…")),
    )


def people_in_reach(user, entity: str, action: str):
    """The active people `user` may make responsible for a record of `entity`."""
    return (
        get_user_model().objects.filter(is_active=True).filter(rights.people_in_reach(user, entity, action))
    )


class LeadForm(forms.Form):
    """A lead's fields; the communications formset and the custom fields come with it."""

    title = forms.CharField(
        label=_("Title"),
        max_length=300,
        required=False,
        help_text=_("Left empty, the lead is named after the person or the company."),
    )
    source = forms.ChoiceField(label=_("Source"), choices=LeadSource.choices, initial=LeadSource.MANUAL)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    company_name = forms.CharField(label=_("Company name"), max_length=300, required=False)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    amount = money_field(_("Expected amount"))
    responsible = person_field(_("Responsible person"))
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, instance=None, **kwargs):
        self.user = user
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(instance, name)
                for name in ("title", "source", "first_name", "last_name", "company_name", "position")
            } | {
                "amount": instance.amount,
                "responsible": instance.responsible_id,
                "comment": instance.comment,
            }
        super().__init__(*args, **kwargs)
        action = Action.EDIT if instance is not None else Action.ADD
        people = people_in_reach(user, Entity.LEAD, action)
        if instance is not None and instance.responsible_id:
            # The current responsible person stays a valid choice even out of the editor's reach.
            people = people | get_user_model().objects.filter(pk=instance.responsible_id)
        self.fields["responsible"].queryset = people
        if instance is None:
            self.fields["responsible"].initial = user.pk
        add_custom_fields(self, Entity.LEAD, instance=instance)
        bind_pickers(self, user)
        style(self)

    def custom_bound_fields(self) -> list:
        """The custom fields added to this form (drawn in a block of their own)."""
        return [self[name] for name in self.fields if name not in self.base_fields]

    def service_values(self) -> dict:
        """The keyword arguments of `lead_create` / `lead_update`."""
        data = {
            name: self.cleaned_data.get(name)
            for name in (
                "title",
                "source",
                "first_name",
                "last_name",
                "company_name",
                "position",
                "amount",
                "comment",
            )
        }
        data["responsible"] = self.cleaned_data.get("responsible")
        custom = custom_values(self, Entity.LEAD)
        if custom or self.instance is None:
            data["custom"] = {**(self.instance.custom if self.instance is not None else {}), **custom}
        return data


class JunkForm(forms.Form):
    reason = forms.CharField(label=_("Why is it junk?"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)
