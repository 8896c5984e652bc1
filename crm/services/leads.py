"""Leads: create, change, delete, and move through their statuses (new, in progress, junk).

A lead becomes "converted" only through `crm.services.conversions.lead_convert`. Every service checks the
actor's CRM rights on leads (hidden: `NotFound`, visible but not allowed: `NotAllowed`), validates its input
(`Invalid` with a field dict; nothing is written), writes an audit row and a timeline entry.

`actor=None` means the portal itself (web forms, the e-mail intake, imports): no person's rights apply.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotAllowed, NotFound

from .. import rights
from ..choices import Action, Entity, LeadSource, LeadStatus, TimelineKind
from ..counters import recount_records
from ..models import Activity, CrmFile, Lead, TimelineEntry
from .communications import communications_set
from .timeline import timeline_add, timeline_fields_changed

# What a person may set on a lead (status and its reason have their own services).
EDITABLE = (
    "title",
    "source",
    "source_detail",
    "first_name",
    "last_name",
    "company_name",
    "position",
    "amount",
    "comment",
    "responsible",
    "utm",
    "custom",
)
HISTORY = [*EDITABLE, "status", "junk_reason"]
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
_LIMITS = {
    "title": 300,
    "source_detail": 300,
    "first_name": 100,
    "last_name": 100,
    "company_name": 300,
    "position": 200,
}


# --- checks -------------------------------------------------------------------------------------------------


def require_lead_right(actor, lead: Lead, action: str) -> None:
    """The actor may `action` this lead: hidden answers `NotFound`, seen but not allowed `NotAllowed`."""
    if actor is None:
        return
    if rights.allows(actor, Entity.LEAD, action, lead):
        return
    if rights.allows(actor, Entity.LEAD, Action.VIEW, lead):
        raise NotAllowed()
    raise NotFound()


def check_responsible(actor, person, *, entity: str, action: str, errors: dict, field: str = "responsible"):
    """A person the actor may make responsible for a record of `entity` (an active user in their reach)."""
    if person is None:
        return
    query = get_user_model().objects.filter(pk=person.pk, is_active=True)
    if actor is not None:
        query = query.filter(rights.people_in_reach(actor, entity, action))
    if not query.exists():
        errors.setdefault(field, []).append(_("You cannot make this person responsible."))


def clean_amount(amount, errors: dict, field: str = "amount"):
    """A non-negative Money in one of the portal's currencies, or None."""
    if amount in (None, ""):
        return None
    if not isinstance(amount, Money):
        try:
            amount = Money(Decimal(str(amount)), settings.DEFAULT_CURRENCY)
        except Exception:
            errors.setdefault(field, []).append(_("Enter an amount."))
            return None
    if amount.amount < 0:
        errors.setdefault(field, []).append(_("The amount cannot be negative."))
    if str(amount.currency) not in settings.CURRENCIES:
        errors.setdefault(field, []).append(_("Choose one of the portal's currencies."))
    return amount


def clean_utm(utm) -> dict:
    """Only the known UTM tags, as short strings."""
    if not isinstance(utm, dict):
        return {}
    return {key: str(utm[key]).strip()[:200] for key in UTM_KEYS if str(utm.get(key) or "").strip()}


def _clean_text(values: dict, errors: dict) -> None:
    for name, limit in _LIMITS.items():
        if name in values:
            values[name] = (values[name] or "").strip()
            if len(values[name]) > limit:
                errors.setdefault(name, []).append(_("At most %(limit)s characters.") % {"limit": limit})


def default_title(values: dict, communications) -> str:
    person = " ".join(p for p in (values.get("first_name"), values.get("last_name")) if p)
    for candidate in (person, values.get("company_name")):
        if candidate:
            return candidate[:300]
    for item in communications or ():
        if (item.get("value") or "").strip():
            return item["value"].strip()[:300]
    return ""


def _clean(actor, values: dict, *, communications, action: str) -> dict:
    errors: dict = {}
    _clean_text(values, errors)
    if "title" in values and not values["title"]:
        values["title"] = default_title(values, communications)
        if not values["title"]:
            errors.setdefault("title", []).append(
                _("Give the lead a title, a name, a company or a phone or e-mail.")
            )
    if "source" in values and values["source"] not in LeadSource.values:
        errors.setdefault("source", []).append(_("Choose a source."))
    if "amount" in values:
        values["amount"] = clean_amount(values["amount"], errors)
    if "utm" in values:
        values["utm"] = clean_utm(values["utm"])
    if "custom" in values and not isinstance(values["custom"], dict):
        errors.setdefault("custom", []).append(_("Custom field values are invalid."))
    if "responsible" in values:
        check_responsible(actor, values["responsible"], entity=Entity.LEAD, action=action, errors=errors)
    if errors:
        raise Invalid(fields=errors)
    return values


# --- create, change, delete ---------------------------------------------------------------------------------


@transaction.atomic
def lead_create(
    *,
    actor,
    title: str = "",
    source: str = LeadSource.MANUAL,
    source_detail: str = "",
    first_name: str = "",
    last_name: str = "",
    company_name: str = "",
    position: str = "",
    communications: list[dict] | tuple = (),
    amount: Money | None = None,
    comment: str = "",
    utm: dict | None = None,
    responsible=None,
    custom: dict | None = None,
) -> Lead:
    """Make a lead. A person needs the "add" right on leads and may only make someone in their reach
    responsible (themselves by default); `actor=None` (intake) leaves the responsible person as given."""
    if actor is not None and not rights.may(actor, Entity.LEAD, Action.ADD):
        raise NotAllowed()
    if actor is not None and responsible is None:
        responsible = actor
    values = _clean(
        actor,
        {
            "title": title,
            "source": source,
            "source_detail": source_detail,
            "first_name": first_name,
            "last_name": last_name,
            "company_name": company_name,
            "position": position,
            "amount": amount,
            "utm": utm or {},
            "responsible": responsible,
            "custom": custom or {},
        },
        communications=communications,
        action=Action.ADD,
    )
    lead = Lead.objects.create(**values, comment=(comment or "").strip(), created_by=actor)
    communications_set(record=lead, items=list(communications or ()))
    audit_record(
        actor=actor, action="crm.lead.create", target=lead, changes=snapshot(lead, ["title", "source"])
    )
    timeline_add(kind=TimelineKind.CREATED, actor=actor, records=[lead], data={"source": lead.source})
    recount_records(lead)
    return lead


@transaction.atomic
def lead_update(*, actor, lead: Lead, communications: list[dict] | None = None, **changes) -> Lead:
    """Change a lead's fields (any of `EDITABLE`) and, when given, replace its communications."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"lead_update() got unexpected fields: {sorted(unknown)}")
    require_lead_right(actor, lead, Action.EDIT)
    if "responsible" in changes and changes["responsible"] == lead.responsible:
        changes.pop("responsible")
    values = _clean(actor, dict(changes), communications=communications, action=Action.EDIT)
    before = snapshot(lead, HISTORY)
    before_responsible = lead.responsible_id
    for name, value in values.items():
        setattr(lead, name, value)
    fields = [*values, "updated_at"]
    if "amount" in values:
        fields.append("amount_currency")  # django-money keeps the currency in a column of its own
    lead.save(update_fields=fields)
    if communications is not None:
        communications_set(record=lead, items=list(communications))
    changed = diff(before, snapshot(lead, HISTORY))
    if changed:
        audit_record(actor=actor, action="crm.lead.update", target=lead, changes=changed)
        timeline_fields_changed(
            actor=actor, record=lead, changes={k: v for k, v in changed.items() if k not in ("utm", "custom")}
        )
    recount_records(lead, also=[before_responsible])
    return lead


@transaction.atomic
def lead_delete(*, actor, lead: Lead) -> None:
    """Delete a lead. Activities, timeline entries and files it shares with the records it became (after a
    conversion) stay with them; only what was the lead's alone goes with it."""
    require_lead_right(actor, lead, Action.DELETE)
    for model in (Activity, TimelineEntry, CrmFile):
        shared = model.objects.filter(lead=lead).exclude(contact=None, company=None, deal=None)
        shared.update(lead=None)
    audit_record(
        actor=actor, action="crm.lead.delete", target=lead, changes=snapshot(lead, ["title", "status"])
    )
    recount_records(lead)
    lead.delete()


# --- statuses -----------------------------------------------------------------------------------------------

# Where a status may go by hand (converted: only through the conversion, and never back).
MOVES = {
    LeadStatus.NEW: {LeadStatus.IN_PROGRESS, LeadStatus.JUNK},
    LeadStatus.IN_PROGRESS: {LeadStatus.NEW, LeadStatus.JUNK},
    LeadStatus.JUNK: {LeadStatus.NEW, LeadStatus.IN_PROGRESS},
    LeadStatus.CONVERTED: set(),
}


@transaction.atomic
def lead_set_status(*, actor, lead: Lead, status: str, reason: str = "") -> Lead:
    """Move a lead to another status. Leaving "new" marks it taken in work; junk needs a reason; a converted
    lead keeps its status, and "converted" is reached only by converting."""
    require_lead_right(actor, lead, Action.EDIT)
    reason = (reason or "").strip()
    if status == lead.status and status != LeadStatus.JUNK:
        return lead
    if status == LeadStatus.CONVERTED:
        raise Invalid(fields={"status": [_("A lead becomes converted by converting it.")]})
    if status not in LeadStatus.values:
        raise Invalid(fields={"status": [_("Choose a status.")]})
    if lead.status == LeadStatus.CONVERTED:
        raise Invalid(fields={"status": [_("A converted lead keeps its status.")]})
    if status not in MOVES[LeadStatus(lead.status)] and status != lead.status:
        raise Invalid(fields={"status": [_("The lead cannot move to this status.")]})
    if status == LeadStatus.JUNK and not reason:
        raise Invalid(fields={"reason": [_("Say why the lead is junk.")]})
    if len(reason) > 300:
        raise Invalid(fields={"reason": [_("At most %(limit)s characters.") % {"limit": 300}]})
    before = snapshot(lead, ["status", "junk_reason"])
    old_label = lead.get_status_display()
    lead.status = status
    lead.junk_reason = reason if status == LeadStatus.JUNK else ""
    fields = ["status", "junk_reason", "updated_at"]
    if status != LeadStatus.NEW and lead.taken_at is None:
        lead.taken_at = timezone.now()
        fields.append("taken_at")
    lead.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="crm.lead.status",
        target=lead,
        changes=diff(before, snapshot(lead, ["status", "junk_reason"])),
    )
    timeline_add(
        kind=TimelineKind.FIELDS,
        actor=actor,
        records=[lead],
        text=lead.junk_reason,
        data={
            "changes": [
                [str(Lead._meta.get_field("status").verbose_name), old_label, lead.get_status_display()]
            ]
        },
    )
    recount_records(lead)
    return lead


def lead_take(*, actor, lead: Lead) -> Lead:
    """Take a new lead in work (status "in progress"); an unassigned lead becomes the actor's."""
    with transaction.atomic():
        if lead.responsible_id is None and actor is not None:
            lead_update(actor=actor, lead=lead, responsible=actor)
        return lead_set_status(actor=actor, lead=lead, status=LeadStatus.IN_PROGRESS)


def lead_junk(*, actor, lead: Lead, reason: str) -> Lead:
    """Mark a lead junk, saying why."""
    return lead_set_status(actor=actor, lead=lead, status=LeadStatus.JUNK, reason=reason)
