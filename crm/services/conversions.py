"""Converting a lead into a contact and/or a company and/or a deal, in one transaction.

The new records take the lead's data (names, company name, phones and e-mails, amount, comment, source); a
chosen existing contact or company may stand in for a new one. The lead keeps links to what it became
(`contact`, `company`, the deal's `lead`), and its history follows: its activities, timeline entries and files
get the new records' links too, so they show on their timelines, and every record gets a "converted" entry.

The new records are made by their features' services (`contact_create`, `company_create`,
`contact_companies_set`, `deal_create`), so they get what a record made by hand gets: validation, the
"created" timeline entry, the audit row, counters. `actor=None` is the portal itself (a web form's deal).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from portal.core.audit import audit_record, snapshot
from portal.core.errors import Invalid, NotAllowed

from .. import rights
from ..choices import Action, CommunicationKind, Entity, LeadStatus, TimelineKind
from ..counters import recount_records
from ..models import (
    Activity,
    Company,
    Contact,
    CrmFile,
    Deal,
    Lead,
    Pipeline,
    TimelineEntry,
)
from .companies import company_create
from .contacts import contact_companies_set, contact_create
from .deals import deal_create, default_pipeline, first_open_stage
from .leads import check_responsible, clean_amount, require_lead_right
from .timeline import timeline_add

PERSON_KINDS = {CommunicationKind.PHONE, CommunicationKind.EMAIL, CommunicationKind.MESSENGER}


@dataclass
class Conversion:
    """What a conversion made or linked."""

    lead: Lead
    contact: Contact | None = None
    company: Company | None = None
    deal: Deal | None = None
    created: tuple[str, ...] = ()


def _responsible_for(actor, lead: Lead, entity: str):
    """The lead's responsible person when the actor may give them a record of `entity`, else the actor."""
    person = lead.responsible or actor
    if actor is None:
        return person
    errors: dict = {}
    check_responsible(actor, person, entity=entity, action=Action.ADD, errors=errors)
    return actor if errors else person


def _items(lead: Lead, kinds: set[str] | None) -> list[dict]:
    return [
        {"kind": c.kind, "type": c.type, "value": c.value}
        for c in lead.communications.all()
        if kinds is None or c.kind in kinds
    ]


def _check(actor, lead, *, make_contact, contact, make_company, company, make_deal, pipeline, amount) -> dict:
    """Everything a conversion needs, checked before anything is written: {"pipeline", "stage", "amount"}."""
    errors: dict = {}
    if lead.status == LeadStatus.CONVERTED:
        raise Invalid(fields={"__all__": [_("This lead is converted already.")]})
    if not (make_contact or contact or make_company or company or make_deal):
        errors.setdefault("__all__", []).append(_("Choose what the lead becomes."))
    if make_contact and contact is not None:
        errors.setdefault("contact", []).append(_("Make a new contact or choose an existing one, not both."))
    if make_company and company is not None:
        errors.setdefault("company", []).append(_("Make a new company or choose an existing one, not both."))
    wanted = [(make_contact, Entity.CONTACT), (make_company, Entity.COMPANY), (make_deal, Entity.DEAL)]
    for wants, entity in wanted:
        if wants and actor is not None and not rights.may(actor, entity, Action.ADD):
            raise NotAllowed(_("Your role does not allow adding %(what)s.") % {"what": Entity(entity).label})
    if actor is not None:
        for record, model, field in ((contact, Contact, "contact"), (company, Company, "company")):
            if record is not None and not model.objects.visible_to(actor).filter(pk=record.pk).exists():
                errors.setdefault(field, []).append(_("Choose a record you can see."))
    if make_contact and not (lead.first_name or lead.last_name or _items(lead, PERSON_KINDS)):
        errors.setdefault("contact", []).append(_("The lead has no name, phone or e-mail for a contact."))
    if make_company and not (lead.company_name or lead.title):
        errors.setdefault("company", []).append(_("The lead has no company name."))
    found: dict = {"pipeline": None, "stage": None, "amount": None}
    if make_deal:
        pipeline = pipeline or default_pipeline(active_only=True)
        if pipeline is None or not pipeline.is_active:
            errors.setdefault("pipeline", []).append(_("Choose an active pipeline."))
        else:
            stage = first_open_stage(pipeline)
            if stage is None:
                errors.setdefault("pipeline", []).append(_("This pipeline has no open stage."))
            found.update(pipeline=pipeline, stage=stage)
        found["amount"] = clean_amount(amount if amount not in (None, "") else lead.amount, errors)
    if errors:
        raise Invalid(fields=errors)
    return found


def _link(actor, contact: Contact, company: Company) -> None:
    """Add `company` to the contact's companies (kept ones stay; the new one is primary when it is the first)."""
    links = list(contact.company_links.select_related("company").order_by("-is_primary", "id"))
    if any(link.company_id == company.pk for link in links):
        return
    primary = next((link.company for link in links if link.is_primary), None)
    contact_companies_set(
        actor=actor,
        contact=contact,
        companies=[*(link.company for link in links), company],
        primary=primary or (company if not links else None),
    )


@transaction.atomic
def lead_convert(
    *,
    actor,
    lead: Lead,
    make_contact: bool = False,
    contact: Contact | None = None,
    make_company: bool = False,
    company: Company | None = None,
    make_deal: bool = False,
    pipeline: Pipeline | None = None,
    deal_title: str = "",
    amount: Money | None = None,
) -> Conversion:
    """Convert a lead. Needs the right to edit the lead and to add each kind of record it makes; a chosen
    contact or company must be one the actor sees. All or nothing: a refusal anywhere writes nothing."""
    require_lead_right(actor, lead, Action.EDIT)
    # Lock the lead: two people converting it at once must not make everything twice.
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    found = _check(
        actor,
        lead,
        make_contact=make_contact,
        contact=contact,
        make_company=make_company,
        company=company,
        make_deal=make_deal,
        pipeline=pipeline,
        amount=amount,
    )
    now = timezone.now()
    created: list[str] = []
    made_contact = made_company = None
    if make_contact:
        made_contact = contact = contact_create(
            actor=actor,
            first_name=lead.first_name,
            last_name=lead.last_name,
            position=lead.position,
            source=lead.source,
            comment=lead.comment,
            responsible=_responsible_for(actor, lead, Entity.CONTACT),
            communications=_items(lead, PERSON_KINDS),
        )
        created.append(Entity.CONTACT)
    if make_company:
        # The company takes the lead's website and addresses; its phones and e-mails too when no contact does.
        kinds = None if contact is None else set(CommunicationKind.values) - PERSON_KINDS
        made_company = company = company_create(
            actor=actor,
            name=(lead.company_name or lead.title)[:300],
            source=lead.source,
            comment="" if make_contact else lead.comment,
            responsible=_responsible_for(actor, lead, Entity.COMPANY),
            communications=_items(lead, kinds),
        )
        created.append(Entity.COMPANY)
    if contact is not None and company is not None:
        _link(actor, contact, company)
    deal = None
    if make_deal:
        deal = deal_create(
            actor=actor,
            title=((deal_title or "").strip() or lead.title)[:300],
            pipeline=found["pipeline"],
            stage=found["stage"],
            amount=found["amount"],
            contact=contact,
            company=company,
            lead=lead,
            responsible=_responsible_for(actor, lead, Entity.DEAL),
            comment=lead.comment,
            source=lead.source,
        )
        created.append(Entity.DEAL)
    # What the lead became carries its last activity (its history follows below).
    if lead.last_activity_at is not None:
        for record in (made_contact, made_company, deal):
            if record is not None:
                type(record).objects.filter(pk=record.pk).update(last_activity_at=lead.last_activity_at)
                record.last_activity_at = lead.last_activity_at

    # The lead's history follows it: its rows link the new records as well (a link already set stays).
    links = {"contact": contact, "company": company, "deal": deal}
    for model in (Activity, TimelineEntry, CrmFile):
        for name, record in links.items():
            if record is not None:
                model.objects.filter(lead=lead, **{f"{name}__isnull": True}).update(**{name: record})

    before = snapshot(lead, ["status", "contact", "company"])
    lead.status = LeadStatus.CONVERTED
    lead.junk_reason = ""
    lead.contact = contact
    lead.company = company
    lead.converted_at = now
    fields = ["status", "junk_reason", "contact", "company", "converted_at", "updated_at"]
    if lead.taken_at is None:
        lead.taken_at = now
        fields.append("taken_at")
    lead.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="crm.lead.convert",
        target=lead,
        changes={
            **{k: [v, snapshot(lead, [k])[k]] for k, v in before.items()},
            "deal": [None, deal.pk if deal else None],
            "created": list(created),
        },
    )
    data = {
        "lead": lead.pk,
        "contact": contact.pk if contact else None,
        "company": company.pk if company else None,
        "deal": deal.pk if deal else None,
        "created": list(created),
    }
    timeline_add(
        kind=TimelineKind.CONVERTED,
        actor=actor,
        records=[lead, contact, company, deal],
        text=lead.title,
        data=data,
    )
    recount_records(lead, deal)
    return Conversion(
        lead=lead,
        contact=made_contact or contact,
        company=made_company or company,
        deal=deal,
        created=tuple(created),
    )
