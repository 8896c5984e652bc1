"""Reading process roles: the admin pages' list and one role (portal admins only: others get NotFound, so
the pages answer 404), the choices of the route editor, and which routes name a role."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Prefetch, Q, QuerySet

from portal.core.errors import NotFound
from portal.core.permissions import get_visible, is_portal_admin

from ..choices import ApproverRule, ProcessStatus
from ..models import Process, ProcessRole, TemplateVersion

IN_PROGRESS = (ProcessStatus.RUNNING, ProcessStatus.RETURNED)


def _require_admin(user) -> None:
    if not is_portal_admin(user):
        raise NotFound()


def role_list(*, user) -> QuerySet[ProcessRole]:
    """Every role with its number of holders and the holders themselves (two queries)."""
    _require_admin(user)
    members = get_user_model().objects.only("id", "first_name", "last_name", "email", "is_active")
    return (
        ProcessRole.objects.annotate(member_count=Count("members"))
        .prefetch_related(Prefetch("members", queryset=members.order_by("last_name", "first_name", "id")))
        .order_by("name", "id")
    )


def role_get(*, user, pk) -> ProcessRole:
    _require_admin(user)
    return get_visible(ProcessRole.objects.all(), pk=pk)


def role_choices() -> list[tuple[str, str]]:
    """(code, name) of every role, for the route editor's select."""
    return list(ProcessRole.objects.order_by("name", "id").values_list("key", "name"))


def _route_versions() -> QuerySet[TemplateVersion]:
    """The versions whose routes still matter: each template's current one, and those of processes in
    progress (a step is resolved when it starts, from the process's own version)."""
    in_progress = Process.objects.filter(status__in=IN_PROGRESS).values("version_id")
    return (
        TemplateVersion.objects.filter(Q(template__current_version=F("pk")) | Q(pk__in=in_progress))
        .select_related("template")
        .only("steps", "number", "template__name")
    )


def _role_keys(steps) -> set[str]:
    keys = set()
    for step in steps or []:
        rule = step.get("rule") if isinstance(step, dict) else None
        if isinstance(rule, dict) and rule.get("kind") == ApproverRule.ROLE and rule.get("role"):
            keys.add(str(rule["role"]))
    return keys


def routes_by_role() -> dict[str, list[str]]:
    """{role code: names of the templates whose route names it} over the routes that matter (one query)."""
    found: dict[str, set[str]] = {}
    for version in _route_versions():
        for key in _role_keys(version.steps):
            found.setdefault(key, set()).add(version.template.name)
    return {key: sorted(names) for key, names in found.items()}


def routes_naming(key: str) -> list[str]:
    """The names of the templates whose current route, or the route of one of their processes in progress,
    names the role `key`."""
    return routes_by_role().get(key, [])
