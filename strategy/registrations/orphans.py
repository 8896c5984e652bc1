"""Where orphan work shows up: a column of the control dashboard (this month's share of each person's closed
tasks serving no goal) and a metric for formulas (`strategy.orphan_work_share(person|department)`)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from portal.core.registry import DashboardCell, DashboardColumn, registry

# The column informs and never signals: work outside the goals is a question for the supervisor, not a fault
# of the day (and a signal would need its SQL twin for the dashboard's ranking, see reports' control_signals).


def _tasks_url(person_id: int, start: datetime.date, end: datetime.date) -> str:
    query = urlencode({"person": person_id, "start": start.isoformat(), "end": end.isoformat()})
    return f"{reverse('strategy:orphan_tasks')}?{query}"


def orphan_column(user_ids: list[int], today: datetime.date) -> dict[int, DashboardCell]:
    """{user_id: cell}: the share of the tasks each person closed this month that serve no goal (one query)."""
    from ..selectors.orphans import work_shares

    start = today.replace(day=1)
    # The dashboard may hand over its people query with the ids: a sub-select, not thousands of ids.
    query = getattr(user_ids, "query", None)
    shares = work_shares(person_ids=query if query is not None else list(user_ids), start=start, end=today)
    cells = {}
    for user_id in user_ids:
        work = shares.get(user_id)
        if work is None or not work.closed:
            cells[user_id] = DashboardCell(value=None, signal="green")
            continue
        percent = round(work.closed_untraced * 100 / work.closed)
        cells[user_id] = DashboardCell(
            value=percent,
            signal="green",
            text=f"{percent}%",
            url=_tasks_url(user_id, start, today) if work.closed_untraced else "",
            hint=str(_("%(orphan)d of %(closed)d tasks closed this month serve no goal"))
            % {"orphan": work.closed_untraced, "closed": work.closed},
        )
    return cells


orphan_column.never_signals = True


def _metric_compute(calls, start: datetime.date, end: datetime.date) -> dict:
    """{(person, department): share 0..1 of closed tasks serving no goal}; one query for all the people."""
    from django.contrib.auth import get_user_model

    from portal.core.metrics import department_paths

    from ..selectors.orphans import share, work_shares

    calls = list(calls)
    paths = department_paths(d for _p, d in calls if d is not None)
    members: dict[int, list[int]] = {}
    if paths:
        people = get_user_model().objects.filter(is_active=True).values_list("pk", "department__path")
        for department_id, path in paths.items():
            members[department_id] = [pk for pk, p in people if p and p.startswith(path)]
    person_ids = {p for p, _d in calls if p is not None} | {pk for ids in members.values() for pk in ids}
    shares = work_shares(person_ids=sorted(person_ids), start=start, end=end)
    result = {}
    for call in calls:
        person, department = call
        ids = [person] if person is not None else members.get(department, [])
        closed = sum(shares[i].closed for i in ids if i in shares)
        untraced = sum(shares[i].closed_untraced for i in ids if i in shares)
        value = share(untraced, closed)
        result[call] = Decimal(value) if value is not None else None
    return result


def _metric_drill_down(call, start, end, user) -> list:
    from django.contrib.auth import get_user_model

    from ..selectors.orphans import orphan_tasks

    person, department = call
    if person is not None:
        ids = [person]
    else:
        from portal.people.models import Department

        dep = Department.objects.filter(pk=department).only("path").first()
        ids = (
            list(
                get_user_model()
                .objects.filter(department__path__startswith=dep.path)
                .values_list("pk", flat=True)
            )
            if dep
            else []
        )
    return [(title, url) for _pk, title, url in orphan_tasks(user=user, person_ids=ids, start=start, end=end)]


def register() -> None:
    registry.dashboard_columns.register(
        DashboardColumn(
            key="strategy.orphan_work",
            label=_("Without a goal"),
            compute=orphan_column,
            order=150,
            help_text=_("The share of the tasks closed this month that serve no goal (orphan work)."),
        )
    )
    from portal.core.metrics import SUBJECT_ARGS, register_metric

    register_metric(
        "strategy.orphan_work_share",
        _metric_compute,
        SUBJECT_ARGS,
        _("Share of closed tasks serving no goal"),
        _metric_drill_down,
        unit="",
    )
