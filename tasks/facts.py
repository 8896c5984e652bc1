"""What the tasks app tells other apps about many tasks at once (`registry.task_facts`, key "tasks"): the
lineage of tasks, counts of task sub-trees and of groups' tasks, and each person's work in a period with the
part not traceable to what the caller traces (the strategy's goals: its "orphan work").

Each function is one SQL statement (a recursive CTE walks the task hierarchy, which has no stored path);
"traced" ids come as lists or querysets of ids and are composed into the statement as sub-selects.
"""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from portal.core.registry import TaskStats, WorkShare

from .choices import RUNNING_STATUSES, TaskStatus
from .models import Task, TimeEntry

MAX_DEPTH = 50


def _ids_sql(ids) -> tuple[str, list]:
    """A parenthesised list or sub-select of ids, for `x IN <it>`."""
    if isinstance(ids, QuerySet):
        sql, params = ids.query.sql_with_params()
        return f"({sql})", list(params)
    values = [int(i) for i in ids or () if i is not None]
    if not values:
        return "(NULL)", []
    return "(" + ", ".join(["%s"] * len(values)) + ")", values


def _period(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    finish = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return begin, finish


def lineage(task_ids) -> dict[int, list[tuple[int, int | None]]]:
    """{task_id: [(id, group_id), ...]}: each task, then its parent, up to the root."""
    ids_sql, params = _ids_sql(task_ids)
    table = Task._meta.db_table
    sql = f"""
        WITH RECURSIVE up(start_id, id, parent_id, group_id, depth) AS (
            SELECT id, id, parent_id, group_id, 0 FROM {table} WHERE id IN {ids_sql}
            UNION ALL
            SELECT up.start_id, t.id, t.parent_id, t.group_id, up.depth + 1
            FROM {table} t JOIN up ON t.id = up.parent_id WHERE up.depth < {MAX_DEPTH}
        )
        SELECT start_id, id, group_id FROM up ORDER BY start_id, depth
    """
    result: dict[int, list] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for start_id, task_id, group_id in cursor.fetchall():
            result.setdefault(start_id, []).append((task_id, group_id))
    return result


def _counts_sql(alias: str = "t") -> str:
    completed = f"{alias}.status = %s"
    running = f"{alias}.status IN ({', '.join(['%s'] * len(RUNNING_STATUSES))})"
    return f"""
        COUNT(*),
        COALESCE(SUM(CASE WHEN {completed} THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN {completed} AND ({alias}.deadline IS NULL OR {alias}.completed_at <= {alias}.deadline)
            THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN {running} THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN {running} AND {alias}.deadline < %s THEN 1 ELSE 0 END), 0)
    """


def _counts_params(now) -> list:
    return [TaskStatus.COMPLETED, TaskStatus.COMPLETED, *RUNNING_STATUSES, *RUNNING_STATUSES, now]


def stats(*, task_ids=(), group_ids=(), today=None) -> TaskStats:
    """The sub-trees of `task_ids` and the tasks of `group_ids`, each task once (declined tasks left out)."""
    tasks_sql, task_params = _ids_sql(task_ids)
    groups_sql, group_params = _ids_sql(group_ids)
    table = Task._meta.db_table
    sql = f"""
        WITH RECURSIVE down(id) AS (
            SELECT id FROM {table} WHERE id IN {tasks_sql} OR group_id IN {groups_sql}
            UNION
            SELECT t.id FROM {table} t JOIN down ON t.parent_id = down.id
        )
        SELECT {_counts_sql()} FROM {table} t WHERE t.id IN (SELECT id FROM down) AND t.status <> %s
    """
    params = [*task_params, *group_params, *_counts_params(timezone.now()), TaskStatus.DECLINED]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return TaskStats(*(int(v or 0) for v in row))


def group_stats(group_ids, today=None) -> dict[int, TaskStats]:
    """{group_id: TaskStats} of each group's tasks (declined ones left out), one query."""
    now = timezone.now()
    completed = Q(status=TaskStatus.COMPLETED)
    running = Q(status__in=RUNNING_STATUSES)
    rows = (
        Task.objects.filter(group_id__in=group_ids)
        .exclude(status=TaskStatus.DECLINED)
        .order_by()
        .values("group_id")
        .annotate(
            total=Count("id"),
            closed=Count("id", filter=completed),
            closed_on_time=Count(
                "id",
                filter=completed & (Q(deadline__isnull=True) | Q(completed_at__lte=F("deadline"))),
            ),
            open=Count("id", filter=running),
            overdue=Count("id", filter=running & Q(deadline__lt=now)),
        )
    )
    return {
        row["group_id"]: TaskStats(
            row["total"], row["closed"], row["closed_on_time"], row["open"], row["overdue"]
        )
        for row in rows
    }


TRACED_BY_LOOKUP_DAYS = 62  # up to about two months of a department's work


def _traced_cte(*, person_ids, start, end, task_ids, group_ids) -> tuple[str, list]:
    """The CTEs `closed` (the tasks the people closed in the period: id, person), `logged` (their time entries
    of the period: task, person, seconds) and `traced` (the ids of those tasks whose lineage meets a traced
    task or group). The tasks table is read once for the closed tasks; the lineage climbs by primary key, and
    the traced tasks and groups are matched by two semi-joins (one `IN ... OR IN ...` would hash the whole of
    both lists)."""
    table, entries = Task._meta.db_table, TimeEntry._meta.db_table
    people_sql, people_params = _ids_sql(person_ids)
    tasks_sql, task_params = _ids_sql(task_ids)
    groups_sql, group_params = _ids_sql(group_ids)
    begin, finish = _period(start, end)
    if connection.vendor == "postgresql":
        # A lookup by primary key per parent (OFFSET 0 keeps the subquery apart): the planner guesses the
        # climbing rows by the thousand and would otherwise hash-join the whole tasks table at every level.
        climb = f"FROM up, LATERAL (SELECT id, parent_id, group_id FROM {table} WHERE id = up.parent_id OFFSET 0) t"
    else:
        climb = f"FROM up JOIN {table} t ON t.id = up.parent_id"
    traced_tasks = f"SELECT start_id FROM up WHERE id IN {tasks_sql}"
    if (
        connection.vendor == "postgresql"
        and isinstance(task_ids, QuerySet)
        and (end - start).days <= TRACED_BY_LOOKUP_DAYS
    ):
        # A short period's few thousand tasks are looked up among the traced ones one by one (an index on the
        # task); hashing every traced task of the company (150,000 links) cost twice as much. Over a longer
        # period the tasks outnumber that, and the hash wins again.
        traced_tasks = (
            f"SELECT up.start_id FROM up, LATERAL (SELECT 1 FROM {tasks_sql} AS traced_task(id)"
            " WHERE traced_task.id = up.id LIMIT 1) hit"
        )
    # The people once (a list named twice would double every id in the statement).
    if isinstance(person_ids, QuerySet):
        who_sql = people_sql[1:-1]
    else:
        who_sql = "VALUES " + ", ".join(["(%s)"] * len(people_params))
    sql = f"""
        WITH RECURSIVE who(id) AS ({who_sql}),
        closed(id, person, parent_id, group_id) AS (
            SELECT id, responsible_id, parent_id, group_id FROM {table}
            WHERE responsible_id IN (SELECT id FROM who) AND status = %s AND completed_at >= %s AND completed_at < %s
        ),
        logged(task_id, person, seconds) AS (
            SELECT task_id, user_id, seconds FROM {entries}
            WHERE user_id IN (SELECT id FROM who) AND started_at >= %s AND started_at < %s
        ),
        base(id, parent_id, group_id) AS (
            SELECT id, parent_id, group_id FROM closed
            UNION
            SELECT t.id, t.parent_id, t.group_id FROM (SELECT DISTINCT task_id FROM logged) l
            JOIN {table} t ON t.id = l.task_id
        ),
        up(start_id, id, parent_id, group_id, depth) AS (
            SELECT id, id, parent_id, group_id, 0 FROM base
            UNION ALL
            SELECT up.start_id, t.id, t.parent_id, t.group_id, up.depth + 1
            {climb}
            WHERE up.parent_id IS NOT NULL AND up.depth < {MAX_DEPTH}
        ),
        traced(id) AS (
            {traced_tasks}
            UNION
            SELECT start_id FROM up WHERE group_id IN {groups_sql}
        )
    """
    params = [
        *people_params,
        TaskStatus.COMPLETED,
        begin,
        finish,
        begin,
        finish,
        *task_params,
        *group_params,
    ]
    return sql, params


def work(*, person_ids, start, end, task_ids=(), group_ids=()) -> dict[int, WorkShare]:
    """{person_id: WorkShare}: tasks closed as responsible and seconds logged in the period, with the untraced
    part of each. One statement; `person_ids` may be a values("pk") queryset (a sub-select, for thousands)."""
    if not isinstance(person_ids, QuerySet):
        person_ids = [int(p) for p in person_ids]
        if not person_ids:
            return {}
    cte, params = _traced_cte(
        person_ids=person_ids, start=start, end=end, task_ids=task_ids, group_ids=group_ids
    )
    sql = f"""{cte}
        SELECT person, SUM(closed), SUM(closed_untraced), SUM(seconds), SUM(seconds_untraced) FROM (
            SELECT c.person, 1 AS closed, CASE WHEN tr.id IS NULL THEN 1 ELSE 0 END AS closed_untraced,
                0 AS seconds, 0 AS seconds_untraced
            FROM closed c LEFT JOIN traced tr ON tr.id = c.id
            UNION ALL
            SELECT l.person, 0, 0, l.seconds, CASE WHEN tr.id IS NULL THEN l.seconds ELSE 0 END
            FROM logged l LEFT JOIN traced tr ON tr.id = l.task_id
        ) work GROUP BY person
    """
    result = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for person, closed, closed_untraced, seconds, seconds_untraced in cursor.fetchall():
            result[person] = WorkShare(int(closed), int(closed_untraced), int(seconds), int(seconds_untraced))
    return result


def untraced(
    *, user, person_ids, start, end, task_ids=(), group_ids=(), limit=200
) -> list[tuple[int, str, str]]:
    """[(id, title, url)]: the untraced tasks the people closed in the period, that `user` may see."""
    if not isinstance(person_ids, QuerySet):
        person_ids = [int(p) for p in person_ids]
        if not person_ids:
            return []
    cte, params = _traced_cte(
        person_ids=person_ids, start=start, end=end, task_ids=task_ids, group_ids=group_ids
    )
    sql = f"""{cte}
        SELECT c.id FROM closed c WHERE c.id NOT IN (SELECT id FROM traced)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    tasks = Task.objects.visible_to(user).filter(pk__in=ids).order_by("-completed_at", "-id")[:limit]
    return [
        (task.pk, task.title, task.get_absolute_url()) for task in tasks.only("id", "title", "completed_at")
    ]


def describe(*, user, task_ids) -> dict[int, dict]:
    """{id: {title, url, closed, responsible_id, creator_id, group_id}} of the tasks `user` may see."""
    ids = [int(i) for i in task_ids]
    if not ids:
        return {}
    rows = (
        Task.objects.visible_to(user)
        .filter(pk__in=ids)
        .only("id", "title", "status", "responsible_id", "creator_id", "group_id")
    )
    return {
        task.pk: {
            "title": task.title,
            "url": task.get_absolute_url(),
            "closed": task.is_closed,
            "responsible_id": task.responsible_id,
            "creator_id": task.creator_id,
            "group_id": task.group_id,
        }
        for task in rows
    }


def responsible_ids(*, person_id, limit=300) -> list[int]:
    """The person's tasks as the responsible person: open ones first, then the most recently closed."""
    from django.db.models import Case, IntegerField, Value, When

    rows = (
        Task.objects.filter(responsible_id=person_id)
        .exclude(status=TaskStatus.DECLINED)
        .annotate(
            _closed=Case(
                When(status=TaskStatus.COMPLETED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("_closed", "-updated_at", "-id")
        .values_list("id", flat=True)[:limit]
    )
    return list(rows)
