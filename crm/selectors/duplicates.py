"""Possible duplicates of a record about to be made: the same phone or e-mail, or a very similar company name.

`duplicates_find` is the one check the create pages, the API, the import and the intake call. It answers in
one query whatever the data size: phones match on their normalised E.164 form or their last ten digits
(`Communication.tail`, for a number written without its country code), e-mails on their lowercased form, and
company names on PostgreSQL by trigram similarity of the upper-cased names (the GIN index of the search
migration serves the ``%`` operator), elsewhere by case-insensitive equality. Only records the person may see
are returned: a hidden duplicate is not revealed (its owner's import and intake find it with their rights).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import BooleanField, F, FloatField, Func, Q, Value
from django.db.models.functions import Upper

from portal.core.errors import Invalid

from ..choices import CommunicationKind, Entity
from ..models import Communication, Company, Contact, CrmSettings, Lead
from ..services.communications import normalize

# A name at least this similar (pg_trgm's similarity, 0..1) is "very similar".
NAME_SIMILARITY = 0.5
LIMIT = 10
MODELS = {Entity.CONTACT: Contact, Entity.COMPANY: Company, Entity.LEAD: Lead}


class _TrigramMatch(Func):
    """``a % b``: pg_trgm's "similar enough" operator, which a trigram GIN index answers."""

    arg_joiner = " %% "
    template = "%(expressions)s"
    output_field = BooleanField()


class _Similarity(Func):
    function = "similarity"
    output_field = FloatField()


def _phone_keys(phones: Iterable[str], region: str | None) -> tuple[set[str], set[str]]:
    numbers, tails = set(), set()
    for phone in phones:
        normalized, tail = normalize(CommunicationKind.PHONE, phone or "", region=region)
        if normalized:
            numbers.add(normalized)
        if tail and len(tail) >= 7:  # a short tail would match half the company
            tails.add(tail)
    return numbers, tails


def _similar_names(queryset, name: str):
    """(queryset, rule) for names very similar to `name`; the queryset gains the similarity on PostgreSQL."""
    if connection.vendor != "postgresql":
        return queryset, Q(name__iexact=name)
    wanted = Upper(Value(name))
    queryset = queryset.annotate(name_similarity=_Similarity(Upper(F("name")), wanted))
    return queryset, Q(_TrigramMatch(Upper("name"), wanted)) & Q(name_similarity__gte=NAME_SIMILARITY)


def duplicates_find(
    *,
    user,
    entity: str,
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    name: str = "",
    exclude: int | None = None,
    region: str | None = None,
    limit: int = LIMIT,
) -> list:
    """Records of `entity` ("contact", "company" or "lead") the person sees that share a phone or an e-mail
    with the ones given, or (companies) have a very similar name; newest first, at most `limit`, one query.
    `exclude` leaves out one record (the one being edited)."""
    model = MODELS.get(str(entity))
    if model is None:
        raise Invalid(fields={"entity": ["Duplicates are found for contacts, companies and leads."]})
    owner = str(entity)
    phones = [p for p in phones if p]
    if phones and region is None:
        region = CrmSettings.current().default_region
    numbers, tails = _phone_keys(phones, region)
    addresses = {(e or "").strip().lower() for e in emails if e and "@" in e}
    match = Q()
    if numbers or tails:
        match |= Q(kind=CommunicationKind.PHONE) & (Q(normalized__in=numbers) | Q(tail__in=tails))
    if addresses:
        match |= Q(kind=CommunicationKind.EMAIL, normalized__in=addresses)
    rules = []
    if match:
        owned = Communication.objects.filter(match, **{f"{owner}__isnull": False}).values(owner)
        rules.append(Q(pk__in=owned))
    queryset = model.objects.visible_to(user)
    name = " ".join((name or "").split())
    if name and model is Company:
        queryset, similar = _similar_names(queryset, name)
        rules.append(similar)
    if not rules:
        return []
    rule = rules[0]
    for other in rules[1:]:
        rule |= other
    queryset = queryset.filter(rule)
    if exclude:
        queryset = queryset.exclude(pk=exclude)
    return list(queryset.select_related("responsible").order_by("-created_at", "-id")[:limit])


def duplicates_of(*, user, entity: str, record, limit: int = 5) -> list:
    """Possible duplicates of a record that exists already (one made by the intake: a store order, a mailbox,
    a web form, a call), found as on creation from its phones, e-mails and (a company) its name, and kept to
    those the person may merge: edit and delete. Three queries."""
    from ..choices import Action

    model = MODELS.get(str(entity))
    if model is None:
        return []
    phones, emails = [], []
    for kind, value in record.communications.values_list("kind", "value"):
        (phones if kind == CommunicationKind.PHONE else emails).append(value)
    name = record.name if model is Company else ""
    found = duplicates_find(
        user=user, entity=entity, phones=phones, emails=emails, name=name, exclude=record.pk, limit=limit
    )
    if not found:
        return []
    ids = {r.pk for r in found}
    mergeable = set(
        model.objects.allowed(user, Action.EDIT)
        .filter(pk__in=ids)
        .filter(pk__in=model.objects.allowed(user, Action.DELETE).filter(pk__in=ids).values("pk"))
        .values_list("pk", flat=True)
    )
    return [r for r in found if r.pk in mergeable]
