"""The lead conversion form: what the lead becomes (new or existing contact and company, a deal in a pipeline)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.registry import registry
from portal.core.widgets import ChipPicker, bind_pickers

from ..choices import CommunicationKind
from ..models import Company, Contact, Lead, Pipeline
from ..services.conversions import default_pipeline
from .leads import money_field, style

# The picker sources of contacts and companies (registered by the contacts and companies feature).
CONTACT_SOURCE = "crm_contacts"
COMPANY_SOURCE = "crm_companies"


def _record_widget(source: str, placeholder):
    if registry.lookup_sources.get(source) is not None:
        return ChipPicker(sources=[source], multiple=False, placeholder=placeholder)
    return forms.NumberInput(attrs={"placeholder": _("Record number")})


def existing_records(user, lead: Lead) -> tuple[Contact | None, Company | None]:
    """The contact and the company the lead most likely is already (the same phone or e-mail; a very similar
    company name), among those `user` sees: converting links them instead of making a duplicate. A lead the
    intake made from an e-mail or a web form often comes from a known client."""
    from ..selectors.duplicates import duplicates_find

    phones, emails = [], []
    for item in lead.communications.all():
        if item.kind == CommunicationKind.PHONE:
            phones.append(item.value)
        elif item.kind == CommunicationKind.EMAIL:
            emails.append(item.value)
    contact = company = None
    if phones or emails:
        found = duplicates_find(user=user, entity="contact", phones=phones, emails=emails, limit=1)
        contact = found[0] if found else None
    if lead.company_name:
        found = duplicates_find(user=user, entity="company", name=lead.company_name, limit=1)
        company = found[0] if found else None
    return contact, company


def conversion_defaults(lead: Lead, *, user=None) -> dict:
    """The one-click conversion: a contact when the lead names a person (or has a phone or e-mail), a company
    when it names one, and a deal in the default pipeline. With `user`, a contact or company that person sees
    with the lead's phone, e-mail or company name is linked instead of a new one made."""
    person_kinds = {CommunicationKind.PHONE, CommunicationKind.EMAIL, CommunicationKind.MESSENGER}
    has_person = bool(lead.first_name or lead.last_name) or any(
        c.kind in person_kinds for c in lead.communications.all()
    )
    pipeline = default_pipeline()
    values = {
        "make_contact": has_person,
        "make_company": bool(lead.company_name),
        "make_deal": True,
        "pipeline": pipeline.pk if pipeline else None,
        "deal_title": lead.title,
        "amount": lead.amount,
    }
    if user is not None:
        contact, company = existing_records(user, lead)
        if contact is not None:
            values.update(make_contact=False, contact=contact)
        if company is not None:
            values.update(make_company=False, company=company)
    return values


class ConversionForm(forms.Form):
    make_contact = forms.BooleanField(label=_("Make a new contact"), required=False)
    contact = forms.ModelChoiceField(
        label=_("…or link an existing contact"),
        queryset=Contact.objects.none(),
        required=False,
    )
    make_company = forms.BooleanField(label=_("Make a new company"), required=False)
    company = forms.ModelChoiceField(
        label=_("…or link an existing company"),
        queryset=Company.objects.none(),
        required=False,
    )
    make_deal = forms.BooleanField(label=_("Make a deal"), required=False)
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.objects.none(), required=False, empty_label=None
    )
    deal_title = forms.CharField(label=_("Deal title"), max_length=300, required=False)
    amount = money_field(_("Deal amount"))

    def __init__(self, *args, user, lead: Lead, **kwargs):
        if "initial" not in kwargs:
            initial = conversion_defaults(lead, user=user)
            for name in ("contact", "company"):
                if initial.get(name) is not None:
                    initial[name] = initial[name].pk
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.fields["contact"].queryset = Contact.objects.visible_to(user)
        self.fields["company"].queryset = Company.objects.visible_to(user)
        self.fields["pipeline"].queryset = Pipeline.objects.filter(is_active=True).order_by(
            "-is_default", "sort"
        )
        # Chosen per form: the picker's sources are registered when the apps are ready.
        self.fields["contact"].widget = _record_widget(CONTACT_SOURCE, _("Find a contact…"))
        self.fields["company"].widget = _record_widget(COMPANY_SOURCE, _("Find a company…"))
        bind_pickers(self, user)
        style(self)

    def service_values(self) -> dict:
        """The keyword arguments of `lead_convert`."""
        data = self.cleaned_data
        return {
            "make_contact": data["make_contact"],
            "contact": data.get("contact"),
            "make_company": data["make_company"],
            "company": data.get("company"),
            "make_deal": data["make_deal"],
            "pipeline": data.get("pipeline"),
            "deal_title": data.get("deal_title") or "",
            "amount": data.get("amount"),
        }
