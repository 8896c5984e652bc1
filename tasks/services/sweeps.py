"""Tasks: the periodic sweeps: deadline counters (overdue, due soon), the morning due-date reminders in each
person's time zone, and the rebuild of the stored subtask/checklist/comment numbers.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.notifications.counters import counters_recount

from ..choices import CLOSED_STATUSES
from ..models import ChecklistItem, Task, TaskComment, TaskFile, TimeEntry
from .time import log, zone_named

__all__ = [
    "deadlines_sweep",
    "due_reminders_send",
    "task_numbers_rebuild",
]

# The deadline sweep runs every SWEEP_INTERVAL; each run also looks SWEEP_MARGIN further back, so that a
# late or lost run never leaves a counter stale (recounting someone twice is harmless).
SWEEP_INTERVAL = datetime.timedelta(minutes=5)
SWEEP_MARGIN = datetime.timedelta(minutes=5)
SWEEP_LAST_KEY = "lumen:tasks:deadlines-sweep:last"
DUE_SOON = datetime.timedelta(hours=24)
SWEEP_COUNTERS = ["tasks.overdue", "tasks.due_soon"]

# The daily reminder goes out once a person's local time has passed this hour.
REMINDER_HOUR = 8
REMINDER_MAX_LINES = 20

REBUILD_BATCH_SIZE = 1000

NUMBER_FIELDS = [
    "subtasks_count",
    "subtasks_done",
    "checklist_count",
    "checklist_done",
    "comments_count",
    "files_count",
    "last_comment_at",
    "time_spent",
]


# --- deadlines, reminders ----------------------------------------------------------------------------


@transaction.atomic
def deadlines_sweep(*, now: datetime.datetime | None = None) -> int:
    """Beat's work: flag running tasks whose deadline passed (`became_overdue`), and recount the overdue and
    due-soon counters of the responsible people whose deadlines crossed "now" or "now + 24 h" since the last
    sweep (kept in the cache; without it, one interval plus a margin back). Returns how many people.

    A task completed and awaiting its creator's control is not swept: the responsible person's part ended
    when they completed it (see `HANDED_IN_STATUSES`)."""
    now = now or timezone.now()
    window = now - SWEEP_INTERVAL - SWEEP_MARGIN
    last = cache.get(SWEEP_LAST_KEY)
    since = min(last, window) if isinstance(last, datetime.datetime) and last <= now else window
    running = Task.objects.running()
    newly_overdue = running.filter(deadline__lt=now, became_overdue=False)
    people = set(newly_overdue.order_by().values_list("responsible_id", flat=True).distinct())
    if people:
        newly_overdue.update(became_overdue=True)
    crossed = running.filter(
        Q(deadline__gte=since, deadline__lt=now)
        | Q(deadline__gte=since + DUE_SOON, deadline__lt=now + DUE_SOON)
    )
    people |= set(crossed.order_by().values_list("responsible_id", flat=True).distinct())
    if people:
        counters_recount(people, SWEEP_COUNTERS)
    transaction.on_commit(lambda: cache.set(SWEEP_LAST_KEY, now, timeout=None))
    return len(people)


def _reminder_body(tasks: list[dict], zone: datetime.tzinfo, now: datetime.datetime) -> str:
    lines = []
    for row in tasks[:REMINDER_MAX_LINES]:
        local = row["deadline"].astimezone(zone)
        when = local.strftime("%Y-%m-%d %H:%M") if row["deadline"] < now else local.strftime("%H:%M")
        mark = _("overdue") if row["deadline"] < now else _("due")
        lines.append(f"• {row['title']} — {mark} {when}")
    if len(tasks) > REMINDER_MAX_LINES:
        lines.append(_("…and %(n)d more.") % {"n": len(tasks) - REMINDER_MAX_LINES})
    return "\n".join(lines)


def due_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind each person, once a day after REMINDER_HOUR of their own time zone, of their running tasks
    (not those awaiting control) that are overdue or due by the end of their day: one "task_due" notification listing them.

    Idempotent per person and local day: a person who already has today's reminder gets nothing more, so
    beat may run this hourly (and twice) safely. Returns how many people were reminded.
    """
    from portal.notifications.models import Notification
    from portal.notifications.services import notify

    now = now or timezone.now()
    people = list(
        get_user_model().objects.filter(is_active=True).order_by("pk").values_list("pk", "time_zone")
    )
    zones: dict[str, datetime.tzinfo] = {}
    candidates: dict[int, datetime.tzinfo] = {}
    for pk, zone_name in people:
        zone = zones.get(zone_name) or zones.setdefault(zone_name, zone_named(zone_name))
        if now.astimezone(zone).hour >= REMINDER_HOUR:
            candidates[pk] = zone
    if not candidates:
        return 0
    reminded_today = set()
    for recipient_id, created_at in Notification.objects.filter(
        kind="task_due", recipient_id__in=list(candidates), created_at__gte=now - datetime.timedelta(hours=48)
    ).values_list("recipient_id", "created_at"):
        zone = candidates[recipient_id]
        if created_at.astimezone(zone).date() == now.astimezone(zone).date():
            reminded_today.add(recipient_id)
    wanted = [pk for pk in candidates if pk not in reminded_today]
    # The end of the latest "today" on earth is at most 38 hours away (UTC+14, just after midnight).
    horizon = now + datetime.timedelta(hours=38)
    due: dict[int, list[dict]] = defaultdict(list)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = (
            Task.objects.running()
            .filter(responsible_id__in=chunk, deadline__lt=horizon)
            .order_by("deadline", "id")
            .values("id", "title", "deadline", "responsible_id")
        )
        for row in rows:
            due[row["responsible_id"]].append(row)
    try:
        url = reverse("tasks:home")
    except NoReverseMatch:
        url = ""
    sent = 0
    for pk, rows in due.items():
        zone = candidates[pk]
        local_now = now.astimezone(zone)
        end_of_day = datetime.datetime.combine(
            local_now.date() + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        mine = [r for r in rows if r["deadline"] < end_of_day]
        if not mine:
            continue
        overdue = sum(1 for r in mine if r["deadline"] < now)
        # Rendered by `notify` in the person's language.
        title = i18n.message(
            gettext_lazy("Your tasks today: %(due)d due, %(overdue)d overdue"),
            due=len(mine) - overdue,
            overdue=overdue,
        )
        body = i18n.deferred(_reminder_body, mine, zone, now)
        notify(recipients=[pk], kind="task_due", title=title, body=body, url=url)
        sent += 1
    return sent


# --- stored numbers ----------------------------------------------------------------------------------


def _rebuild_batch(ids: list[int]) -> int:
    # Lock first: a service bumping a number with F() waits for us and then adds to the rebuilt value.
    tasks = list(
        Task.objects.select_for_update().filter(pk__in=ids).order_by("pk").only("id", *NUMBER_FIELDS)
    )
    subtasks = {
        row["parent_id"]: row
        for row in Task.objects.filter(parent_id__in=ids)
        .order_by()
        .values("parent_id")
        .annotate(n=Count("id"), done=Count("id", filter=Q(status__in=CLOSED_STATUSES)))
    }
    checklist = {
        row["task_id"]: row
        for row in ChecklistItem.objects.filter(task_id__in=ids)
        .order_by()
        .values("task_id")
        .annotate(n=Count("id"), done=Count("id", filter=Q(is_done=True)))
    }
    comments = {
        row["task_id"]: row
        for row in TaskComment.objects.filter(task_id__in=ids)
        .order_by()
        .values("task_id")
        .annotate(n=Count("id"), last=Max("created_at"))
    }
    files = dict(
        TaskFile.objects.filter(task_id__in=ids)
        .order_by()
        .values("task_id")
        .annotate(n=Count("id"))
        .values_list("task_id", "n")
    )
    spent = dict(
        TimeEntry.objects.filter(task_id__in=ids)
        .order_by()
        .values("task_id")
        .annotate(s=Sum("seconds"))
        .values_list("task_id", "s")
    )
    changed = []
    for task in tasks:
        sub = subtasks.get(task.pk, {})
        items = checklist.get(task.pk, {})
        notes = comments.get(task.pk, {})
        fresh = {
            "subtasks_count": sub.get("n", 0),
            "subtasks_done": sub.get("done", 0),
            "checklist_count": items.get("n", 0),
            "checklist_done": items.get("done", 0),
            "comments_count": notes.get("n", 0),
            "files_count": files.get(task.pk, 0),
            "last_comment_at": notes.get("last"),
            "time_spent": spent.get(task.pk) or 0,
        }
        if any(getattr(task, name) != value for name, value in fresh.items()):
            for name, value in fresh.items():
                setattr(task, name, value)
            changed.append(task)
    if changed:
        Task.objects.bulk_update(changed, NUMBER_FIELDS, batch_size=500)
    return len(changed)


def task_numbers_rebuild(*, task_ids: Iterable[int] | None = None) -> int:
    """Recompute the stored numbers of tasks (all, or `task_ids`) from their rows: subtasks (closed ones
    done), checklist, comments and the last comment's time, files and time spent. A constant number of
    queries per batch of REBUILD_BATCH_SIZE tasks. Returns how many tasks had wrong numbers."""
    base = Task.objects.all() if task_ids is None else Task.objects.filter(pk__in=list(task_ids))
    fixed = 0
    last_pk = 0
    while True:
        batch = list(
            base.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:REBUILD_BATCH_SIZE]
        )
        if not batch:
            break
        with transaction.atomic():
            fixed += _rebuild_batch(batch)
        last_pk = batch[-1]
    if fixed:
        log.info("task numbers fixed on %s tasks", fixed)
    return fixed
