"""Merging two records of the same kind (two contacts, two companies or two leads) into one.

`record_merge` keeps one record, takes each field's value from the side chosen for it, and moves every link of
the other one onto it before deleting it: communications (one of each normalised value), contact-company
links, the deals and leads pointing at it, activities, timeline entries, files and calls (a store's deals are
deals). Custom values are united. A "merged" timeline entry and an audit row tell the story afterwards.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotFound

from ..choices import Action, TimelineKind
from ..counters import recount_records
from ..models import (
    Activity,
    Call,
    Communication,
    Company,
    Contact,
    ContactCompany,
    CrmFile,
    Deal,
    Lead,
    TimelineEntry,
)
from .timeline import timeline_add

KEPT, MERGED = "kept", "merged"
CUSTOM_PREFIX = "custom."

# The fields a person chooses between, per kind of record, in the order the merge page shows them.
MERGE_FIELDS: dict[type, tuple[str, ...]] = {
    Contact: (
        "last_name",
        "first_name",
        "middle_name",
        "position",
        "birthday",
        "source",
        "responsible",
        "comment",
    ),
    Company: ("name", "kind", "industry", "employees", "tax_id", "source", "responsible", "comment"),
    Lead: (
        "title",
        "first_name",
        "last_name",
        "company_name",
        "position",
        "amount",
        "source",
        "source_detail",
        "responsible",
        "contact",
        "company",
        "comment",
    ),
}
# The link field other rows use to point at each kind of record.
OWNER_FIELD = {Contact: "contact", Company: "company", Lead: "lead"}


def _empty(value) -> bool:
    return value is None or value == "" or value == {} or value == []


def merge_value(kept, merged, field: str, choice: str | None) -> Any:
    """The value a field takes: the chosen side's, or (not chosen) the kept one's unless it is empty."""
    if field.startswith(CUSTOM_PREFIX):
        key = field[len(CUSTOM_PREFIX) :]
        mine, theirs = (kept.custom or {}).get(key), (merged.custom or {}).get(key)
    else:
        mine, theirs = getattr(kept, field), getattr(merged, field)
    if choice == MERGED:
        return theirs
    if choice == KEPT:
        return mine
    return theirs if _empty(mine) else mine


def _allowed_both(actor, model, kept, merged) -> None:
    ids = {kept.pk, merged.pk}
    for action in (Action.EDIT, Action.DELETE):
        if model.objects.allowed(actor, action).filter(pk__in=ids).count() != 2:
            raise NotFound()


def _move_communications(model, kept, merged) -> int:
    owner = OWNER_FIELD[model]
    have = set(Communication.objects.filter(**{owner: kept}).values_list("kind", "normalized"))
    moved, dropped = [], []
    for row in Communication.objects.filter(**{owner: merged}).order_by("sort", "id"):
        key = (row.kind, row.normalized or row.value)
        if (row.kind, row.normalized) in have or key in have:
            dropped.append(row.pk)
        else:
            have.add((row.kind, row.normalized))
            moved.append(row.pk)
    Communication.objects.filter(pk__in=dropped).delete()
    start = (Communication.objects.filter(**{owner: kept}).aggregate(top=Max("sort"))["top"] or 0) + 1
    for offset, pk in enumerate(moved):
        Communication.objects.filter(pk=pk).update(**{owner: kept, "sort": start + offset})
    return len(moved)


def _move_company_links(model, kept, merged) -> None:
    """Contact-company links of the merged record move to the kept one, unless it has that link already."""
    if model is Contact:
        mine, other = "contact", "company"
    elif model is Company:
        mine, other = "company", "contact"
    else:
        return
    linked = set(ContactCompany.objects.filter(**{mine: kept}).values_list(f"{other}_id", flat=True))
    has_primary = model is Contact and ContactCompany.objects.filter(contact=kept, is_primary=True).exists()
    ContactCompany.objects.filter(**{mine: merged, f"{other}_id__in": linked}).delete()
    moving = ContactCompany.objects.filter(**{mine: merged})
    if has_primary:
        moving.update(**{mine: kept, "is_primary": False})
    else:
        moving.update(**{mine: kept})


def _move_links(model, kept, merged) -> dict[str, int]:
    owner = OWNER_FIELD[model]
    counts = {}
    sources = [("activities", Activity), ("timeline", TimelineEntry), ("files", CrmFile), ("calls", Call)]
    if model in (Contact, Company):
        sources += [("deals", Deal), ("leads", Lead)]
    else:
        sources += [("deals", Deal)]
    for label, source in sources:
        counts[label] = source.objects.filter(**{owner: merged}).update(**{owner: kept})
    return counts


@transaction.atomic
def record_merge(*, actor, kept, merged, choices: dict[str, str] | None = None):
    """Merge `merged` into `kept` (two contacts, companies or leads): fields from the side `choices` names
    ({field or "custom.<key>": "kept" | "merged"}; a field not named keeps the kept value unless it is empty),
    every link moved, custom values united; `merged` is deleted. Needs the edit and the delete right on both
    (404 otherwise, as for a hidden record)."""
    model = type(kept)
    if model not in MERGE_FIELDS or type(merged) is not model:
        raise Invalid(_("Only two records of the same kind can be merged."))
    if kept.pk == merged.pk:
        raise Invalid(_("Choose another record to merge with."))
    _allowed_both(actor, model, kept, merged)
    choices = dict(choices or {})
    wrong = [v for v in choices.values() if v not in (KEPT, MERGED)]
    if wrong:
        raise Invalid(fields={"choices": [_("Choose one of the two values for each field.")]})
    # Lock both rows: a second merge of the same pair waits and then finds the merged one gone.
    locked = set(
        model.objects.select_for_update().filter(pk__in=[kept.pk, merged.pk]).values_list("pk", flat=True)
    )
    if len(locked) != 2:
        raise NotFound()

    responsible_before = [kept.responsible_id, merged.responsible_id]
    changes: dict[str, list] = {}
    for field in MERGE_FIELDS[model]:
        value = merge_value(kept, merged, field, choices.get(field))
        if value != getattr(kept, field):
            changes[field] = [str(getattr(kept, field) or ""), str(value or "")]
            setattr(kept, field, value)
    keys = dict.fromkeys([*(kept.custom or {}), *(merged.custom or {})])
    custom = {
        key: merge_value(kept, merged, CUSTOM_PREFIX + key, choices.get(CUSTOM_PREFIX + key)) for key in keys
    }
    if custom != (kept.custom or {}):
        changes["custom"] = [kept.custom, custom]
    kept.custom = custom
    latest = [t for t in (kept.last_activity_at, merged.last_activity_at) if t is not None]
    kept.last_activity_at = max(latest) if latest else None

    if model is Lead:
        # The merged lead goes, the kept one may change hands and gain activities: both people's counters.
        recount_records(kept, also=responsible_before)
    moved = {"communications": _move_communications(model, kept, merged)}
    _move_company_links(model, kept, merged)
    moved.update(_move_links(model, kept, merged))
    merged_label, merged_pk = str(merged), merged.pk
    merged.delete()
    kept.save()
    timeline_add(
        kind=TimelineKind.MERGED,
        actor=actor,
        records=[kept],
        text=merged_label,
        data={"merged": {"id": merged_pk, "label": merged_label}, "moved": moved},
    )
    audit_record(
        actor=actor,
        action=f"crm.{OWNER_FIELD[model]}.merged",
        target=kept,
        changes={**changes, "merged": [merged_pk, merged_label]},
    )
    return kept
