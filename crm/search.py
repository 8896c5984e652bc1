"""The CRM in the global search: leads, contacts, companies and deals.

Each provider starts from `visible_to(user)`, so the rights filter is part of the one query, before ranking and
the limit. A record matches when every word of the query is in its name (on PostgreSQL: a substring of, or
trigram-similar to, the upper-cased name the trigram GIN indexes of migration 0002 are built on, ranked by
similarity; elsewhere a substring), or when the query is a phone number or an e-mail address one of its
communications holds (`Communication.normalized` / `tail`, indexed): a deal is found by its contact's or
company's phone and e-mail too.
"""

from __future__ import annotations

import re

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Upper
from django.urls import NoReverseMatch

from portal.core.search import NameDocument, SearchHit, uses_postgres

from .choices import CommunicationKind
from .models import Communication, Company, Contact, Deal, Lead
from .phones import normalize_phone, phone_tail

MAX_WORDS = 6
PHONE_CHARS = re.compile(r"^[\d\s()+\-.]+$")
MIN_PHONE_DIGITS = 6


def _document(*fields: str):
    """`UPPER(a || ' ' || b ...)`: the expression the CRM's trigram indexes are built on."""
    return Upper(NameDocument(*fields)) if len(fields) > 1 else Upper(F(fields[0]))


# Per model: the fields of its name (in the order of its trigram index), icon, provider key.
NAMES = {
    Lead: ("title",),
    Contact: ("last_name", "first_name"),
    Company: ("name",),
    Deal: ("title",),
}


def _words(query: str) -> list[str]:
    return [w for w in (query or "").split() if w][:MAX_WORDS]


def _communications(query: str) -> Q | None:
    """The communications a phone-like or e-mail-like query names (None when it looks like neither)."""
    text = (query or "").strip()
    if "@" in text and " " not in text:
        return Q(kind=CommunicationKind.EMAIL, normalized=text.lower())
    if PHONE_CHARS.match(text) and sum(ch.isdigit() for ch in text) >= MIN_PHONE_DIGITS:
        from .models import CrmSettings

        e164 = normalize_phone(text, CrmSettings.current().default_region)
        tail = phone_tail(e164 or text)
        rule = Q(tail=tail)
        if e164:
            rule |= Q(normalized=e164)
        return Q(kind=CommunicationKind.PHONE) & rule
    return None


def _name_match(qs: QuerySet, words: list[str], fields: tuple[str, ...]) -> tuple[QuerySet, Q]:
    document = _document(*fields)
    qs = qs.alias(crm_name=document)
    rule = Q()
    for word in words:
        upper = word.upper()
        if uses_postgres() and len(word) >= 3:
            from django.contrib.postgres.lookups import TrigramWordSimilar

            rule &= Q(crm_name__contains=upper) | Q(TrigramWordSimilar(document, upper))
        else:
            rule &= Q(crm_name__contains=upper)
    return qs, rule


def record_search_queryset(model, *, user, query: str) -> QuerySet:
    """The records of `model` that `user` may see matching `query`, best first (the caller slices)."""
    words = _words(query)
    qs = model.objects.visible_to(user)
    if not words:
        return qs.none()
    fields = NAMES[model]
    qs, rule = _name_match(qs, words, fields)
    contact_data = _communications(query)
    if contact_data is not None:
        found = Communication.objects.filter(contact_data)
        if model is Deal:
            rule |= Q(contact_id__in=found.filter(contact__isnull=False).values("contact_id"))
            rule |= Q(company_id__in=found.filter(company__isnull=False).values("company_id"))
        else:
            field = model._meta.model_name
            rule |= Q(pk__in=found.filter(**{f"{field}__isnull": False}).values(f"{field}_id"))
    qs = qs.filter(rule)
    if uses_postgres():
        from django.contrib.postgres.search import TrigramWordSimilarity

        qs = qs.annotate(search_score=TrigramWordSimilarity(query.upper(), _document(*fields)))
        return qs.order_by("-search_score", "-pk")
    return qs.order_by("-pk")


def _url(record) -> str:
    try:
        return record.get_absolute_url()
    except NoReverseMatch:  # the record's page is not routed
        return ""


def _person(user) -> str:
    return (user.full_name or user.email) if user is not None else ""


def _hits(model, *, user, query: str, limit: int, related: tuple[str, ...], describe) -> list[SearchHit]:
    if limit <= 0:
        return []
    qs = record_search_queryset(model, user=user, query=query).select_related("responsible", *related)
    return [describe(record) for record in qs[:limit]]


def search_leads(*, user, query: str, limit: int) -> list[SearchHit]:
    def describe(lead: Lead) -> SearchHit:
        snippet = " · ".join(
            p
            for p in (
                str(lead.get_status_display()),
                lead.person_name,
                lead.company_name,
                _person(lead.responsible),
            )
            if p
        )
        return SearchHit("crm_leads", lead.title, _url(lead), snippet, "bi-funnel", {"id": lead.pk})

    return _hits(Lead, user=user, query=query, limit=limit, related=(), describe=describe)


def search_contacts(*, user, query: str, limit: int) -> list[SearchHit]:
    def describe(contact: Contact) -> SearchHit:
        snippet = " · ".join(p for p in (contact.position, _person(contact.responsible)) if p)
        return SearchHit(
            "crm_contacts", str(contact), _url(contact), snippet, "bi-person-vcard", {"id": contact.pk}
        )

    return _hits(Contact, user=user, query=query, limit=limit, related=(), describe=describe)


def search_companies(*, user, query: str, limit: int) -> list[SearchHit]:
    def describe(company: Company) -> SearchHit:
        snippet = " · ".join(p for p in (company.industry, _person(company.responsible)) if p)
        return SearchHit(
            "crm_companies", company.name, _url(company), snippet, "bi-building", {"id": company.pk}
        )

    return _hits(Company, user=user, query=query, limit=limit, related=(), describe=describe)


def search_deals(*, user, query: str, limit: int) -> list[SearchHit]:
    def describe(deal: Deal) -> SearchHit:
        snippet = " · ".join(p for p in (deal.stage.name, str(deal.amount), _person(deal.responsible)) if p)
        return SearchHit(
            "crm_deals",
            deal.title,
            _url(deal),
            snippet,
            "bi-briefcase",
            {"id": deal.pk, "stage_kind": deal.stage_kind},
        )

    return _hits(Deal, user=user, query=query, limit=limit, related=("stage",), describe=describe)
