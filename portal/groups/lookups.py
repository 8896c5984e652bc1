"""The picker's lookup source of this app (portal/core/pickers.py): workgroups and projects the user may
see, in one query."""

from __future__ import annotations

from django.utils.translation import ngettext

from portal.core.pickers import LookupItem, int_values

from .models import Workgroup


def _group_item(group) -> LookupItem:
    members = ngettext("%(count)d member", "%(count)d members", group.members_count) % {
        "count": group.members_count
    }
    return LookupItem("groups", str(group.pk), group.name, f"{group.get_kind_display()} · {members}")


def groups_search(*, user, query: str, limit: int) -> list[LookupItem]:
    from portal.core.search import match_names

    if not (query or "").strip():
        return []
    qs = match_names(Workgroup.objects.visible_to(user), query, ["name", "description"])
    return [_group_item(g) for g in qs.only("id", "name", "kind", "members_count")[:limit]]


def groups_resolve(*, user, values) -> list[LookupItem]:
    ids = int_values(values)
    if not ids:
        return []
    qs = Workgroup.objects.visible_to(user).filter(pk__in=ids).only("id", "name", "kind", "members_count")
    found = {g.pk: g for g in qs}
    return [_group_item(found[pk]) for pk in ids if pk in found]
