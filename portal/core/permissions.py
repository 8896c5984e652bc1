"""The permission choke point's shared vocabulary: who is an admin, how hidden objects answer."""

from __future__ import annotations

from portal.core.errors import NotFound


def is_portal_admin(user) -> bool:
    """Portal administrators run the company (and Django admin)."""
    return bool(user and user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def get_visible(queryset, **lookup):
    """Fetch one object from an already permission-filtered queryset.

    Hidden and missing both raise ``NotFound`` (404 at the edges), so that existence does not leak.
    """
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc
