"""Reading leads: one lead for its page (with what it became), through the rights filter."""

from __future__ import annotations

from django.db.models import Prefetch

from ..choices import Action, Entity
from ..models import Communication, Company, Contact, Deal, Lead
from .contacts import custom_rows
from .records import record_get


def lead_get(*, user, pk: int, action: str = Action.VIEW) -> Lead:
    """The lead if the person may `action` it; `NotFound` for hidden and missing alike."""
    return record_get(
        user=user, entity="lead", pk=pk, action=action, related=("responsible__department", "created_by")
    )


def lead_page(*, user, pk: int) -> dict:
    """The lead with its communications, and the contact, company and deals it became that the person may
    see (a converted link the person may not follow is shown without its name). A fixed number of queries."""
    lead = record_get(
        user=user,
        entity="lead",
        pk=pk,
        related=("responsible__department", "created_by", "contact", "company"),
    )
    communications = list(Communication.objects.filter(lead=lead).order_by("kind", "sort", "id"))
    deals = list(
        Deal.objects.visible_to(user)
        .filter(lead=lead)
        .select_related("stage", "pipeline")
        .order_by("-id")[:20]
    )
    visible = {
        "contact": lead.contact_id is not None
        and Contact.objects.visible_to(user).filter(pk=lead.contact_id).exists(),
        "company": lead.company_id is not None
        and Company.objects.visible_to(user).filter(pk=lead.company_id).exists(),
    }
    return {
        "lead": lead,
        "communications": communications,
        "deals": deals,
        "visible": visible,
        "custom_rows": custom_rows(Entity.LEAD, lead),
    }


def lead_list(*, user, action: str = Action.VIEW):
    """The leads the person may `action`, newest first (the list page's FilterSet narrows it)."""
    return (
        Lead.objects.allowed(user, action)
        .select_related("responsible")
        .prefetch_related(
            Prefetch("communications", queryset=Communication.objects.order_by("kind", "sort", "id"))
        )
    )
