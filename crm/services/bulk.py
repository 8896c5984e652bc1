"""Bulk actions of the CRM lists: assign a responsible person, move deals to a stage, change leads' status,
delete. All or nothing: every chosen record is checked with the person's right first, and one refusal (or one
record a service refuses) changes none of them. Each record changes through its own service, so the timeline,
the audit and the feature's rules are the same as on the record's page."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.core.errors import DomainError, Invalid, NotAllowed

from ..choices import Action, Entity
from ..models import Stage
from ..selectors.records import record_model

MAX_RECORDS = 500
NAMES_SHOWN = 10


def clean_ids(ids: Iterable) -> list[int]:
    found = []
    for value in ids:
        text = str(value).strip()
        if text.isdecimal():
            found.append(int(text))
    found = list(dict.fromkeys(found))
    if not found:
        raise Invalid(fields={"ids": [_("Choose at least one record.")]})
    if len(found) > MAX_RECORDS:
        raise Invalid(fields={"ids": [_("At most %(limit)s records at once.") % {"limit": MAX_RECORDS}]})
    return found


def records_checked(*, actor, entity: str, ids: Iterable, action: str) -> list:
    """The chosen records, each one the actor may `action`; else `NotAllowed` naming the refused ones (those
    the actor sees; hidden or missing ones are only counted)."""
    model = record_model(entity)
    ids = clean_ids(ids)
    allowed = {record.pk: record for record in model.objects.allowed(actor, action).filter(pk__in=ids)}
    refused = [pk for pk in ids if pk not in allowed]
    if refused:
        seen = list(model.objects.visible_to(actor).filter(pk__in=refused).order_by("pk"))
        names = ", ".join(f"«{record}»" for record in seen[:NAMES_SHOWN])
        if len(seen) > NAMES_SHOWN:
            names += ", …"
        unknown = len(refused) - len(seen)
        parts = [
            ngettext(
                "Nothing was changed: you may not do this to %(count)s of the chosen records.",
                "Nothing was changed: you may not do this to %(count)s of the chosen records.",
                len(refused),
            )
            % {"count": len(refused)}
        ]
        if names:
            parts.append(_("Refused: %(names)s.") % {"names": names})
        if unknown:
            parts.append(
                ngettext("%(count)s record was not found.", "%(count)s records were not found.", unknown)
                % {"count": unknown}
            )
        raise NotAllowed(" ".join(parts), code="bulk_refused")
    return [allowed[pk] for pk in ids]


def _each(records: list, change) -> int:
    """Run `change(record)` for every record; a refusal names the record and undoes the whole batch."""
    for record in records:
        try:
            change(record)
        except DomainError as error:
            message = getattr(error, "messages", None) or [error.message]
            text = " ".join(str(m) for m in message)
            raise Invalid(
                _("Nothing was changed: «%(record)s»: %(error)s") % {"record": record, "error": text},
                code="bulk_refused",
            ) from error
    return len(records)


def _assign(entity: str, actor, person):
    if entity == Entity.LEAD:
        from .leads import lead_update

        return lambda lead: lead_update(actor=actor, lead=lead, responsible=person)
    if entity == Entity.CONTACT:
        from .contacts import contact_update

        return lambda contact: contact_update(actor=actor, contact=contact, responsible=person)
    if entity == Entity.COMPANY:
        from .companies import company_update

        return lambda company: company_update(actor=actor, company=company, responsible=person)
    from .deals import deal_update

    def change(deal):
        if deal.responsible_id == person.pk:
            return deal
        return deal_update(
            actor=actor,
            deal=deal,
            title=deal.title,
            contact=deal.contact,
            company=deal.company,
            lead=deal.lead,
            responsible=person,
            expected_close=deal.expected_close,
            comment=deal.comment,
        )

    return change


@transaction.atomic
def bulk_assign(*, actor, entity: str, ids: Iterable, responsible) -> int:
    """Make `responsible` the responsible person of the chosen records (the edit right on each; the person
    within the actor's reach, as the record services check)."""
    if responsible is None:
        raise Invalid(fields={"responsible": [_("Choose a person.")]})
    records = records_checked(actor=actor, entity=entity, ids=ids, action=Action.EDIT)
    return _each(records, _assign(str(entity), actor, responsible))


@transaction.atomic
def bulk_stage(*, actor, ids: Iterable, stage: Stage, lost_reason: str = "") -> int:
    """Move the chosen deals to `stage` of their pipeline (all of them must be in it); a lost stage needs the
    reason, given once for all."""
    from .deals import deal_move

    records = records_checked(actor=actor, entity=Entity.DEAL, ids=ids, action=Action.EDIT)
    others = [deal for deal in records if deal.pipeline_id != stage.pipeline_id]
    if others:
        raise Invalid(
            fields={"stage": [_("Choose deals of one pipeline and a stage of that pipeline.")]},
            code="bulk_pipeline",
        )
    return _each(
        records, lambda deal: deal_move(actor=actor, deal=deal, stage=stage, lost_reason=lost_reason)
    )


@transaction.atomic
def bulk_status(*, actor, ids: Iterable, status: str, reason: str = "") -> int:
    """Move the chosen leads to `status` (junk needs the reason, given once for all)."""
    from .leads import lead_set_status

    records = records_checked(actor=actor, entity=Entity.LEAD, ids=ids, action=Action.EDIT)
    return _each(records, lambda lead: lead_set_status(actor=actor, lead=lead, status=status, reason=reason))


@transaction.atomic
def bulk_delete(*, actor, entity: str, ids: Iterable) -> int:
    """Delete the chosen records (the delete right on each)."""
    records = records_checked(actor=actor, entity=entity, ids=ids, action=Action.DELETE)
    entity = str(entity)
    if entity == Entity.LEAD:
        from .leads import lead_delete

        return _each(records, lambda lead: lead_delete(actor=actor, lead=lead))
    if entity == Entity.CONTACT:
        from .contacts import contact_delete

        return _each(records, lambda contact: contact_delete(actor=actor, contact=contact))
    if entity == Entity.COMPANY:
        from .companies import company_delete

        return _each(records, lambda company: company_delete(actor=actor, company=company))
    from .deals import deal_delete

    return _each(records, lambda deal: deal_delete(actor=actor, deal=deal))
