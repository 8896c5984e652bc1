"""Reports: "touch" control (a supervisor picks a random recent item of a person, a report, a day or what
other apps register, and checks it) and the measured control time against its budget.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
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
from .reports import SENT_STATES
from .workday import schedules_for, workday_local_date, worked_seconds

__all__ = [
    "TouchKind",
    "control_time_of",
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


def control_time_of(*, user, date: datetime.date) -> int:
    """Seconds `user` spent on control pages on `date` (their local date). One query."""
    if not _active(user):
        return 0
    seconds = ControlTime.objects.filter(supervisor_id=user.pk, date=date).values_list("seconds", flat=True)
    return int(seconds.first() or 0)


def control_time_summary(*, user, date: datetime.date | None = None, now=None, people_ids=None) -> dict:
    """The control time of `user` on `date` against the budget: 5% of the working time of the people they
    control directly that day (the time worked so far; the scheduled time when nobody has worked yet).

    {"date", "seconds", "budget_seconds", "share" (control time in % of the controlled time),
    "budget_share" (5.0), "controlled_seconds", "basis" ("worked" | "scheduled"), "people",
    "over_budget", "minutes", "budget_minutes"}. `people_ids`: the ids of the people `user` controls
    directly when the caller has them (`Dashboard.direct_ids`).
    """
    now = now or timezone.now()
    date = date or workday_local_date(user, now)
    seconds = control_time_of(user=user, date=date)
    if people_ids is not None:  # the caller has read them (a dashboard without the switch)
        ids = list(people_ids)
    else:
        ids = list(control_people(user=user).values_list("pk", flat=True)) if can_control(user) else []
    controlled = (
        sum(worked_seconds(user_ids=ids, start_date=date, end_date=date, now=now).values()) if ids else 0
    )
    basis = "worked"
    if not controlled and ids:
        basis = "scheduled"
        for spec in schedules_for(ids).values():
            if spec.is_working_day(date):
                controlled += max(0, spec.scheduled_seconds(date) - spec.break_minutes * 60)
    budget = round(controlled * CONTROL_BUDGET_SHARE)
    return {
        "date": date,
        "seconds": seconds,
        "budget_seconds": budget,
        "share": round(seconds * 100 / controlled, 1) if controlled else 0.0,
        "budget_share": round(CONTROL_BUDGET_SHARE * 100, 1),
        "controlled_seconds": controlled,
        "basis": basis,
        "people": len(ids),
        "over_budget": seconds > budget,
        "minutes": round(seconds / 60),
        "budget_minutes": round(budget / 60),
    }
