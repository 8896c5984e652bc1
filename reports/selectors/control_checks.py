"""Reports: "touch" control (a supervisor picks a random recent item of a person, a report, a day or what
other apps register, and checks it) and the measured control time against its budget.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connections
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.permissions import get_visible
from portal.core.registry import ControlTouchKind, registry

from ..choices import DayState
from ..models import ControlCheck, ControlTime, WorkDay, WorkReport
from .control import CONTROL_BUDGET_SHARE, TOUCH_WINDOW, _active, can_control, control_people
from .control_columns import _period_text, _short_date
from .people_ids import ids_lookup
from .reports import SENT_STATES
from .workday import day_running_seconds, workday_local_date

__all__ = [
    "TouchKind",
    "control_time_of",
    "duration_text",
    "control_time_summary",
    "touch_candidates",
    "touch_get",
    "touch_item",
    "touch_kinds",
    "touch_list",
]

# --- touch control ---------------------------------------------------------------------------------------


def _describe_report(report: WorkReport) -> tuple[str, str]:
    text = _("Work report for %(period)s") % {"period": _period_text(report)}
    return text, reverse("reports:report_detail", args=[report.pk])


def _describe_day(day: WorkDay) -> tuple[str, str]:
    text = _("Working day of %(date)s") % {"date": _short_date(day.date)}
    return text, reverse("reports:day_detail", args=[day.pk])


TouchKind = ControlTouchKind

# Reports' own kinds; other apps add theirs to `registry.control_touch_kinds` (tasks: a closed task).
_OWN_TOUCH_KINDS = (
    ControlTouchKind(
        "report",
        gettext_lazy("A sent report"),
        lambda: WorkReport,
        "author_id",
        lambda since: Q(status__in=SENT_STATES, sent_at__gte=since),
        _describe_report,
        order=110,
    ),
    ControlTouchKind(
        "day",
        gettext_lazy("A working day"),
        lambda: WorkDay,
        "user_id",
        lambda since: Q(state=DayState.CLOSED, date__gte=since.date()),
        _describe_day,
        order=120,
    ),
)


def touch_kinds() -> dict[str, ControlTouchKind]:
    """{key: kind} of every kind "touch" control picks from, in order."""
    kinds = {kind.key: kind for kind in _OWN_TOUCH_KINDS}
    kinds.update((kind.key, kind) for kind in registry.control_touch_kinds)
    return dict(sorted(kinds.items(), key=lambda item: (item[1].order, item[0])))


def _touch_items(kind: TouchKind, *, supervisor, user_ids: Iterable[int], now: datetime.datetime) -> QuerySet:
    """Recent items of `kind` of these people that `supervisor` has not picked before."""
    from django.contrib.contenttypes.models import ContentType

    model = kind.model()
    picked = ControlCheck.objects.filter(
        supervisor_id=supervisor.pk,
        item_type=ContentType.objects.get_for_model(model),
        item_id=Cast(OuterRef("pk"), output_field=CharField()),
    )
    return (
        model._default_manager.filter(**{f"{kind.person_field}__in": list(user_ids)})
        .filter(kind.recent(now - TOUCH_WINDOW))
        .filter(~Exists(picked))
    )


def touch_candidates(*, supervisor, user_ids: Iterable[int], now=None) -> dict[str, set[int]]:
    """{kind: ids of the people who have an item of that kind to check}. One query per kind."""
    now = now or timezone.now()
    ids = [int(i) for i in user_ids]
    if not ids:
        return {key: set() for key in touch_kinds()}
    result = {}
    for key, kind in touch_kinds().items():
        qs = _touch_items(kind, supervisor=supervisor, user_ids=ids, now=now)
        result[key] = set(qs.order_by().values_list(kind.person_field, flat=True).distinct())
    return result


def touch_item(*, supervisor, kind: str, person_id: int, now=None):
    """A random item of `kind` of one person that `supervisor` has not checked yet (None if none)."""
    now = now or timezone.now()
    return (
        _touch_items(touch_kinds()[kind], supervisor=supervisor, user_ids=[int(person_id)], now=now)
        .order_by("?")
        .first()
    )


def touch_list(*, user) -> QuerySet[ControlCheck]:
    """The checks `user` may see (their own; HR and admins all), newest first."""
    return (
        ControlCheck.objects.visible_to(user)
        .select_related("supervisor", "subject", "subject__department", "item_type")
        .order_by("-picked_at", "-id")
    )


def touch_get(*, user, pk) -> ControlCheck:
    """One check `user` may see; hidden and missing alike answer 404."""
    return get_visible(touch_list(user=user), pk=pk)


# --- control time ----------------------------------------------------------------------------------------


def duration_text(seconds) -> str:
    """A measured time in minutes and seconds: "2 min 15 s", "45 s", "12 min" (never rounded to minutes:
    control is often a matter of seconds)."""
    try:
        seconds = max(0, int(seconds or 0))
    except (TypeError, ValueError):
        seconds = 0
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return _("%(seconds)s s") % {"seconds": rest}
    if not rest:
        return _("%(minutes)s min") % {"minutes": minutes}
    return _("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": rest}


def control_time_of(*, user, date: datetime.date) -> int:
    """Seconds `user` spent on control pages on `date` (their local date). One query."""
    if not _active(user):
        return 0
    seconds = ControlTime.objects.filter(supervisor_id=user.pk, date=date).values_list("seconds", flat=True)
    return int(seconds.first() or 0)


def _worked_today(days, now: datetime.datetime) -> dict:
    """{"seconds", "people"} of these working days until `now`, in one query: summed by PostgreSQL; elsewhere
    (the embedded SQLite of `make run`, a small company) each day read and counted here."""
    from .control_signals import _running_seconds

    if connections[days.db].vendor == "postgresql":
        return days.order_by().aggregate(seconds=Sum(_running_seconds(now)), people=Count("user_id"))
    rows = list(
        days.order_by().only(
            "user_id", "state", "started_at", "paused_seconds", "pause_started_at", "worked_seconds"
        )
    )
    return {"seconds": sum(day_running_seconds(day, now) for day in rows), "people": len(rows)}


def _controlled_time(people, *, date: datetime.date, now: datetime.datetime) -> dict:
    """The working time of `people` (a User queryset) on `date` the budget is a share of: the time each
    person has worked so far when they have started their day, else the time their schedule plans (the
    scheduled hours less the break; nothing on a day off). Three queries whatever the number of people:
    the worked time summed by the database, the people who have not started grouped by what their
    schedule depends on ("classes", as the dashboard's SQL ranking does), and the schedules of the classes.
    """
    from .control_signals import _Class, _specs

    days = WorkDay.objects.filter(user_id__in=people.order_by().values("pk"), date=date)
    worked = _worked_today(days, now)
    started = WorkDay.objects.filter(user_id=OuterRef("pk"), date=date)
    fields = (
        "sig_own",
        "department_id",
        "department__path",
        "time_zone",
        "work_start",
        "work_end",
        "is_active",
    )
    rows = (
        people.order_by()
        .annotate(sig_own=F("work_schedule__pk"))
        .values(*fields)
        .annotate(n=Count("pk"), waiting=Count("pk", filter=~Q(Exists(started))))
        .values_list(*fields, "n", "waiting")
    )
    classes = [(_Class(*row[:7]), row[7], row[8]) for row in rows]
    specs = _specs([c for c, _n, _waiting in classes]) if classes else {}
    scheduled_people = scheduled_seconds = waiting_people = 0
    net: dict = {}  # classes share a handful of schedules
    for c, n, waiting in classes:
        spec = specs[c]
        if not spec.is_working_day(date):
            continue
        if spec not in net:
            net[spec] = max(0, spec.scheduled_seconds(date) - spec.break_minutes * 60)
        scheduled_people += n
        waiting_people += waiting
        scheduled_seconds += waiting * net[spec]
    return {
        "people": sum(n for _c, n, _waiting in classes),
        "worked_people": int(worked["people"] or 0),
        "worked_seconds": int(worked["seconds"] or 0),
        "scheduled_people": scheduled_people,
        "waiting_people": waiting_people,
        "waiting_seconds": scheduled_seconds,
    }


def control_time_summary(
    *, user, date: datetime.date | None = None, now=None, people_ids=None, subtree: bool = False
) -> dict:
    """The control time of `user` on `date` against its budget: CONTROL_BUDGET_SHARE (5%) of the working
    time that day of the people they actually control on the page: directly, or the whole sub-tree with
    `subtree`. A person counts with the time they have worked so far once they have started their day, else
    with their scheduled time (see `_controlled_time`). A constant number of queries, whatever the number
    of people.

    {"date", "seconds", "budget_seconds", "share" (the budget used, in whole %; None without a budget),
    "budget_share" (5.0), "controlled_seconds", "basis" ("worked" | "scheduled" | "mixed" | "day_off":
    nobody is scheduled to work or has worked | "nobody": controls nobody), "has_budget", "people",
    "over_budget" (never on a day off), "time", "budget_time" ("2 min 15 s")}. `people_ids`: the people
    when the caller has them already (`Dashboard.direct_ids`); otherwise they are read (as a subquery).
    """
    from portal.people.models import User

    now = now or timezone.now()
    date = date or workday_local_date(user, now)
    seconds = control_time_of(user=user, date=date)
    if people_ids is not None:
        people = User.objects.filter(pk__in=ids_lookup(people_ids))
    elif can_control(user):
        people = control_people(user=user, subtree=subtree)
    else:
        people = User.objects.none()
    counted = _controlled_time(people, date=date, now=now)
    controlled = counted["worked_seconds"] + counted["waiting_seconds"]
    if not counted["people"]:
        basis = "nobody"
    elif not counted["scheduled_people"] and not counted["worked_people"]:
        basis = "day_off"
    elif not counted["worked_people"]:
        basis = "scheduled"
    elif not counted["waiting_people"]:
        basis = "worked"
    else:
        basis = "mixed"
    has_budget = basis not in ("nobody", "day_off")
    budget = round(controlled * CONTROL_BUDGET_SHARE) if has_budget else 0
    return {
        "date": date,
        "seconds": seconds,
        "budget_seconds": budget,
        "share": round(seconds * 100 / budget) if budget else None,
        "budget_share": round(CONTROL_BUDGET_SHARE * 100, 1),
        "controlled_seconds": controlled,
        "basis": basis,
        "has_budget": has_budget,
        "people": counted["people"],
        "over_budget": has_budget and seconds > budget,
        "time": duration_text(seconds),
        "budget_time": duration_text(budget),
    }
