"""Orphan work: the share of people's work not traceable to any goal (no goal on the task, its parents or its
project), on tasks closed and on time logged, per person and department, for a period. The figure for any
number of people is one SQL statement (the tasks app's `work`, given the traced tasks and projects as
sub-selects)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.errors import NotFound
from portal.core.registry import WorkShare, registry

from ..choices import GoalStatus
from ..models import GoalProjectLink, GoalTaskLink
from ..models.goals import is_strategy_manager


def traced_task_ids():
    """The tasks linked to a goal that was not dropped (a sub-select, never read into Python)."""
    return GoalTaskLink.objects.exclude(goal__status=GoalStatus.DROPPED).values("task_id")


def traced_project_ids():
    return GoalProjectLink.objects.exclude(goal__status=GoalStatus.DROPPED).values("project_id")


def _facts():
    return registry.task_facts.get("tasks")


def work_shares(*, person_ids, start: datetime.date, end: datetime.date) -> dict[int, WorkShare]:
    """{person_id: WorkShare} for the period, in one query (`person_ids`: ids, or a values("pk") queryset)."""
    facts = _facts()
    if facts is None:
        return {}
    return facts.work(
        person_ids=person_ids,
        start=start,
        end=end,
        task_ids=traced_task_ids(),
        group_ids=traced_project_ids(),
    )


def share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None


@dataclass
class OrphanRow:
    person: object
    work: WorkShare

    @property
    def closed_share(self) -> int | None:
        value = share(self.work.closed_untraced, self.work.closed)
        return None if value is None else int(value * 100)

    @property
    def time_share(self) -> int | None:
        value = share(self.work.seconds_untraced, self.work.seconds)
        return None if value is None else int(value * 100)

    @property
    def hours(self) -> str:
        return f"{self.work.seconds / 3600:.1f}"

    @property
    def hours_untraced(self) -> str:
        return f"{self.work.seconds_untraced / 3600:.1f}"


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """This month so far."""
    today = today or timezone.localdate()
    return today.replace(day=1), today


def period_from(params) -> tuple[datetime.date, datetime.date]:
    """The period of `?start=&end=` (ISO dates; this month so far by default), at most 400 days long."""
    start, end = default_period()
    try:
        if params.get("start"):
            start = datetime.date.fromisoformat(params["start"])
        if params.get("end"):
            end = datetime.date.fromisoformat(params["end"])
    except ValueError:
        pass
    if end < start:
        start, end = end, start
    return start, min(end, start + datetime.timedelta(days=400))


def orphan_department(*, user, department_id=None):
    """The department whose orphan work `user` may look at: any for strategy managers, the one they head (or
    one under it) for a head; None means "only themselves"."""
    from portal.people.models import Department

    from ..services.goals import headed_department

    if department_id:
        if not str(department_id).isdigit():
            raise NotFound(_("No department matches the given query."))
        department = Department.objects.filter(pk=department_id).only("id", "path", "name").first()
        if department is None:
            raise NotFound(_("No department matches the given query."))
        headed = headed_department(user)
        if is_strategy_manager(user) or (headed is not None and department.path.startswith(headed.path)):
            return department
        raise NotFound(_("No department matches the given query."))
    if is_strategy_manager(user):
        return None if not getattr(user, "department_id", None) else user.department
    return headed_department(user)


def orphan_rows(*, user, department, start, end) -> tuple[list[OrphanRow], WorkShare]:
    """Per person of the department (with sub-departments), or `user` alone without one, the most orphan work
    first; and the total."""
    people = get_user_model().objects.filter(is_active=True)
    if department is not None:
        people = people.filter(department__path__startswith=department.path)
    else:
        people = people.filter(pk=user.pk)
    people = list(
        people.only("id", "email", "first_name", "last_name", "department_id").order_by("last_name", "id")
    )
    shares = work_shares(person_ids=[p.pk for p in people], start=start, end=end)
    rows = [OrphanRow(p, shares.get(p.pk, WorkShare())) for p in people]
    # The most orphan work first (closed tasks, then time), then by name: the page and the API alike.
    rows.sort(key=lambda row: (-row.work.closed_untraced, -row.work.seconds_untraced))
    total = WorkShare(
        sum(r.work.closed for r in rows),
        sum(r.work.closed_untraced for r in rows),
        sum(r.work.seconds for r in rows),
        sum(r.work.seconds_untraced for r in rows),
    )
    return rows, total


def orphan_tasks(*, user, person_ids, start, end, limit: int = 200) -> list[tuple[int, str, str]]:
    """The untraced tasks the people closed in the period that `user` sees: [(id, title, url)]."""
    facts = _facts()
    if facts is None:
        return []
    return facts.untraced(
        user=user,
        person_ids=list(person_ids),
        start=start,
        end=end,
        task_ids=traced_task_ids(),
        group_ids=traced_project_ids(),
        limit=limit,
    )
