"""The picker's lookup sources of the CRM (portal/core/pickers.py): contacts ("crm_contacts") and companies
("crm_companies"), deals ("crm_deals") and leads ("crm_leads"), for the record forms (a contact's companies),
the merge page and other CRM forms.

Each starts from `visible_to(user)`, so a record the person may not see never appears, and each answer is one
query. Every word typed must be in the name (case-insensitive); `#12` or `12` finds a record by its number.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, Value, When

from portal.core.pickers import LookupItem, int_values

from .choices import StageKind
from .models import Company, Contact, Deal, Lead

MAX_WORDS = 6


def _contact_item(contact: Contact) -> LookupItem:
    return LookupItem("crm_contacts", str(contact.pk), str(contact), contact.position or f"#{contact.pk}")


def _company_item(company: Company) -> LookupItem:
    return LookupItem("crm_companies", str(company.pk), company.name, f"#{company.pk}")


def _words(query: str) -> list[str]:
    return (query or "").split()[:MAX_WORDS]


def contacts_search(*, user, query: str, limit: int) -> list[LookupItem]:
    words = _words(query)
    if not words:
        return []
    condition = Q()
    for word in words:
        condition &= (
            Q(last_name__icontains=word) | Q(first_name__icontains=word) | Q(middle_name__icontains=word)
        )
    number = int_values([query]) if len(words) == 1 else []
    if number:
        condition |= Q(pk=number[0])
    qs = (
        Contact.objects.visible_to(user)
        .filter(condition)
        .only("id", "first_name", "last_name", "middle_name", "position")
    )
    return [_contact_item(c) for c in qs.order_by("last_name", "first_name", "id")[:limit]]


def contacts_resolve(*, user, values) -> list[LookupItem]:
    ids = int_values(values)
    if not ids:
        return []
    found = {
        c.pk: c
        for c in Contact.objects.visible_to(user)
        .filter(pk__in=ids)
        .only("id", "first_name", "last_name", "middle_name", "position")
    }
    return [_contact_item(found[pk]) for pk in ids if pk in found]


def companies_search(*, user, query: str, limit: int) -> list[LookupItem]:
    words = _words(query)
    if not words:
        return []
    condition = Q()
    for word in words:
        condition &= Q(name__icontains=word)
    number = int_values([query]) if len(words) == 1 else []
    if number:
        condition |= Q(pk=number[0])
    qs = Company.objects.visible_to(user).filter(condition).only("id", "name")
    return [_company_item(c) for c in qs.order_by("name", "id")[:limit]]


def companies_resolve(*, user, values) -> list[LookupItem]:
    ids = int_values(values)
    if not ids:
        return []
    found = {c.pk: c for c in Company.objects.visible_to(user).filter(pk__in=ids).only("id", "name")}
    return [_company_item(found[pk]) for pk in ids if pk in found]


def _deal_item(deal: Deal) -> LookupItem:
    return LookupItem("crm_deals", str(deal.pk), deal.title, f"#{deal.pk} · {deal.stage.name}")


def deals_search(*, user, query: str, limit: int) -> list[LookupItem]:
    """Deals by title (every word) or number, open ones first, then the newest."""
    words = _words(query)
    if not words:
        return []
    condition = Q()
    for word in words:
        condition &= Q(title__icontains=word)
    number = int_values([query]) if len(words) == 1 else []
    if number:
        condition |= Q(pk=number[0])
    qs = (
        Deal.objects.visible_to(user)
        .filter(condition)
        .select_related("stage")
        .only("id", "title", "stage_kind", "created_at", "stage__name")
    )
    open_first = Case(
        When(stage_kind=StageKind.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return [_deal_item(d) for d in qs.order_by(open_first, "-created_at", "-id")[:limit]]


def deals_resolve(*, user, values) -> list[LookupItem]:
    ids = int_values(values)
    if not ids:
        return []
    found = {
        d.pk: d
        for d in Deal.objects.visible_to(user)
        .filter(pk__in=ids)
        .select_related("stage")
        .only("id", "title", "stage__name")
    }
    return [_deal_item(found[pk]) for pk in ids if pk in found]


def _titled(model, source: str, *, user, query: str, limit: int) -> list[LookupItem]:
    """Records by the words of their title (or `#id`), newest first."""
    words = _words(query)
    if not words:
        return []
    condition = Q()
    for word in words:
        condition &= Q(title__icontains=word)
    number = int_values([query]) if len(words) == 1 else []
    if number:
        condition |= Q(pk=number[0])
    qs = model.objects.visible_to(user).filter(condition).only("id", "title")
    return [
        LookupItem(source, str(r.pk), r.title, f"#{r.pk}") for r in qs.order_by("-created_at", "-id")[:limit]
    ]


def _titled_resolve(model, source: str, *, user, values) -> list[LookupItem]:
    ids = int_values(values)
    if not ids:
        return []
    found = {r.pk: r for r in model.objects.visible_to(user).filter(pk__in=ids).only("id", "title")}
    return [LookupItem(source, str(pk), found[pk].title, f"#{pk}") for pk in ids if pk in found]


def leads_search(*, user, query: str, limit: int) -> list[LookupItem]:
    return _titled(Lead, "crm_leads", user=user, query=query, limit=limit)


def leads_resolve(*, user, values) -> list[LookupItem]:
    return _titled_resolve(Lead, "crm_leads", user=user, values=values)
