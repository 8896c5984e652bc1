"""Companies: create, change and delete them (the rights, responsible person, communications, audit and
timeline rules of `crm.services.contacts` apply alike)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid

from ..choices import Action, Entity, LeadSource, TimelineKind
from ..models import Company, CompanyKind
from .communications import communications_set
from .contacts import check_responsible, clean_custom, require_add, require_right
from .timeline import timeline_add, timeline_fields_changed

UPDATE_FIELDS = frozenset(
    ("name", "kind", "industry", "employees", "tax_id", "source", "responsible", "comment", "custom")
)


def _clean(fields: dict) -> None:
    errors = {}
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            errors["name"] = [_("Enter the company's name.")]
    if "kind" in fields and fields["kind"] not in CompanyKind.values:
        errors["kind"] = [_("Unknown kind of company.")]
    if "source" in fields and fields["source"] not in LeadSource.values:
        errors["source"] = [_("Unknown source.")]
    if fields.get("employees") is not None and fields["employees"] < 0:
        errors["employees"] = [_("Enter zero or more.")]
    for name in ("industry", "tax_id"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    if "custom" in fields:
        fields["custom"] = clean_custom(fields["custom"])
    if errors:
        raise Invalid(fields=errors)


@transaction.atomic
def company_create(
    *,
    actor,
    name: str,
    kind: str = CompanyKind.CLIENT,
    industry: str = "",
    employees: int | None = None,
    tax_id: str = "",
    source: str = LeadSource.MANUAL,
    responsible=None,
    comment: str = "",
    custom: dict | None = None,
    communications: Sequence[dict] = (),
) -> Company:
    """Create a company (responsible: the actor unless someone in reach is named) with its communications.
    `actor=None` is the portal itself (intake): no rights apply, and the responsible person stays as given."""
    require_add(actor, Entity.COMPANY)
    fields = {
        "name": name,
        "kind": kind,
        "industry": industry,
        "employees": employees,
        "tax_id": tax_id,
        "source": source,
        "custom": custom,
    }
    _clean(fields)
    responsible = responsible or actor
    check_responsible(actor, Entity.COMPANY, Action.ADD, responsible)
    company = Company.objects.create(**fields, responsible=responsible, created_by=actor, comment=comment)
    communications_set(record=company, items=list(communications))
    audit_record(actor=actor, action="crm.company.created", target=company)
    timeline_add(kind=TimelineKind.CREATED, actor=actor, records=[company])
    return company


@transaction.atomic
def company_update(
    *, actor, company: Company, communications: Sequence[dict] | None = None, **fields: Any
) -> Company:
    """Change a company's fields (those given) and its communications (when given); the edit right on it."""
    unknown = sorted(set(fields) - UPDATE_FIELDS)
    if unknown:
        raise TypeError(f"company_update() got unexpected fields: {', '.join(unknown)}")
    require_right(actor, company, Action.EDIT)
    _clean(fields)
    if "responsible" in fields and getattr(fields["responsible"], "pk", None) != company.responsible_id:
        check_responsible(actor, Entity.COMPANY, Action.EDIT, fields["responsible"])
    before = snapshot(company, list(fields))
    for name, value in fields.items():
        setattr(company, name, value)
    changes = diff(before, snapshot(company, list(fields)))
    if changes:
        company.save(update_fields=[*changes, "updated_at"])
        audit_record(actor=actor, action="crm.company.updated", target=company, changes=changes)
        timeline_fields_changed(actor=actor, record=company, changes=changes)
    if communications is not None:
        communications_set(record=company, items=list(communications))
    return company


@transaction.atomic
def company_delete(*, actor, company: Company) -> None:
    """Delete a company (the delete right on it). Its contacts, deals and leads stay, without the company."""
    require_right(actor, company, Action.DELETE)
    audit_record(actor=actor, action="crm.company.deleted", target=company)
    company.delete()
