"""The picker's lookup sources of this app (portal/core/pickers.py): people, departments and "everyone".

Each searches and resolves only what the user may see (`visible_to`), in one query.
"""

from __future__ import annotations

from django.utils.translation import gettext

from portal.core.pickers import LookupItem, int_values

from .models import Department, User


def _person_item(person) -> LookupItem:
    hint = " · ".join(p for p in (person.position, getattr(person.department, "name", "")) if p)
    return LookupItem("people", str(person.pk), person.full_name or person.email, hint or person.email)


def people_search(*, user, query: str, limit: int) -> list[LookupItem]:
    """Active colleagues by name or e-mail (two characters at least)."""
    from .selectors import people_pick

    return [_person_item(person) for person in people_pick(user=user, query=query, limit=limit)]


def people_resolve(*, user, values) -> list[LookupItem]:
    ids = int_values(values)
    if not ids:
        return []
    found = {
        person.pk: person
        for person in User.objects.visible_to(user).filter(pk__in=ids).select_related("department")
    }
    return [_person_item(found[pk]) for pk in ids if pk in found]


def _department_item(department) -> LookupItem:
    return LookupItem("departments", str(department.pk), department.name, gettext("with its sub-departments"))


def departments_search(*, user, query: str, limit: int) -> list[LookupItem]:
    query = (query or "").strip()
    if not query:
        return []
    qs = Department.objects.visible_to(user).filter(name__icontains=query).order_by("path")
    return [_department_item(d) for d in qs.only("id", "name", "path")[:limit]]


def departments_resolve(*, user, values) -> list[LookupItem]:
    ids = int_values(values)
    if not ids:
        return []
    found = {
        d.pk: d for d in Department.objects.visible_to(user).filter(pk__in=ids).only("id", "name", "path")
    }
    return [_department_item(found[pk]) for pk in ids if pk in found]


def _everyone_item() -> LookupItem:
    return LookupItem("everyone", "1", gettext("Everyone in the company"), gettext("all active colleagues"))


def everyone_search(*, user, query: str, limit: int) -> list[LookupItem]:
    """Offered with no words typed, or when the words start the label ("every", "all", "company")."""
    item = _everyone_item()
    words = (query or "").casefold().split()
    text = f"{item.label} {item.hint} everyone all".casefold().split()
    if all(any(part.startswith(word) for part in text) for word in words):
        return [item]
    return []


def everyone_resolve(*, user, values) -> list[LookupItem]:
    truthy = [v for v in values if str(v).casefold() not in ("", "0", "false", "off")]
    return [_everyone_item()] if truthy else []
