"""The CRM's counters: the compute functions, the recount the CRM services call, and the beat's sweep.

Each compute is `compute(user_ids) -> {user_id: n}` from live data, grouped by person in the database, in a
constant number of queries whatever the number of ids. Records count only for people whose CRM roles let them
view that kind of record (one query per counter: `_viewers`); a responsible person's own records are within
reach of any view level, so nothing else is needed. Activities are always visible to their responsible person.

- `crm.leads_no_activity`: my open leads (new or in progress) without any activity;
- `crm.activities_overdue`: my open activities past their deadline;
- `crm.deals_idle`: my open deals whose last activity (or, without one, their creation) is older than their
  pipeline's `idle_days`;
- `crm.leads_untaken`: new leads of mine nobody took in work within `CrmSettings.lead_take_minutes`.

Services call `recount_for(user_ids)` in their transaction (the recount runs after commit); the time-based
ones also change by the clock alone, which `counters_sweep` catches every few minutes (beat, `crm/jobs.py`).
The nightly rebuild of every counter runs these same functions, so both paths agree.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Cast
from django.db.models.lookups import StartsWith
from django.utils import timezone

from portal.core.visibility import any_of

from .choices import Action, Entity, LeadStatus, Level, StageKind

LEADS_NO_ACTIVITY = "crm.leads_no_activity"
ACTIVITIES_OVERDUE = "crm.activities_overdue"
DEALS_IDLE = "crm.deals_idle"
LEADS_UNTAKEN = "crm.leads_untaken"
KEYS = [LEADS_NO_ACTIVITY, ACTIVITIES_OVERDUE, DEALS_IDLE, LEADS_UNTAKEN]
# The counters the clock alone changes (the sweep recounts them).
TIMED_KEYS = [ACTIVITIES_OVERDUE, DEALS_IDLE, LEADS_UNTAKEN]
OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.IN_PROGRESS)

DAY = datetime.timedelta(days=1)
SWEEP_INTERVAL = datetime.timedelta(minutes=5)
SWEEP_MARGIN = datetime.timedelta(minutes=5)
SWEEP_LAST_KEY = "lumen:crm:counters-sweep:last"


def _count_by(qs: QuerySet, field: str = "responsible_id") -> dict[int, int]:
    return dict(qs.order_by().values(field).annotate(n=Count("id")).values_list(field, "n"))


def _viewers(user_ids: list[int], entity: str) -> list[int]:
    """The people among `user_ids` whose CRM roles let them view some `entity` records (portal admins and
    CRM administrators included): `crm.rights.levels` for many people at once, in one query."""
    from django.contrib.auth import get_user_model

    from .models import CrmRole

    holds = Q(permissions__entity=entity, permissions__action=Action.VIEW, permissions__level__gt=Level.NONE)
    # A role reaches a person when it is given to everybody, to them, to their department, or to a department
    # above theirs with its sub-departments (the department's path is a prefix of theirs).
    reaches = (
        Q(is_default=True)
        | Q(assignments__user=OuterRef("pk"))
        | Q(assignments__department=OuterRef("department_id"))
        | Q(
            StartsWith(Cast(OuterRef("department__path"), CharField()), F("assignments__department__path")),
            assignments__include_subdepartments=True,
        )
    )
    roles = CrmRole.objects.filter(reaches, Q(is_admin=True) | holds)
    people = get_user_model().objects.filter(pk__in=user_ids, is_active=True)
    return list(
        people.filter(Q(is_staff=True) | Q(is_superuser=True) | Exists(roles)).values_list("pk", flat=True)
    )


def leads_no_activity(user_ids: list[int]) -> dict[int, int]:
    from .models import Activity, Lead

    people = _viewers(list(user_ids), Entity.LEAD)
    if not people:
        return {}
    qs = Lead.objects.filter(responsible_id__in=people, status__in=OPEN_LEAD_STATUSES).filter(
        ~Exists(Activity.objects.filter(lead_id=OuterRef("pk")))
    )
    return _count_by(qs)


def activities_overdue(user_ids: list[int], *, now: datetime.datetime | None = None) -> dict[int, int]:
    from .models import Activity

    qs = Activity.objects.filter(
        responsible_id__in=list(user_ids), is_done=False, deadline__lt=now or timezone.now()
    )
    return _count_by(qs)


def idle_q(now: datetime.datetime | None = None, *, since: datetime.datetime | None = None) -> Q:
    """Open deals without an activity for longer than their pipeline's `idle_days` at `now` (a deal never worked
    on counts from its creation); with `since`, only those that were not idle yet at `since` (the sweep's window).
    One short query for the pipelines, then one indexed filter on the deals (the same on PostgreSQL and SQLite:
    no interval arithmetic in SQL). The deal list's `idle=1` filter and the counter share it."""
    from .models import Pipeline

    now = now or timezone.now()
    rules = []
    for pipeline_id, days in Pipeline.objects.values_list("pk", "idle_days"):
        cutoff = now - datetime.timedelta(days=days)
        quiet = Q(last_activity_at__lt=cutoff) | Q(last_activity_at__isnull=True, created_at__lt=cutoff)
        if since is not None:
            earlier = since - datetime.timedelta(days=days)
            quiet &= Q(last_activity_at__gte=earlier) | Q(
                last_activity_at__isnull=True, created_at__gte=earlier
            )
        rules.append(Q(pipeline_id=pipeline_id) & quiet)
    return Q(stage_kind=StageKind.OPEN) & any_of(*rules)


def idle_deals(now: datetime.datetime | None = None) -> QuerySet:
    """Open deals idle at `now` (all of them: callers filter by person or visibility)."""
    from .models import Deal

    return Deal.objects.filter(idle_q(now))


def deals_idle(user_ids: list[int], *, now: datetime.datetime | None = None) -> dict[int, int]:
    people = _viewers(list(user_ids), Entity.DEAL)
    if not people:
        return {}
    return _count_by(idle_deals(now).filter(responsible_id__in=people))


def untaken_leads(now: datetime.datetime | None = None, *, minutes: int | None = None) -> QuerySet:
    """New leads nobody took in work within `CrmSettings.lead_take_minutes` of their arrival."""
    from .models import CrmSettings, Lead

    if minutes is None:
        minutes = CrmSettings.current().lead_take_minutes
    deadline = (now or timezone.now()) - datetime.timedelta(minutes=minutes)
    return Lead.objects.filter(status=LeadStatus.NEW, taken_at__isnull=True, created_at__lt=deadline)


def leads_untaken(user_ids: list[int], *, now: datetime.datetime | None = None) -> dict[int, int]:
    people = _viewers(list(user_ids), Entity.LEAD)
    if not people:
        return {}
    return _count_by(untaken_leads(now).filter(responsible_id__in=people))


COMPUTE = {
    LEADS_NO_ACTIVITY: leads_no_activity,
    ACTIVITIES_OVERDUE: activities_overdue,
    DEALS_IDLE: deals_idle,
    LEADS_UNTAKEN: leads_untaken,
}


def recount_for(user_ids: Iterable, keys: Iterable[str] | None = None) -> None:
    """Recount the CRM counters (all four, or `keys`) of these people once the transaction commits.

    For the CRM services: call it with the responsible people before and after a change of a lead, a deal
    or an activity (created, done, moved, reassigned, deleted); ids or users, None is skipped."""
    from portal.notifications.counters import counters_recount

    counters_recount([u for u in user_ids if u is not None], list(keys) if keys is not None else KEYS)


def counters_sweep(*, now: datetime.datetime | None = None) -> int:
    """Beat's work: recount the people whose activity deadlines, idle deals or untaken leads crossed "now"
    since the last sweep (kept in the cache; without it, one interval plus a margin back). Recounting someone
    twice is harmless. Returns how many people."""
    from django.db import transaction

    from .models import Activity, CrmSettings, Deal, Lead

    now = now or timezone.now()
    window = now - SWEEP_INTERVAL - SWEEP_MARGIN
    last = cache.get(SWEEP_LAST_KEY)
    since = min(last, window) if isinstance(last, datetime.datetime) and last <= now else window
    people: dict[str, set[int]] = {}
    overdue = Activity.objects.filter(is_done=False, deadline__gte=since, deadline__lt=now)
    people[ACTIVITIES_OVERDUE] = set(overdue.order_by().values_list("responsible_id", flat=True).distinct())
    idle = Deal.objects.filter(idle_q(now, since=since))
    people[DEALS_IDLE] = set(idle.order_by().values_list("responsible_id", flat=True).distinct())
    take = datetime.timedelta(minutes=CrmSettings.current().lead_take_minutes)
    untaken = Lead.objects.filter(
        status=LeadStatus.NEW, taken_at__isnull=True, created_at__gte=since - take, created_at__lt=now - take
    )
    people[LEADS_UNTAKEN] = set(untaken.order_by().values_list("responsible_id", flat=True).distinct())
    everyone: set[int] = set()
    for key, ids in people.items():
        ids.discard(None)
        if ids:
            recount_for(ids, [key])
            everyone |= ids
    transaction.on_commit(lambda: cache.set(SWEEP_LAST_KEY, now, timeout=None))
    return len(everyone)


def recount_records(*objects, also: Iterable = ()) -> None:
    """Recount, after commit, the counters of the people responsible for these leads, deals or activities (an
    activity: its responsible person and those of the records it is on), and of `also` (whoever was responsible
    before a change)."""
    from .models import Activity

    people = set(also)
    for obj in objects:
        if obj is None:
            continue
        people.add(obj.responsible_id)
        if isinstance(obj, Activity):
            people.update(record.responsible_id for record in obj.records)
    recount_for(sorted(person for person in people if person is not None))
