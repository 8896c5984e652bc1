"""Reading telephony: PBX connections (CRM administrators), who is calling, and the caller's card.

`caller_find` is the lookup a ringing call makes: one indexed query on the normalised phone (E.164), and a
second on the last ten digits only when the first finds nothing. The card (`call_card`) is read for the
person looking at it: every record on it passes their `visible_to`, so a contact they may not see is an
unknown number to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from portal.core.errors import NotFound

from .. import rights
from ..choices import Action, CallResult, CommunicationKind, Entity, StageKind
from ..models import (
    Activity,
    Call,
    Communication,
    Company,
    Contact,
    ContactCompany,
    Deal,
    Lead,
    PbxConnection,
)
from ..phones import normalize_phone, phone_tail

# How many matches one lookup reads (a number shared by many records is still one short query).
LOOKUP_ROWS = 20
CARD_DEALS = 5
CARD_ACTIVITIES = 3


# --- PBX connections ------------------------------------------------------------------------------------------


def pbx_list(*, user) -> QuerySet[PbxConnection]:
    """Every PBX connection with its extensions: CRM administrators only (404 for anyone else)."""
    if not rights.is_crm_admin(user):
        raise NotFound()
    return PbxConnection.objects.prefetch_related("extensions__user").order_by("name", "id")


def pbx_get(*, user, pk: int) -> PbxConnection:
    try:
        return pbx_list(user=user).get(pk=pk)
    except (PbxConnection.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def pbx_recent_calls(*, connection: PbxConnection, limit: int = 10) -> list[Call]:
    """The connection's latest calls, newest first, each with `result_label` (the result in words)."""
    calls = list(
        Call.objects.filter(connection=connection)
        .select_related("user")
        .order_by("-started_at", "-id")[:limit]
    )
    for call in calls:
        call.result_label = CallResult(call.result).label if call.result in CallResult.values else call.result
    return calls


# --- who is calling -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallerMatch:
    """The records a number belongs to (ids only): the first contact, company and lead that have it."""

    normalized: str = ""
    contact_id: int | None = None
    company_id: int | None = None
    lead_id: int | None = None

    @property
    def found(self) -> bool:
        return bool(self.contact_id or self.company_id or self.lead_id)


def _first_owners(rows) -> dict[str, int | None]:
    owners: dict[str, int | None] = {"contact_id": None, "company_id": None, "lead_id": None}
    for row in rows:
        for name in owners:
            if owners[name] is None and row[name]:
                owners[name] = row[name]
    return owners


def caller_find(*, number: str, region: str) -> CallerMatch:
    """The records whose phone is `number`, for nobody in particular (the call remembers them; each viewer's
    card then shows only what they may see). A lead counts only when no contact or company has the number."""
    e164 = normalize_phone(number, region)
    if not e164:
        return CallerMatch()
    phones = Communication.objects.filter(kind=CommunicationKind.PHONE)
    columns = ("contact_id", "company_id", "lead_id")
    rows = list(phones.filter(normalized=e164).order_by("id").values(*columns)[:LOOKUP_ROWS])
    if not rows:
        tail = phone_tail(e164)
        if tail:
            rows = list(phones.filter(tail=tail).order_by("id").values(*columns)[:LOOKUP_ROWS])
    owners = _first_owners(rows)
    if owners["contact_id"] or owners["company_id"]:
        owners["lead_id"] = None
    return CallerMatch(normalized=e164, **owners)


# --- the caller's card ----------------------------------------------------------------------------------------


def call_get(*, user, pk: int) -> Call:
    """A call the person may open the card of: the employee it rang, or a CRM administrator. 404 otherwise."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound()
    calls = Call.objects.select_related("connection")
    if not rights.is_crm_admin(user):
        calls = calls.filter(user=user)
    try:
        return calls.get(pk=pk)
    except (Call.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


@dataclass
class CallCard:
    """What the card shows to one person: the caller's records they may see, or an unknown number."""

    call: Call
    contact: Contact | None = None
    company: Company | None = None
    lead: Lead | None = None
    companies: list[Company] = field(default_factory=list)
    deals: list[Deal] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    may_create_lead: bool = False

    @property
    def known(self) -> bool:
        return bool(self.contact or self.company or self.lead)

    @property
    def responsible(self):
        record = self.contact or self.company or self.lead
        return record.responsible if record is not None else None


def _visible(model, user, pk):
    if not pk:
        return None
    return model.objects.visible_to(user).select_related("responsible").filter(pk=pk).first()


def call_card(*, user, call: Call) -> CallCard:
    """The card of `call` as `user` sees it (a few short queries, none per row)."""
    card = CallCard(call=call)
    card.contact = _visible(Contact, user, call.contact_id)
    card.company = _visible(Company, user, call.company_id)
    card.lead = _visible(Lead, user, call.lead_id)
    if card.contact is not None:
        company_ids = ContactCompany.objects.filter(contact=card.contact).values("company_id")
        card.companies = list(
            Company.objects.visible_to(user).filter(pk__in=company_ids).order_by("name", "id")[:3]
        )
        if card.company is None and card.companies:
            card.company = card.companies[0]
    if card.company is not None and all(c.pk != card.company.pk for c in card.companies):
        card.companies.insert(0, card.company)
    about = Q()
    if card.contact is not None:
        about |= Q(contact=card.contact)
    if card.company is not None:
        about |= Q(company=card.company)
    if about:
        card.deals = list(
            Deal.objects.visible_to(user)
            .filter(about, stage_kind=StageKind.OPEN)
            .select_related("stage")
            .order_by("-created_at", "-id")[:CARD_DEALS]
        )
    if card.lead is not None:
        about |= Q(lead=card.lead)
    if about:
        card.activities = list(
            Activity.objects.visible_to(user).filter(about).order_by("-created_at", "-id")[:CARD_ACTIVITIES]
        )
    if not card.known:
        card.may_create_lead = rights.may(user, Entity.LEAD, Action.ADD)
    return card
