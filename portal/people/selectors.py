"""Reads of the company, its structure and its people; everything here is already permission-filtered.

Supervision derives from the department tree, never from a stored "manager" field, so that moving a
person or a department changes who supervises whom at once:

* the supervisor of a person is the head of their department; when the department has no head, or the
  person heads it themselves, it is the head of the nearest department above that has one;
* the subordinates of a head are the people of the sub-tree of the department they head.
"""

from __future__ import annotations

import copy
import datetime
import time

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from portal.core.permissions import get_visible, is_portal_admin

from .models import ApiToken, Company, Department, Invitation, User

COMPANY_KEY = "people:company"


# The company as this process last read it, for COMPANY_LOCAL_SECONDS: every request asked the cache twice
# (the first-run check and the layout's portal name), two network round trips for a row that changes once a
# year. A change made in this process is seen at once; one made in another worker within the seconds.
COMPANY_LOCAL_SECONDS = 10.0
_company_local: tuple[float, Company] | None = None


def company_get() -> Company | None:
    """The registered company, or None before the portal is registered.

    Every page shows it, so it is kept in the cache, and for a few seconds in the process (a registered
    company only: the first registration is seen by every worker at once); `company_changed` (connected to
    its save and delete in `PeopleConfig.ready`) forgets both. Each caller gets its own copy."""
    global _company_local
    now = time.monotonic()
    local = _company_local
    if local is not None and now - local[0] < COMPANY_LOCAL_SECONDS:
        return copy.copy(local[1])
    cached = cache.get(COMPANY_KEY)
    if cached is None:
        cached = (Company.objects.order_by("id").first(),)
        cache.set(COMPANY_KEY, cached, DAILY_SECONDS)
    if cached[0] is not None:
        _company_local = (now, copy.copy(cached[0]))
    return cached[0]


def company_changed(**kwargs) -> None:
    global _company_local
    _company_local = None
    cache.delete(COMPANY_KEY)


def department_root() -> Department | None:
    return Department.get_root_nodes().first()


def headed_department(user) -> Department | None:
    """The department `user` heads, if any."""
    if not (user and getattr(user, "pk", None)):
        return None
    return Department.objects.filter(head_id=user.pk).first()


def is_supervisor(user) -> bool:
    """Whether `user` heads a department (and so supervises its people)."""
    if not (user and user.is_authenticated):
        return False
    return Department.objects.filter(head_id=user.pk).exists()


def _ancestor_paths(path: str) -> list[str]:
    step = Department.steplen
    return [path[:i] for i in range(step, len(path) + 1, step)]


def supervisor_of(user) -> User | None:
    """The person's supervisor (see the module docstring), or None for the head of the company."""
    if user is None or not user.department_id:
        return None
    department = Department.objects.only("path").get(pk=user.department_id)
    chain = (
        Department.objects.filter(path__in=_ancestor_paths(department.path), head__isnull=False)
        .exclude(head_id=user.pk)
        .filter(head__is_active=True)
        .select_related("head")
        .order_by("-depth")
    )
    first = chain.first()
    return first.head if first else None


def _effective_heads(departments: list[Department]) -> dict[int, int | None]:
    """For each department of a sub-tree (ordered by path, root of the sub-tree first): the id of the
    head of the nearest department at or above it that has an active head (inside the sub-tree)."""
    by_path: dict[str, Department] = {}
    result: dict[int, int | None] = {}
    step = Department.steplen
    for dept in departments:
        by_path[dept.path] = dept
        if dept.head_id and dept.head_active:
            result[dept.pk] = dept.head_id
        else:
            parent = by_path.get(dept.path[:-step])
            result[dept.pk] = result.get(parent.pk) if parent else None
    return result


def subordinates_of(user, *, recursive: bool = False) -> QuerySet[User]:
    """People `user` supervises: directly (whose supervisor is `user`), or the whole sub-tree.

    Two queries whatever the size of the tree: the departments of the sub-tree, then the people.
    """
    headed = headed_department(user)
    if headed is None:
        return User.objects.none()
    base = User.objects.filter(is_active=True).exclude(pk=user.pk)
    if recursive:
        return base.filter(department__path__startswith=headed.path)
    subtree = list(
        Department.objects.filter(path__startswith=headed.path)
        .annotate(head_active=Q(head__is_active=True))
        .only("id", "path", "head_id")
        .order_by("path")
    )
    effective = _effective_heads(subtree)
    parent_of = {}
    by_path = {d.path: d for d in subtree}
    step = Department.steplen
    for dept in subtree:
        parent = by_path.get(dept.path[:-step])
        parent_of[dept.pk] = parent.pk if parent else None
    # Ordinary members of departments whose effective head is `user`...
    member_depts = [pk for pk, head in effective.items() if head == user.pk]
    # ...and the heads of departments whose parent's effective head is `user`.
    heads = [
        d.head_id
        for d in subtree
        if d.head_id and d.pk != headed.pk and effective.get(parent_of.get(d.pk)) == user.pk
    ]
    all_heads = [d.head_id for d in subtree if d.head_id]
    return base.filter((Q(department_id__in=member_depts) & ~Q(pk__in=all_heads)) | Q(pk__in=heads))


def supervises(supervisor, person) -> bool:
    """Whether `person` belongs to the sub-tree `supervisor` heads (directly or further down)."""
    if supervisor is None or person is None or supervisor.pk == person.pk:
        return False
    return subordinates_of(supervisor, recursive=True).filter(pk=person.pk).exists()


# --- People -----------------------------------------------------------------------------------------


def person_list(*, user, filters: dict | None = None) -> QuerySet[User]:
    """The directory: people `user` may see, filtered by the directory's FilterSet."""
    from .filters import PersonFilterSet

    qs = User.objects.visible_to(user).select_related("department")
    if filters is not None:
        qs = PersonFilterSet(filters, queryset=qs).qs
    return qs


def person_get(*, user, pk) -> User:
    return get_visible(User.objects.visible_to(user).select_related("department"), pk=pk)


# --- Per-day lists of the whole company ---------------------------------------------------------------
# Birthdays and anniversaries are the same for every employee (everybody sees every active colleague), so
# they are computed once a day and kept in the cache under a version that any change of a person moves
# (`people_changed`, connected to the person's save and delete in `PeopleConfig.ready`).

PEOPLE_VERSION_KEY = "people:version"
DAILY_SECONDS = 3600  # a ceiling, in case a change slipped past the version (an update() in bulk)


# Fields whose change shows in no per-day list: a sign-in saves `last_login`, and a morning of sign-ins
# would otherwise throw the lists away (and have them recomputed) every few requests.
NOT_LISTED_FIELDS = frozenset({"last_login", "password", "auth_generation"})


def people_changed(update_fields=None, **kwargs) -> None:
    """Something about a person changed: every per-day list of people is recomputed on its next read."""
    if update_fields and set(update_fields) <= NOT_LISTED_FIELDS:
        return
    try:
        cache.incr(PEOPLE_VERSION_KEY)
    except ValueError:
        cache.set(PEOPLE_VERSION_KEY, 1, None)


def people_daily(name: str, compute):
    """`compute()` once per day and per version of the people, from the cache afterwards."""
    version = cache.get(PEOPLE_VERSION_KEY) or 0
    key = f"people:daily:{name}:{timezone.localdate().isoformat()}:{version}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, DAILY_SECONDS)
    return value


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def birthdays_upcoming(*, user, days: int = 7) -> list[User]:
    """Colleagues whose birthday falls within the next `days` days (today first).

    One indexed query a day (the (month, day) expression index of the birthday), then the cache.
    """
    if not _active(user):
        return []
    return people_daily(f"birthdays:{days}", lambda: _birthdays_upcoming(days))


def _birthdays_upcoming(days: int) -> list[User]:
    today = timezone.localdate()
    dates = [today + datetime.timedelta(days=i) for i in range(days)]
    condition = Q()
    for d in dates:
        condition |= Q(birthday__month=d.month, birthday__day=d.day)
    people = list(User.objects.filter(is_active=True, birthday__isnull=False).filter(condition))
    order = {(d.month, d.day): i for i, d in enumerate(dates)}
    people.sort(key=lambda p: (order[(p.birthday.month, p.birthday.day)], p.last_name, p.first_name))
    return people


def people_recently_joined(*, user, days: int = 30) -> QuerySet[User]:
    since = timezone.now() - datetime.timedelta(days=days)
    return (
        User.objects.visible_to(user)
        .filter(is_active=True, date_joined__gte=since)
        .exclude(pk=getattr(user, "pk", None))
        .select_related("department")
        .order_by("-date_joined", "-id")
    )


# --- Departments ------------------------------------------------------------------------------------


def department_list(*, user) -> QuerySet[Department]:
    return Department.objects.visible_to(user).select_related("head")


def department_get(*, user, pk) -> Department:
    return get_visible(Department.objects.visible_to(user).select_related("head"), pk=pk)


def department_members(*, user, department: Department) -> QuerySet[User]:
    """The people of one department (not of its sub-departments) that `user` may see, heads first."""
    from django.db.models import Case, IntegerField, Value, When

    is_head = Case(
        When(pk=department.head_id or 0, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        User.objects.visible_to(user)
        .filter(department=department)
        .select_related("department")
        .order_by(is_head, "last_name", "first_name", "id")
    )


def department_tree(*, user) -> list[dict]:
    """The whole tree as nested dicts {department, children, total} with head counts of sub-trees.

    One query for the departments (with heads); totals are summed in Python from the stored counters.
    """
    departments = list(department_list(user=user).order_by("path"))
    step = Department.steplen
    nodes: dict[str, dict] = {}
    roots: list[dict] = []
    for dept in departments:
        node = {"department": dept, "children": [], "total": dept.members_count}
        nodes[dept.path] = node
        parent = nodes.get(dept.path[:-step])
        if parent is None:
            roots.append(node)
        else:
            parent["children"].append(node)

    def total(node: dict) -> int:
        node["total"] = node["department"].members_count + sum(total(c) for c in node["children"])
        return node["total"]

    for root in roots:
        total(root)
    return roots


def department_choices(*, user) -> list[tuple[int, str]]:
    """(id, indented name) for select boxes, in tree order."""
    return [(d.pk, "— " * (d.depth - 1) + d.name) for d in department_list(user=user).order_by("path")]


def departments_managed_by(user) -> QuerySet[Department]:
    """Departments `user` may manage and invite into: all for admins, their own sub-tree for a head."""
    if is_portal_admin(user):
        return Department.objects.all()
    headed = headed_department(user)
    if headed is None:
        return Department.objects.none()
    return Department.objects.filter(path__startswith=headed.path)


def head_candidates(*, user) -> QuerySet[User]:
    """Active people `user` may make a head: those of the departments they manage (admins: everyone)."""
    qs = User.objects.visible_to(user).filter(is_active=True)
    if not is_portal_admin(user):
        qs = qs.filter(department__in=departments_managed_by(user))
    return qs.order_by("last_name", "first_name", "id")


# --- Invitations ------------------------------------------------------------------------------------


def invitation_list(*, user, filters: dict | None = None) -> QuerySet[Invitation]:
    from .filters import InvitationFilterSet

    qs = Invitation.objects.visible_to(user).select_related("department", "invited_by", "accepted_user")
    if filters is not None:
        qs = InvitationFilterSet(filters, queryset=qs).qs
    return qs


def invitation_get(*, user, pk) -> Invitation:
    return get_visible(invitation_list(user=user), pk=pk)


def department_head_counts() -> dict[int, int]:
    """Active people per department, counted (used by the nightly counter rebuild and its test)."""
    rows = User.objects.filter(is_active=True, department__isnull=False).values("department_id")
    return {r["department_id"]: r["n"] for r in rows.annotate(n=Count("id"))}


# --- Signing in -------------------------------------------------------------------------------------


def auth_hashes(user) -> list[str]:
    """The session auth hashes `user` has now: with the portal's key and with each of its fallback keys."""
    return [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]


def api_token_works(token: ApiToken) -> bool:
    """Whether `token` still lets its owner in: not expired, the owner active, and made since the owner's last
    password change or sign-out everywhere."""
    user = token.user
    return (
        not token.is_expired
        and user.is_active
        and any(constant_time_compare(token.auth_hash, h) for h in auth_hashes(user))
    )


def api_token_for_key(key: str) -> ApiToken | None:
    """The token a key stands for, with its owner (for API authentication), or None."""
    if not key:
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=ApiToken.digest(key)).first()


def api_token_list(*, user) -> QuerySet[ApiToken]:
    """The caller's own API tokens that still work, newest first."""
    if not (user and user.is_authenticated and user.is_active):
        return ApiToken.objects.none()
    return ApiToken.objects.visible_to(user).live().filter(auth_hash__in=auth_hashes(user))


def api_token_get(*, user, pk) -> ApiToken:
    """One of the caller's own tokens (working or not); somebody else's answers 404 like a missing one."""
    return get_visible(ApiToken.objects.visible_to(user), pk=pk)


def people_pick(*, user, query: str, limit: int = 8):
    """Active colleagues `user` may see, by name or e-mail, for the person pickers and mentions (at least two
    characters, else nobody)."""
    from portal.core.search import match_names

    query = (query or "").strip()
    if len(query) < 2:
        return User.objects.none()
    qs = User.objects.visible_to(user).filter(is_active=True).select_related("department")
    return match_names(qs, query, ["first_name", "last_name", "email"])[:limit]
