"""Tasks: the side effects every task write shares: counter recounts, notifications, stream entries, the
parents' stored subtask numbers, and the id lookups they need (people of a task, descendants).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.db.models import F

from .. import selectors
from ..choices import (
    CLOSED_STATUSES,
    HANDED_IN_STATUSES,
)
from ..models import Task, TaskComment, TaskMember

__all__ = [
    "task_search_text_refresh",
]

log = logging.getLogger(__name__)
SEARCH_TEXT_MAX = 100_000
# Bounds of the walks over the hierarchy and the link graph (both acyclic by construction; a bound keeps a
# corrupted graph from looping forever).
WALK_LIMIT = 10_000

DATE_FIELDS = ("planned_start", "planned_end", "deadline")


def _counter_keys() -> list[str]:
    from ..apps import TASK_COUNTERS

    return list(TASK_COUNTERS)


def _recount(user_ids: Iterable[int | None]) -> None:
    """Schedule a recount of the task counters of these people after commit."""
    ids = sorted({int(i) for i in user_ids if i})
    if not ids:
        return
    from portal.notifications.counters import counters_recount

    try:
        counters_recount(ids, _counter_keys())
    except ValueError:  # the counters are not registered (a test that clears the registry)
        log.warning("task counters are not registered; recount of %s skipped", ids)


def _notify(*, recipients, title, actor, task: Task, body="") -> None:
    """A "task" notification (the notifications app skips the actor and inactive people). `title` and
    `body`: lazy messages (`portal.core.i18n.message`) or plain text, rendered in each recipient's language."""
    recipients = [r for r in recipients if r]
    if not recipients:
        return
    from portal.notifications.services import notify

    notify(
        recipients=recipients,
        kind="task",
        title=title,
        actor=actor,
        body=body,
        url=task.get_absolute_url(),
        target=task,
    )


def _name(user) -> str:
    return (user.full_name or user.email) if user else ""


def _member_ids(task_ids: Iterable[int]) -> dict[int, list[int]]:
    """task id -> user ids of its participants and observers (one query)."""
    out: dict[int, list[int]] = {}
    for task_id, user_id in TaskMember.objects.filter(task_id__in=list(task_ids)).values_list(
        "task_id", "user_id"
    ):
        out.setdefault(task_id, []).append(user_id)
    return out


def _people_ids(task: Task) -> set[int]:
    """Everyone a change of `task` concerns: creator, responsible, participants and observers."""
    ids = {task.creator_id, task.responsible_id}
    ids.update(_member_ids([task.pk]).get(task.pk, []))
    return {i for i in ids if i}


def _people_of_tasks(task_ids: Iterable[int]) -> set[int]:
    ids_list = list(task_ids)
    people: set[int] = set()
    for creator_id, responsible_id in Task.objects.filter(pk__in=ids_list).values_list(
        "creator_id", "responsible_id"
    ):
        people.update((creator_id, responsible_id))
    for users in _member_ids(ids_list).values():
        people.update(users)
    return people


def _bump_parent(parent_id: int | None, *, count: int = 0, done: int = 0) -> None:
    if not parent_id or not (count or done):
        return
    Task.objects.filter(pk=parent_id).update(
        subtasks_count=F("subtasks_count") + count, subtasks_done=F("subtasks_done") + done
    )


def _forget_prefetched_members(task: Task) -> None:
    cache = getattr(task, "_prefetched_objects_cache", None)
    if cache:
        cache.pop("members", None)


def _is_closed(status: str) -> bool:
    return status in CLOSED_STATUSES


def _is_handed_in(status: str) -> bool:
    return status in HANDED_IN_STATUSES


def _descendant_ids(task_id: int) -> list[list[int]]:
    """The subtree under a task as levels of ids (children first, then grandchildren...)."""
    levels: list[list[int]] = []
    seen = {task_id}
    frontier = [task_id]
    while frontier and len(seen) < WALK_LIMIT:
        children = [
            pk
            for pk in Task.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            if pk not in seen
        ]
        if not children:
            break
        seen.update(children)
        levels.append(children)
        frontier = children
    return levels


# --- the working schedule ----------------------------------------------------------------------------


def _zone(person) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(person, "time_zone", "") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def work_hours_deadline(deadline: datetime.datetime | None, person) -> datetime.datetime | None:
    """Move a deadline outside `person`'s working hours back to the end of their last working period at or
    before it (working days are Monday to Friday as the company calendar corrects them: public holidays are
    days off, moved working days are worked; hours `work_start`-`work_end` in their time zone).

    Saturday 12:00 -> Friday at the end of work; 21:00 -> the same day's end of work; 07:00 -> the previous
    working day's end of work; a public holiday -> the working day before it. A deadline inside working hours
    of a working day stays as it is.
    """
    if deadline is None or person is None:
        return deadline
    from portal.core.workdays import calendar_days, is_working_day

    zone = _zone(person)
    local = deadline.astimezone(zone)
    start, end = person.work_start, person.work_end
    day = local.date()
    moment = local.time().replace(tzinfo=None)
    calendar = calendar_days(day - datetime.timedelta(days=HOLIDAY_LOOKBACK_DAYS), day)

    def working(date: datetime.date) -> bool:
        return is_working_day(date, calendar=calendar)

    if working(day) and start <= moment <= end:
        return deadline
    if not (working(day) and moment > end):
        # Before work starts, or a day off: the previous working day.
        day -= datetime.timedelta(days=1)
        while not working(day) and day > local.date() - datetime.timedelta(days=HOLIDAY_LOOKBACK_DAYS):
            day -= datetime.timedelta(days=1)
    moved = datetime.datetime.combine(day, end, tzinfo=zone)
    return moved.astimezone(datetime.UTC)


# How far back a deadline on days off looks for a working day (the longest holidays are about two weeks).
HOLIDAY_LOOKBACK_DAYS = 40


# --- stream entries ----------------------------------------------------------------------------------

STREAM_TEMPLATE = "tasks/stream/task_event.html"


def _publish(*, actor, task: Task, verb: str, comment: str = "") -> None:
    """A stream entry about `task` for its people (and its group when the actor belongs to it)."""
    from portal.groups.models import Membership
    from portal.stream.mentions import plain
    from portal.stream.services import Audience, entry_publish

    ids = _people_ids(task) | {actor.pk}
    users = list(get_user_model().objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    groups = []
    if (
        task.group_id
        and not task.group.is_archived
        and Membership.objects.filter(group_id=task.group_id, user=actor).exists()
    ):
        groups.append(task.group_id)
    deadline = task.deadline
    context = {
        "task_id": task.pk,
        "title": task.title,
        "status": task.status,
        "status_label": str(task.get_status_display()),
        "priority": task.priority,
        "responsible_name": _name(task.responsible),
        "responsible_url": task.responsible.get_absolute_url(),
        # The moment only: the feed formats it in each reader's zone and language (`stream_datetime`).
        "deadline": deadline.isoformat() if deadline else "",
        "group_name": task.group.name if task.group_id else "",
        "comment": plain(comment)[:300],
    }
    entry_publish(
        actor=actor,
        verb=verb,
        target=task,
        audience=Audience(users=users, groups=groups),
        template=STREAM_TEMPLATE,
        context=context,
    )


def _stream_forget(task: Task, *, people: Iterable = (), group_ids: Iterable[int | None] = ()) -> None:
    """After a change of the task's people or group: the stream entries about it stop reaching those who
    can no longer see it. `people` are the people who may have lost sight (a removed member, the previous
    responsible person): each who now fails the visibility rule leaves the entries' audience; `group_ids`
    are groups the task left. The audience is stored with each entry when it is written, so it follows here.
    """
    from portal.stream.services import entry_audience_remove

    lost = [person.pk for person in people if person is not None and not selectors.can_see(person, task)]
    groups = [pk for pk in group_ids if pk and pk != task.group_id]
    if lost or groups:
        entry_audience_remove(target=task, users=lost, groups=groups)


def task_search_text_refresh(*, task_ids) -> None:
    """Rebuild the plain search text (title, description, comments) of these tasks, capped in length."""
    from portal.stream.mentions import plain

    ids = list(dict.fromkeys(int(i) for i in task_ids))
    if not ids:
        return
    parts: dict[int, list[str]] = {}
    for pk, title, description in Task.objects.filter(pk__in=ids).values_list("pk", "title", "description"):
        parts[pk] = [title, plain(description)]
    for task_id, body in (
        TaskComment.objects.filter(task_id__in=list(parts))
        .order_by("created_at", "id")
        .values_list("task_id", "body")
    ):
        parts[task_id].append(plain(body))
    rows = []
    for pk, texts in parts.items():
        text = "\n".join(t.strip() for t in texts if t and t.strip())[:SEARCH_TEXT_MAX]
        rows.append(Task(pk=pk, search_text=text))
    Task.objects.bulk_update(rows, ["search_text"], batch_size=200)


def _bump(task: Task, **deltas: int) -> None:
    """Move stored numbers of `task` by `deltas` in the database and refresh them on the instance."""
    Task.objects.filter(pk=task.pk).update(**{f: F(f) + d for f, d in deltas.items()})
    task.refresh_from_db(fields=list(deltas))
