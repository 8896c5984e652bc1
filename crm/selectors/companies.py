"""Reading companies: one company the person may see, and what its record page shows, each block one query
whatever the number of rows."""

from __future__ import annotations

from ..choices import Action, Entity
from ..models import Company, Contact, ContactCompany, Deal, Lead
from .contacts import BLOCK_ROWS, custom_rows
from .records import record_get


def company_get(*, user, pk, action: str = Action.VIEW) -> Company:
    """The company, if the person's roles allow `action` on it; `NotFound` otherwise."""
    return record_get(user=user, entity=Entity.COMPANY, pk=pk, action=action, related=("created_by",))


def company_page(*, user, company: Company) -> dict:
    """The blocks of a company's page: communications, the contacts, deals and leads the person sees."""
    contacts = list(
        ContactCompany.objects.filter(
            company=company, contact__in=Contact.objects.visible_to(user).values("pk")
        )
        .select_related("contact")
        .order_by("contact__last_name", "contact__first_name", "contact_id")[: BLOCK_ROWS + 1]
    )
    deals = list(
        Deal.objects.visible_to(user)
        .filter(company=company)
        .select_related("stage")
        .order_by("-created_at", "-id")[: BLOCK_ROWS + 1]
    )
    leads = list(
        Lead.objects.visible_to(user).filter(company=company).order_by("-created_at", "-id")[: BLOCK_ROWS + 1]
    )
    return {
        "communications": list(company.communications.all()),
        "contact_links": contacts[:BLOCK_ROWS],
        "contacts_more": len(contacts) > BLOCK_ROWS,
        "deals": deals[:BLOCK_ROWS],
        "deals_more": len(deals) > BLOCK_ROWS,
        "leads": leads[:BLOCK_ROWS],
        "leads_more": len(leads) > BLOCK_ROWS,
        "custom_rows": custom_rows(Entity.COMPANY, company),
    }
