"""Contacts: create, change and delete them, and link them to companies.

Every write checks the actor's CRM rights (the add right to create; the edit or delete right on the record,
404 when the record is hidden), keeps the responsible person within the people the actor's level reaches,
saves the communications (normalised), writes an audit row and adds timeline entries.

`actor=None` on the create services is the portal itself (a store order's customer, a lead converted by a web
form): no person's rights or reach apply, the responsible person only has to be active; the rest (validation,
communications, audit row, timeline entry) is the same as for a record made by hand.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotAllowed, NotFound

from .. import rights
from ..choices import Action, Entity, LeadSource, TimelineKind
from ..models import Company, Contact, ContactCompany
from .communications import communications_set
from .timeline import timeline_add, timeline_fields_changed

CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "middle_name",
    "position",
    "birthday",
    "source",
    "responsible",
    "comment",
    "custom",
)
UPDATE_FIELDS = frozenset(CONTACT_FIELDS)


# --- shared by the contact and company services ----------------------------------------------------------


def require_right(actor, record, action: str) -> None:
    """`NotFound` when the actor may not see the record, `NotAllowed` when they see it but may not `action`."""
    model = type(record)
    if model.objects.allowed(actor, action).filter(pk=record.pk).exists():
        return
    if action != Action.VIEW and model.objects.visible_to(actor).filter(pk=record.pk).exists():
        raise NotAllowed()
    raise NotFound()


def require_add(actor, entity: str) -> None:
    """The actor may add records of `entity`; the portal itself (`None`) may."""
    if actor is None:
        return
    if not rights.may(actor, entity, Action.ADD):
        raise NotAllowed(_("Your CRM role does not let you add these records."))


def check_responsible(actor, entity: str, action: str, responsible) -> None:
    """The responsible person must be someone the actor's level of `action` reaches (themselves at "own"); for
    the portal itself (`None`), anyone active."""
    if responsible is None:
        return
    people = get_user_model().objects.filter(pk=responsible.pk, is_active=True)
    if actor is not None:
        people = people.filter(rights.people_in_reach(actor, entity, action))
    if not people.exists():
        raise Invalid(fields={"responsible": [_("You may not make this person responsible.")]})


def clean_custom(value) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(fields={"custom": [_("Custom field values must be an object.")]})
    return dict(value)


# --- contacts ---------------------------------------------------------------------------------------------


def _clean_name(first_name: str, last_name: str) -> None:
    if not (first_name or "").strip() and not (last_name or "").strip():
        raise Invalid(fields={"last_name": [_("Enter a first or a last name.")]})


def _visible_companies(actor, companies: Iterable) -> list[Company]:
    """The companies given (objects or ids), each visible to the actor (the portal itself sees them all); a
    hidden or missing one is refused."""
    ids = list(dict.fromkeys(getattr(c, "pk", c) for c in companies if c not in (None, "")))
    if not ids:
        return []
    companies_seen = Company.objects.all() if actor is None else Company.objects.visible_to(actor)
    found = {c.pk: c for c in companies_seen.filter(pk__in=ids)}
    if len(found) != len(ids):
        raise Invalid(fields={"companies": [_("Choose companies you can see.")]})
    return [found[pk] for pk in ids]


@transaction.atomic
def contact_create(
    *,
    actor,
    first_name: str = "",
    last_name: str = "",
    middle_name: str = "",
    position: str = "",
    birthday: datetime.date | None = None,
    source: str = LeadSource.MANUAL,
    responsible=None,
    comment: str = "",
    custom: dict | None = None,
    communications: Sequence[dict] = (),
    companies: Iterable = (),
) -> Contact:
    """Create a contact (responsible: the actor unless someone in reach is named), with its phones and e-mails
    and its companies (the first one primary). Duplicates are the caller's question (`duplicates_find`).
    `actor=None` is the portal itself (intake): no rights apply, and the responsible person stays as given."""
    require_add(actor, Entity.CONTACT)
    _clean_name(first_name, last_name)
    responsible = responsible or actor
    check_responsible(actor, Entity.CONTACT, Action.ADD, responsible)
    linked = _visible_companies(actor, companies)
    if source not in LeadSource.values:
        raise Invalid(fields={"source": [_("Unknown source.")]})
    contact = Contact.objects.create(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        middle_name=middle_name.strip(),
        position=position.strip(),
        birthday=birthday,
        source=source,
        responsible=responsible,
        created_by=actor,
        comment=comment,
        custom=clean_custom(custom),
    )
    communications_set(record=contact, items=list(communications))
    audit_record(actor=actor, action="crm.contact.created", target=contact)
    timeline_add(kind=TimelineKind.CREATED, actor=actor, records=[contact])
    if linked:
        contact_companies_set(actor=actor, contact=contact, companies=linked)
    return contact


@transaction.atomic
def contact_update(
    *,
    actor,
    contact: Contact,
    communications: Sequence[dict] | None = None,
    companies: Iterable | None = None,
    **fields: Any,
) -> Contact:
    """Change a contact's fields (those given), its communications and companies (when given). Needs the edit
    right on it; a new responsible person must be within the actor's reach."""
    unknown = sorted(set(fields) - UPDATE_FIELDS)
    if unknown:
        raise TypeError(f"contact_update() got unexpected fields: {', '.join(unknown)}")
    require_right(actor, contact, Action.EDIT)
    if "custom" in fields:
        fields["custom"] = clean_custom(fields["custom"])
    for name in ("first_name", "last_name", "middle_name", "position"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    _clean_name(fields.get("first_name", contact.first_name), fields.get("last_name", contact.last_name))
    if "source" in fields and fields["source"] not in LeadSource.values:
        raise Invalid(fields={"source": [_("Unknown source.")]})
    if "responsible" in fields and getattr(fields["responsible"], "pk", None) != contact.responsible_id:
        check_responsible(actor, Entity.CONTACT, Action.EDIT, fields["responsible"])
    before = snapshot(contact, list(fields))
    for name, value in fields.items():
        setattr(contact, name, value)
    changes = diff(before, snapshot(contact, list(fields)))
    if changes:
        contact.save(update_fields=[*changes, "updated_at"])
        audit_record(actor=actor, action="crm.contact.updated", target=contact, changes=changes)
        timeline_fields_changed(actor=actor, record=contact, changes=changes)
    if communications is not None:
        communications_set(record=contact, items=list(communications))
    if companies is not None:
        contact_companies_set(actor=actor, contact=contact, companies=_visible_companies(actor, companies))
    return contact


@transaction.atomic
def contact_delete(*, actor, contact: Contact) -> None:
    """Delete a contact (the delete right on it). Its deals and leads stay, without the contact."""
    require_right(actor, contact, Action.DELETE)
    audit_record(actor=actor, action="crm.contact.deleted", target=contact)
    contact.delete()


@transaction.atomic
def contact_companies_set(*, actor, contact: Contact, companies: Sequence[Company], primary=None) -> None:
    """Make `companies` the contact's companies (roles of kept links stay); `primary` (default: the first) is
    marked primary. A new link is written on the timelines of both records."""
    wanted = list(dict.fromkeys(companies))
    primary = primary if primary in wanted else (wanted[0] if wanted else None)
    current = {link.company_id: link for link in contact.company_links.all()}
    wanted_ids = {c.pk for c in wanted}
    ContactCompany.objects.filter(contact=contact).exclude(company_id__in=wanted_ids).delete()
    added = []
    for company in wanted:
        link = current.get(company.pk)
        is_primary = primary is not None and company.pk == primary.pk
        if link is None:
            ContactCompany.objects.create(contact=contact, company=company, is_primary=is_primary)
            added.append(company)
        elif link.is_primary != is_primary:
            link.is_primary = is_primary
            link.save(update_fields=["is_primary"])
    for company in added:
        timeline_add(
            kind=TimelineKind.LINKED,
            actor=actor,
            records=[contact, company],
            data={"contact": contact.pk, "company": company.pk, "company_name": company.name},
        )
    removed = set(current) - wanted_ids
    if added or removed:
        audit_record(
            actor=actor,
            action="crm.contact.companies",
            target=contact,
            changes={"companies": [sorted(current), sorted(wanted_ids)]},
        )
