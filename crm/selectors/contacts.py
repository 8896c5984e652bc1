"""Reading contacts: one contact the person may see, and what its record page shows, each block one query
whatever the number of rows."""

from __future__ import annotations

from ..choices import Action, Entity
from ..models import Company, Contact, ContactCompany, CustomField, Deal, Lead
from .records import record_get

# Rows of a block on the record page; the rest is one click away in the filtered list.
BLOCK_ROWS = 20


def contact_get(*, user, pk, action: str = Action.VIEW) -> Contact:
    """The contact, if the person's roles allow `action` on it; `NotFound` otherwise."""
    return record_get(user=user, entity=Entity.CONTACT, pk=pk, action=action, related=("created_by",))


def custom_rows(entity: str, record) -> list[dict]:
    """[{label, value}] of the record's values of the active custom fields (in their order)."""
    values = record.custom or {}
    if not values:
        return []
    fields = CustomField.objects.filter(entity=entity, is_active=True, key__in=list(values)).only(
        "key", "label", "choices", "type"
    )
    return [{"key": f.key, "label": f.label, "value": values[f.key]} for f in fields]


def contact_page(*, user, contact: Contact) -> dict:
    """The blocks of a contact's page: communications, the companies, deals and leads the person sees."""
    companies = list(
        ContactCompany.objects.filter(
            contact=contact, company__in=Company.objects.visible_to(user).values("pk")
        )
        .select_related("company")
        .order_by("-is_primary", "company__name")
    )
    deals = (
        Deal.objects.visible_to(user)
        .filter(contact=contact)
        .select_related("stage")
        .order_by("-created_at", "-id")
    )
    leads = Lead.objects.visible_to(user).filter(contact=contact).order_by("-created_at", "-id")
    deals = list(deals[: BLOCK_ROWS + 1])
    leads = list(leads[: BLOCK_ROWS + 1])
    return {
        "communications": list(contact.communications.all()),
        "company_links": companies,
        "deals": deals[:BLOCK_ROWS],
        "deals_more": len(deals) > BLOCK_ROWS,
        "leads": leads[:BLOCK_ROWS],
        "leads_more": len(leads) > BLOCK_ROWS,
        "custom_rows": custom_rows(Entity.CONTACT, contact),
    }
