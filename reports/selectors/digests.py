"""Reports: control digests. What a digest holds (computed here, stored by `services.digest_build`), who is
due one, and the reads of the digest pages.

A supervisor's digest (kind "supervisor") covers the people of the sub-tree they head: the missing and
negative reports of the previous working day (yesterday; on a Monday, Friday), late or missing workday starts
of that day and of today so far, days left open or
closed automatically and waiting for confirmation, day corrections waiting, reports waiting for a rating,
overdue tasks and tasks awaiting control, the stored counters other apps register for the dashboard or the
digest (per person), and the recipient's own waiting items (approvals, when an app registers them). A
personal digest (kind "personal", for people who switch it on) holds their overdue tasks and their unsent
report.

Building one costs a CONSTANT number of queries whatever the number of people: every read below takes the
whole list of ids at once. The stored `data` is plain JSON (ids, names, dates, relative links); titles and
labels are translated when the digest is shown (`digest_display.digest_sections`), in the reader's
language.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from portal.core.permissions import get_visible
from portal.core.registry import DigestCounter, registry

from ..choices import CorrectionStatus, DayState, DigestKind
from ..models import DayCorrection, Digest, DigestPreference, WorkDay
from .workday import calendar_scope

__all__ = [
    "DEFAULT_DIGEST_TIME",
    "DIGEST_DATA_VERSION",
    "DIGEST_LIST_LIMIT",
    "DIGEST_TOP_TASKS",
    "DigestCounter",
    "DigestDue",
    "digest_counters",
    "digest_get",
    "digest_list",
    "digest_personal_data",
    "digest_preference_for",
    "digest_supervisor_data",
    "digests_due",
    "latest_digest",
    "previous_working_day",
    "register_digest_counter",
    "unregister_digest_counter",
]

DIGEST_DATA_VERSION = 1
DEFAULT_DIGEST_TIME = datetime.time(9, 0)
DIGEST_LIST_LIMIT = 25  # people listed per section; the rest is "and N more" with a link to the full list
DIGEST_TOP_TASKS = 10  # tasks listed per task section (the tasks app keeps the same number for its sections)
_UTC = datetime.UTC


# --- counters other apps register --------------------------------------------------------------------


def register_digest_counter(key: str, *, label=None, scope: str = "people", order: int = 100) -> None:
    """Let the digest report a stored counter (call it from an AppConfig.ready()): a `DigestCounter` in
    `registry.digest_counters`. Registering a key again replaces it. Without a label, the counter
    registry's label is used.

    scope "people": summed over the supervisor's people, listed per person (CRM activities overdue...);
    scope "recipient": the recipient's own value (approvals waiting for me...)."""
    if scope not in ("people", "recipient"):
        raise ValueError(f"Digest counter scope must be 'people' or 'recipient': {scope!r}")
    if not key or len(key) > 64:
        raise ValueError(f"Counter key must be 1-64 characters: {key!r}")
    registry.digest_counters.register(
        DigestCounter(key=key, label=label, scope=scope, order=order), replace=True
    )


def unregister_digest_counter(key: str) -> None:
    registry.digest_counters.unregister(key)


def _dashboard_counters() -> list[tuple[str, Any]]:
    """(key, label) of the stored counters the control dashboard shows as columns (the control part's
    `register_dashboard_counter` registry and its `DASHBOARD_COUNTER_KEYS` setting): the digest reports the
    same ones."""
    from . import control

    return [
        (key, getattr(registry.dashboard_counters.get(key), "label", None))
        for key in control.dashboard_counter_keys()
        if getattr(registry.dashboard_counters.get(key), "in_digest", True)
    ]


def digest_counters() -> list[DigestCounter]:
    """Every counter a supervisor's digest reports: the dashboard's counter columns and the ones registered
    for the digest, with their labels (the counter registry's when none was given), in order."""
    from portal.notifications.counters import counter_definitions

    definitions = {d.key: d for d in counter_definitions()}
    found: dict[str, DigestCounter] = {}
    for index, (key, label) in enumerate(_dashboard_counters()):
        found[key] = DigestCounter(key=key, label=label, scope="people", order=200 + index)
    found.update((counter.key, counter) for counter in registry.digest_counters)
    result = []
    for counter in found.values():
        label = counter.label or (
            definitions[counter.key].label if counter.key in definitions else counter.key
        )
        result.append(DigestCounter(key=counter.key, label=label, scope=counter.scope, order=counter.order))
    return sorted(result, key=lambda c: (c.order, c.key))


# --- small helpers -----------------------------------------------------------------------------------


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _now(now: datetime.datetime | None) -> datetime.datetime:
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("`now` must be an aware datetime.")
    return now.astimezone(_UTC)


def _url(name: str, *args, query: dict | None = None) -> str:
    """A relative link to a portal page ("" when the page does not exist (yet): a link never breaks a build)."""
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    return f"{path}?{urlencode(query)}" if query else path


def _name(row: dict, prefix: str = "") -> str:
    first, last = row.get(f"{prefix}first_name") or "", row.get(f"{prefix}last_name") or ""
    return f"{first} {last}".strip() or row.get(f"{prefix}email") or "?"


def _capped(items: list, limit: int = DIGEST_LIST_LIMIT) -> list:
    return items[:limit]


def _local(moment: datetime.datetime | None, zone: zoneinfo.ZoneInfo, fmt: str = "%H:%M") -> str:
    return moment.astimezone(zone).strftime(fmt) if moment else ""


# --- who is due --------------------------------------------------------------------------------------


@dataclass
class DigestDue:
    """One digest to build: its recipient (with the department they head memoised), kind and local date."""

    recipient: Any
    kind: str
    date: datetime.date


def _local_date_if_due(user, preference_time: datetime.time | None, now: datetime.datetime):
    local = now.astimezone(_zone(user.time_zone))
    due_time = preference_time or DEFAULT_DIGEST_TIME
    return local.date() if local.time().replace(tzinfo=None) >= due_time else None


def digests_due(*, now: datetime.datetime | None = None) -> list[DigestDue]:
    """Digests whose time has come and that were not built yet: every active head of a department that has
    other active people, whose digest time (their preference, default 09:00, in their own time zone) has
    passed on their local today, when that is one of their working days, and who has no control digest for
    that date; and everybody who switched the personal digest on, likewise. Five queries whatever the
    number of people."""
    from portal.people.models import User

    now = _now(now)
    has_people = User.objects.filter(
        is_active=True, department__path__startswith=OuterRef("headed_department__path")
    ).exclude(pk=OuterRef("pk"))
    heads = (
        User.objects.filter(is_active=True, headed_department__isnull=False)
        .filter(Exists(has_people))
        .select_related("headed_department", "digest_preference")
        .order_by("pk")
    )
    due: list[DigestDue] = []
    for head in heads:
        preference = getattr(head, "digest_preference", None)
        local_date = _local_date_if_due(head, preference.digest_time if preference else None, now)
        if local_date is not None:
            head._lumen_headed_path = head.headed_department.path  # the memo reports.models.headed_path reads
            due.append(DigestDue(head, DigestKind.SUPERVISOR, local_date))
    personal = (
        User.objects.filter(is_active=True, digest_preference__personal_digest=True)
        .select_related("digest_preference")
        .order_by("pk")
    )
    for person in personal:
        local_date = _local_date_if_due(person, person.digest_preference.digest_time, now)
        if local_date is not None:
            due.append(DigestDue(person, DigestKind.PERSONAL, local_date))
    if not due:
        return []
    # Nobody gets a digest on a day they do not work (a Monday-to-Friday person gets none at the weekend;
    # Monday's control digest covers Friday).
    from .workday import schedules_for

    schedules = schedules_for({d.recipient.pk for d in due})
    due = [
        d for d in due if d.recipient.pk not in schedules or schedules[d.recipient.pk].is_working_day(d.date)
    ]
    if not due:
        return []
    built = set(
        Digest.objects.filter(
            recipient_id__in={d.recipient.pk for d in due}, date__in={d.date for d in due}
        ).values_list("recipient_id", "kind", "date")
    )
    return [d for d in due if (d.recipient.pk, d.kind, d.date) not in built]


# --- the supervisor's digest -------------------------------------------------------------------------


def _people_of(recipient) -> tuple[Any, dict[int, dict]]:
    """The department `recipient` heads and the active people of its sub-tree, not themselves (the same
    people as `portal.people.selectors.subordinates_of(recipient, recursive=True)`). The department comes
    from the recipient object when the sweep loaded it with them (`digests_due`), else from one query."""
    from portal.people.models import Department, User

    department = recipient._state.fields_cache.get("headed_department", False)
    if department is False:
        department = Department.objects.filter(head_id=recipient.pk).first()
    if department is None:
        return None, {}
    rows = (
        User.objects.filter(is_active=True, department__path__startswith=department.path)
        .exclude(pk=recipient.pk)
        .order_by()
        .values("pk", "first_name", "last_name", "email", "time_zone", "date_joined")
    )
    return department, {row["pk"]: row for row in rows}


def _person(people: dict[int, dict], user_id: int) -> dict:
    row = people.get(user_id)
    return {"id": user_id, "name": _name(row) if row else "?"}


def _joined_on(row: dict) -> datetime.date:
    return row["date_joined"].astimezone(_zone(row["time_zone"])).date()


def _workday_section(people, schedules, absences, days_by_date, dates, now):
    """Late starts (days started after the schedule allows) and missing starts (working days nobody
    started, once the allowed lateness has passed), over `dates`, skipping absences and days before a
    person joined."""
    late, missing = [], []
    for date in dates:
        states = days_by_date[date]
        for user_id, row in people.items():
            spec = schedules.get(user_id)
            if spec is None or not spec.is_working_day(date) or date < _joined_on(row):
                continue
            if date in absences.get(user_id, {}):
                continue
            day = states.get(user_id)
            if day is not None:
                if day.is_late:
                    late.append(
                        {
                            "person": _person(people, user_id),
                            "date": date.isoformat(),
                            "started": _local(day.started_at, spec.tzinfo),
                            "scheduled": spec.start.strftime("%H:%M"),
                            "url": _url("reports:day_detail", day.pk),
                        }
                    )
            elif spec.late_after(date) <= now:
                missing.append(
                    {
                        "person": _person(people, user_id),
                        "date": date.isoformat(),
                        "scheduled": spec.start.strftime("%H:%M"),
                        "url": _url(
                            "reports:days",
                            query={
                                "person": user_id,
                                "date_from": date.isoformat(),
                                "date_to": date.isoformat(),
                            },
                        ),
                    }
                )
    order = lambda item: (item["date"], item["person"]["name"].lower(), item["person"]["id"])  # noqa: E731
    return sorted(late, key=order), sorted(missing, key=order)


def _days(ids: list[int], dates: tuple[datetime.date, ...], today: datetime.date) -> list[WorkDay]:
    """In one query: the people's days of `dates` (late and missing starts) and the days that may be left
    open or wait for confirmation (open ones up to `today`, any waiting for confirmation)."""
    return list(
        WorkDay.objects.filter(user_id__in=ids)
        .filter(
            Q(date__in=dates) | Q(needs_confirmation=True) | (~Q(state=DayState.CLOSED) & Q(date__lte=today))
        )
        .only("pk", "user_id", "date", "state", "started_at", "is_late", "auto_closed", "needs_confirmation")
        .order_by("date", "user_id")
    )


def _open_days(people, days: list[WorkDay], now) -> list[dict]:
    """Days left open past their date (in the person's zone) or closed automatically at midnight and
    waiting for the person's confirmation."""
    items = []
    for day in days:
        row = people[day.user_id]
        left_open = day.state != DayState.CLOSED and day.date < now.astimezone(_zone(row["time_zone"])).date()
        if not (left_open or day.needs_confirmation):
            continue
        items.append(
            {
                "person": _person(people, day.user_id),
                "date": day.date.isoformat(),
                "state": "open" if left_open else "auto_closed" if day.auto_closed else "to_confirm",
                "url": _url("reports:day_detail", day.pk),
            }
        )
    return items


def _sources(kind: str) -> list:
    """The digest sections other apps register (`registry.digest_sources`: overdue tasks, ...) for `kind`."""
    return [source for source in registry.digest_sources if str(kind) in source.kinds]


def _source_data(kind: str, **context) -> dict[str, dict]:
    """{source key: what it computed} for the sources of `kind` (a constant number of queries each)."""
    return {source.key: source.compute(kind=str(kind), **context) for source in _sources(kind)}


def _stored_counters(recipient, ids: list[int], people: dict[int, dict]) -> tuple[list[dict], list[dict]]:
    """The registered counters: per person for the people (summed), and the recipient's own. One query."""
    from portal.notifications.models import UserCounter

    counters = digest_counters()
    if not counters:
        return [], []
    values: dict[tuple[int, str], int] = {}
    rows = UserCounter.objects.filter(
        user_id__in=[*ids, recipient.pk], key__in=[c.key for c in counters], value__gt=0
    ).values_list("user_id", "key", "value")
    for user_id, key, value in rows:
        values[(user_id, key)] = value
    people_counters, own = [], []
    for counter in counters:
        if counter.scope == "recipient":
            value = values.get((recipient.pk, counter.key), 0)
            if value:
                own.append({"key": counter.key, "label": str(counter.label), "value": value})
            continue
        per_person = sorted(
            (
                (user_id, values[(user_id, counter.key)])
                for user_id in ids
                if (user_id, counter.key) in values
            ),
            key=lambda pair: (-pair[1], _person(people, pair[0])["name"].lower()),
        )
        total = sum(n for _user_id, n in per_person)
        if total:
            people_counters.append(
                {
                    "key": counter.key,
                    "label": str(counter.label),
                    "total": total,
                    "people": len(per_person),
                    "items": [{"person": _person(people, u), "count": n} for u, n in _capped(per_person)],
                }
            )
    return people_counters, own


def previous_working_day(spec, date: datetime.date) -> datetime.date:
    """The last working day before `date` in the schedule `spec` (yesterday, or Friday on a Monday of a
    Monday-to-Friday week); yesterday when the schedule has no working day at all."""
    for back in range(1, 8):
        day = date - datetime.timedelta(days=back)
        if spec is None or spec.is_working_day(day):
            return day
    return date - datetime.timedelta(days=1)


def _away_on(absences: dict, date: datetime.date) -> dict:
    """Core's `absence_until` for the people `absences` ({user_id: {date: label}}) shows away on `date`."""
    from portal.core.absences import absence_until

    return absence_until(user_ids=list(absences), day=date, days=absences) if absences else {}


def _section(items: list, **extra) -> dict:
    return {"total": len(items), "items": _capped(items), **extra}


@calendar_scope()  # one read of the company calendar for every schedule of the digest
def digest_supervisor_data(
    *, recipient, date: datetime.date, now: datetime.datetime | None = None
) -> dict | None:
    """The content of `recipient`'s control digest for their local `date` (None when they head no
    department or it has nobody else): plain JSON with a total per section and `signals`, the number of
    problems found. A constant number of queries, whatever the number of people."""
    from portal.core.absences import absence_days

    from . import report_numbers as report_selectors
    from . import workday as workday_selectors

    now = _now(now)
    department, people = _people_of(recipient)
    if department is None or not people:
        return None
    ids = sorted(people)
    zone = _zone(recipient.time_zone)
    schedules = workday_selectors.schedules_for([*ids, recipient.pk])
    yesterday = previous_working_day(schedules.get(recipient.pk), date)
    absences = absence_days(user_ids=ids, start=yesterday, end=date)

    missing_ids = report_selectors.missing_reports(user_ids=ids, date=yesterday, now=now)
    missing_ids = {pk for pk in missing_ids if yesterday not in absences.get(pk, {})}  # away: owes no report
    missing = sorted(
        (
            {
                "person": _person(people, user_id),
                "url": _url("reports:report_list", query={"author": user_id}),
            }
            for user_id in missing_ids
            if user_id in people
        ),
        key=lambda item: (item["person"]["name"].lower(), item["person"]["id"]),
    )
    negative = [
        {
            "person": _person(people, report.author_id),
            "period": (
                report.period_start.isoformat()
                if report.period_start == report.period_end
                else f"{report.period_start.isoformat()} – {report.period_end.isoformat()}"
            ),
            "comment": (report.rating_comment or "")[:300],
            "url": _url("reports:report_detail", report.pk),
        }
        for report in report_selectors.negative_reports(user_ids=ids, date=yesterday)
    ]
    days = _days(ids, (yesterday, date), date)
    days_by_date: dict[datetime.date, dict[int, WorkDay]] = {yesterday: {}, date: {}}
    for day in days:
        if day.date in days_by_date:
            days_by_date[day.date][day.user_id] = day
    late, missing_starts = _workday_section(people, schedules, absences, days_by_date, (yesterday, date), now)
    open_days = _open_days(people, days, now)
    corrections = DayCorrection.objects.filter(status=CorrectionStatus.PENDING, day__user_id__in=ids).count()
    waiting = report_selectors.waiting_counts(author_ids=ids)
    waiting_items = sorted(
        (
            {
                "person": _person(people, user_id),
                "count": n,
                "url": _url("reports:report_list", query={"author": user_id, "status": "sent"}),
            }
            for user_id, n in waiting.items()
            if n and user_id in people
        ),
        key=lambda item: (-item["count"], item["person"]["name"].lower()),
    )
    contributed = _source_data(
        DigestKind.SUPERVISOR, recipient=recipient, user_ids=ids, people=people, zone=zone, now=now
    )
    counters, own = _stored_counters(recipient, ids, people)
    # Who is away today and until when (for information: not a signal; they are left out of the sections).
    away = sorted(
        (
            {"person": _person(people, user_id), "label": item.label, "until": item.last_day.isoformat()}
            for user_id, item in _away_on(absences, date).items()
        ),
        key=lambda item: (item["until"], item["person"]["name"].lower(), item["person"]["id"]),
    )

    data = {
        "version": DIGEST_DATA_VERSION,
        "kind": DigestKind.SUPERVISOR.value,
        "date": date.isoformat(),
        "previous_day": yesterday.isoformat(),
        "built_at": now.isoformat(),
        "time_zone": str(zone),
        "department": {"id": department.pk, "name": department.name},
        "people_count": len(people),
        "missing_reports": _section(missing, url=_url("reports:report_list")),
        "negative_reports": _section(negative, url=_url("reports:report_list", query={"rating": "negative"})),
        "late_starts": _section(late, url=_url("reports:days", query={"late": "true"})),
        "missing_starts": _section(missing_starts, url=_url("reports:days")),
        "open_days": _section(open_days, url=_url("reports:days", query={"needs_confirmation": "true"})),
        "corrections_waiting": {"total": corrections, "url": _url("reports:corrections")},
        "reports_waiting": {
            "total": sum(item["count"] for item in waiting_items),
            "count": len(waiting_items),
            "items": _capped(waiting_items),
            "url": _url("reports:to_rate"),
        },
        **contributed,
        "counters": counters,
        "my_counters": own,
        "away": _section(away),
    }
    data["signals"] = (
        sum(
            data[key]["total"]
            for key in (
                "missing_reports",
                "negative_reports",
                "late_starts",
                "missing_starts",
                "open_days",
                "corrections_waiting",
                "reports_waiting",
                *contributed,
            )
        )
        + sum(c["total"] for c in counters)
        + sum(c["value"] for c in own)
    )
    return data


# --- the personal digest -----------------------------------------------------------------------------


def digest_personal_data(*, recipient, date: datetime.date, now: datetime.datetime | None = None) -> dict:
    """The content of `recipient`'s personal digest for their local `date`: their overdue tasks and whether
    their work report is unsent (the current period's once due, or the previous one's). Constant queries."""
    from . import report_numbers as report_selectors

    now = _now(now)
    zone = _zone(recipient.time_zone)
    people = {
        recipient.pk: {
            "first_name": recipient.first_name,
            "last_name": recipient.last_name,
            "email": recipient.email,
        }
    }
    contributed = _source_data(
        DigestKind.PERSONAL, recipient=recipient, user_ids=[recipient.pk], people=people, zone=zone, now=now
    )
    unsent = report_selectors.count_my_unsent([recipient.pk], now=now).get(recipient.pk, 0)
    data = {
        "version": DIGEST_DATA_VERSION,
        "kind": DigestKind.PERSONAL.value,
        "date": date.isoformat(),
        "built_at": now.isoformat(),
        "time_zone": str(zone),
        **contributed,
        "unsent_report": {"total": 1 if unsent else 0, "url": _url("reports:report_write")},
    }
    data["signals"] = (
        sum(part.get("total", 0) for part in contributed.values()) + data["unsent_report"]["total"]
    )
    return data


# --- the pages -----------------------------------------------------------------------------------------


def digest_list(*, user) -> QuerySet[Digest]:
    """The user's own digests, newest first."""
    if not (user and user.is_authenticated and user.is_active):
        return Digest.objects.none()
    return Digest.objects.visible_to(user).filter(recipient_id=user.pk).order_by("-date", "-kind", "-id")


def digest_get(*, user, pk) -> Digest:
    """One digest: only its recipient (and admins) may see it; everybody else gets 404."""
    return get_visible(Digest.objects.visible_to(user).select_related("recipient"), pk=pk)


def latest_digest(*, user) -> Digest | None:
    """The user's latest digest for the dashboard panel (the control digest before the personal one of the
    same date). One query."""
    return digest_list(user=user).first()


def digest_preference_for(user) -> DigestPreference:
    """The user's digest preference (an unsaved one with the defaults when they never set it)."""
    found = DigestPreference.objects.filter(user_id=user.pk).first()
    return found or DigestPreference(user_id=user.pk, digest_time=DEFAULT_DIGEST_TIME, personal_digest=False)
