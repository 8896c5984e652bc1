"""The contact form (create and edit): names, position, birthday, source, the responsible person and the
companies (chip pickers), the comment and the custom fields. The communications formset goes beside it
(`crm.forms.communications`). It only validates and hands values over: `crm.services.contacts` writes."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import ChipPicker, bind_pickers

from .. import rights
from ..choices import Action, Entity, LeadSource
from ..models import Company, Contact
from .fields import add_custom_fields, custom_values


def responsible_field(label=None) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label or _("Responsible person"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("Leave empty to be responsible yourself."),
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Find a colleague…")),
    )


def style_fields(form: forms.BaseForm) -> None:
    """Bootstrap's classes on the plain inputs (the chip pickers draw themselves)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, ChipPicker | forms.CheckboxInput | forms.RadioSelect):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def people_in_reach(user, entity: str, action: str):
    return get_user_model().objects.filter(rights.people_in_reach(user, entity, action), is_active=True)


class ContactForm(forms.Form):
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    middle_name = forms.CharField(label=_("Middle name"), max_length=100, required=False)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    birthday = forms.DateField(
        label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    source = forms.ChoiceField(label=_("Source"), choices=LeadSource.choices, initial=LeadSource.MANUAL)
    responsible = responsible_field()
    companies = forms.ModelMultipleChoiceField(
        label=_("Companies"),
        queryset=Company.objects.none(),
        required=False,
        help_text=_("The first one is the primary company."),
        widget=ChipPicker(sources=["crm_companies"], placeholder=_("Find a company…")),
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, data=None, *, user, instance: Contact | None = None, initial=None):
        self.instance = instance
        if instance is not None and data is None:
            initial = {
                "last_name": instance.last_name,
                "first_name": instance.first_name,
                "middle_name": instance.middle_name,
                "position": instance.position,
                "birthday": instance.birthday,
                "source": instance.source,
                "responsible": instance.responsible_id,
                "companies": [
                    link.company_id
                    for link in instance.company_links.order_by("-is_primary", "id").only("company_id")
                ],
                "comment": instance.comment,
                **(initial or {}),
            }
        super().__init__(data, initial=initial)
        action = Action.EDIT if instance is not None else Action.ADD
        self.fields["responsible"].queryset = people_in_reach(user, Entity.CONTACT, action)
        self.fields["companies"].queryset = Company.objects.visible_to(user)
        add_custom_fields(self, Entity.CONTACT, instance=instance)
        style_fields(self)
        bind_pickers(self, user)

    def clean(self):
        data = super().clean()
        if not (data.get("first_name") or "").strip() and not (data.get("last_name") or "").strip():
            self.add_error("last_name", _("Enter a first or a last name."))
        return data

    def ordered_companies(self) -> list[Company]:
        """The chosen companies in the order they were picked (the first is primary)."""
        chosen = {c.pk: c for c in self.cleaned_data.get("companies") or []}
        order = [str(v) for v in (self.data.getlist("companies") if self.is_bound else [])]
        ordered = [chosen[int(v)] for v in order if v.isdecimal() and int(v) in chosen]
        return list(dict.fromkeys(ordered + list(chosen.values())))

    def custom_bound_fields(self) -> list:
        """The custom fields added to this form (rendered in their own block)."""
        return [self[name] for name in self.fields if name not in self.base_fields]

    def service_fields(self) -> dict:
        """Keyword arguments of contact_create / contact_update (without communications and companies)."""
        data = self.cleaned_data
        custom = dict(self.instance.custom or {}) if self.instance is not None else {}
        custom.update(custom_values(self, Entity.CONTACT))
        return {
            "last_name": data["last_name"],
            "first_name": data["first_name"],
            "middle_name": data["middle_name"],
            "position": data["position"],
            "birthday": data["birthday"],
            "source": data["source"],
            "responsible": data["responsible"]
            or (self.instance.responsible if self.instance is not None else None),
            "comment": data["comment"],
            "custom": custom,
        }
