"""The picker's lookup source of this app (portal/core/pickers.py): "my people", the people the user controls
(the whole sub-tree a head heads; HR and admins: every active colleague but themselves), for the pickers of
the control pages (the touch check's "whose item").

Both functions start from `selectors.control_people`, so nobody outside the user's control is offered or
named; with no words typed the first people by name are offered (a head's team is short).
"""

from __future__ import annotations

from portal.core.pickers import LookupItem, int_values

from . import selectors


def _person_item(person) -> LookupItem:
    department = person.department.name if person.department_id else ""
    hint = " · ".join(part for part in (person.position, department) if part)
    return LookupItem("my_people", str(person.pk), person.full_name or person.email, hint or person.email)


def _people(user):
    return selectors.control_people(user=user, subtree=True).select_related("department")


def my_people_search(*, user, query: str, limit: int) -> list[LookupItem]:
    from portal.core.search import match_names

    query = (query or "").strip()
    people = _people(user)
    if query:
        people = match_names(people, query, ["first_name", "last_name", "email"])
    else:
        people = people.order_by("last_name", "first_name", "id")
    return [_person_item(person) for person in people[:limit]]


def my_people_resolve(*, user, values) -> list[LookupItem]:
    ids = int_values(values)
    if not ids:
        return []
    found = {person.pk: person for person in _people(user).filter(pk__in=ids)}
    return [_person_item(found[pk]) for pk in ids if pk in found]
