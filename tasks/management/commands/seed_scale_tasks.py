"""`manage.py seed_scale_tasks --tasks 1000000`: tasks at scale for the load benchmark, after `seed_scale`.

Bulk inserts, not services (as `seed_scale` does for people): a realistic history of tasks over two years for
the seeded company, in seconds to minutes. Each task has a responsible person and a creator (often the
person's supervisor), some have participants and observers, a group or project, a deadline, subtasks (up to
three levels), finish-to-start links inside projects, tags, a checklist, comments (mostly read by the
people of the task) and time entries. The
stored numbers (subtasks, checklist, comments, time spent) and `search_text` (title, description,
comments) are filled as the services would keep them.

On PostgreSQL the rows go in through COPY in one transaction, with the tables' secondary indexes and
foreign keys dropped while loading and rebuilt at the end (one pass each instead of a million index
insertions and foreign-key checks), then the tables are ANALYZEd. Elsewhere `bulk_create` in batches.

It only runs on a database `seed_scale` filled (it refuses real people) and replaces the tasks there.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime
import random
import time
from collections import deque
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from portal.core.seeding import Writer, reset_sequences
from tasks.choices import (
    CLOSED_STATUSES,
    HANDED_IN_STATUSES,
    LinkKind,
    MemberRole,
    TaskPriority,
    TaskStatus,
    TimeSource,
)

SCALE_DOMAIN = "scale.lumen"  # portal.stream.management.commands.seed_scale.DOMAIN
TASKS_PER_EMPLOYEE = 50
CHUNK = 20_000  # tasks generated (and, elsewhere than PostgreSQL, committed) at a time
HISTORY_DAYS = 730
RECENT_DAYS = 120  # tasks younger than this are mostly still open

VERBS = [
    "Prepare", "Review", "Update", "Fix", "Call", "Send", "Draft", "Check", "Plan", "Organise", "Test",
    "Migrate", "Approve", "Negotiate", "Analyse", "Schedule", "Document", "Deploy", "Order", "Translate",
    "Renew", "Audit", "Clean up", "Estimate", "Present",
]  # fmt: skip
OBJECTS = [
    "the quarterly report",
    "the offer for {client}",
    "the contract with {client}",
    "invoice {ref}",
    "the landing page",
    "the login error on {platform}",
    "the onboarding checklist",
    "the supplier price list",
    "the budget for {quarter}",
    "the release notes {ref}",
    "the training for new hires",
    "the warehouse inventory",
    "the support ticket {ref}",
    "the press release",
    "the backup of the {system} server",
    "the trade fair stand",
    "the newsletter for {quarter}",
    "the data export to {system}",
    "the travel plan for {city}",
    "the payment reminder to {client}",
    "the security review of {system}",
    "the customer survey",
    "the meeting with {client} in {city}",
    "the job posting for a {role}",
    "the {platform} app build {ref}",
]
CLIENTS = (
    "Orion Logistics|Bluefield Farms|Nordic Timber|Helix Pharma|Cobalt Mining|Vega Travel|Summit Foods|"
    "Atlas Freight|Crescent Bank|Ironwood Tools|Lumina Energy|Pioneer Textiles|Quartz Media|Redwood Clinics|"
    "Sapphire Hotels|Tundra Outdoor|Umbra Security|Verde Organics|Willow Insurance|Zenith Motors"
).split("|")
CITIES = "Berlin Lisbon Warsaw Madrid Vienna Prague Oslo Dublin Milan Lyon Porto Riga Tallinn Zagreb".split()
SYSTEMS = "ERP CRM billing mail intranet warehouse payroll analytics".split()
PLATFORMS = "iOS Android web desktop".split()
ROLES = "designer|backend developer|accountant|sales manager|recruiter|support agent".split("|")
DESCRIPTIONS = [
    "Agreed at the Monday meeting. Keep the customer in the loop and attach the final version here.",
    "Use last year's figures as the baseline and flag anything that moved by more than ten percent.",
    "The deadline is firm because the client presents it to their board the day after.",
    "Coordinate with finance before sending anything out; the numbers must match the ledger.",
    "Steps to reproduce are in the ticket. It only happens after the session times out.",
    "Ask legal to check the liability clause and the termination notice period.",
    "Book the room and send the agenda at least two days in advance.",
    "The previous vendor missed two deliveries, so compare at least three offers this time.",
    "Write it in plain language; the audience is new colleagues in their first week.",
    "Measure the page speed before and after, and keep the screenshots for the report.",
    "Check the stock against the system and explain every difference above five units.",
    "Make sure the backup is restorable: do a test restore on the staging machine.",
    "",
]
COMMENTS = [
    "Done with the first draft, please have a look.",
    "I need the figures from accounting before I can continue.",
    "Moved the meeting to Thursday, the client asked for it.",
    "Could you check the attachment? Something looks off in the totals.",
    "Waiting for the supplier to confirm the delivery date.",
    "Looks good to me, go ahead.",
    "The courier picked up the documents this morning.",
    "Found the cause: an expired certificate on the proxy.",
    "Please add the translation for the German version too.",
    "Reminder: the deadline is tomorrow.",
    "I called them, they promised an answer by Friday.",
    "Updated the estimate, it will take a bit longer.",
]
CHECKLIST = [
    "Collect the inputs",
    "Write the first version",
    "Get feedback",
    "Fix the remarks",
    "Get approval",
    "Send to the customer",
    "Archive the documents",
]
SHARED_TAGS = ["urgent", "client", "internal", "blocked", "quick win"]
PERSONAL_TAGS = ["follow up", "read later", "important"]


@dataclass
class Company:
    """What the seeded company looks like, read once from the database."""

    people: list[int]
    department_of: dict[int, int]
    supervisor_of: dict[int, int | None]
    colleagues: dict[int, list[int]]
    groups: list[tuple[int, list[int], bool, datetime.date | None]]  # id, roster, is project, start
    group_weights: list[int] = field(default_factory=list)


def scale_people_only() -> int:
    """How many people seed_scale did not create (the command refuses to run when there are any)."""
    from portal.people.models import User

    return User.objects.exclude(email__endswith=f"@{SCALE_DOMAIN}").count()


class Command(BaseCommand):
    help = "Seed tasks at scale (with members, hierarchy, links, comments...) for the load benchmark."

    def add_arguments(self, parser):
        parser.add_argument(
            "--tasks",
            type=int,
            default=None,
            help=f"tasks to seed (default {TASKS_PER_EMPLOYEE} per employee)",
        )
        parser.add_argument(
            "--reset", action="store_true", help="replace the tasks even if the count matches"
        )
        parser.add_argument("--seed", type=int, default=20260101, help="random seed (same seed, same data)")

    def handle(self, *args, tasks: int | None, reset: bool, seed: int, **options):
        from portal.people.models import User
        from tasks.models import Task

        foreign = scale_people_only()
        if foreign:
            raise CommandError(
                f"This database holds {foreign} people seed_scale did not create; seed_scale_tasks fills the "
                "benchmark's database only (run seed_scale there first)."
            )
        employees = User.objects.filter(is_staff=False).count()
        if not employees:
            raise CommandError("No people to give tasks to: run `manage.py seed_scale` first.")
        tasks = employees * TASKS_PER_EMPLOYEE if tasks is None else tasks
        if tasks < 0:
            raise CommandError("--tasks must not be negative.")
        if not reset and Task.objects.count() == tasks:
            self.stdout.write(f"Already seeded: {tasks} tasks (use --reset to redo).")
            return
        started = time.perf_counter()
        log = self.stdout.write if options.get("verbosity", 1) >= 2 else None
        counts = seed_tasks(tasks=tasks, rng=random.Random(seed), log=log)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {counts['tasks']} tasks ({counts['subtasks']} subtasks, {counts['overdue']} overdue), "
                f"{counts['members']} participants and observers, {counts['links']} links, "
                f"{counts['comments']} comments, {counts['checklist']} checklist items, "
                f"{counts['tags']} tags on {counts['tagged']} tasks, {counts['time_entries']} time entries "
                f"in {elapsed:.1f}s"
            )
        )


# --- the company ----------------------------------------------------------------------------------------


def load_company() -> Company:
    from portal.groups.choices import GroupKind
    from portal.groups.models import Membership, Workgroup
    from portal.people.models import Department, User

    rows = list(
        User.objects.filter(is_active=True, is_staff=False).order_by("pk").values_list("pk", "department_id")
    )
    people = [pk for pk, _ in rows]
    department_of = dict(rows)
    departments = list(Department.objects.values_list("pk", "path", "head_id"))
    by_path = {path: (pk, head) for pk, path, head in departments}
    steplen = Department.steplen
    head_of: dict[int, int | None] = {pk: head for pk, _path, head in departments}
    parent_of: dict[int, int | None] = {}
    for pk, path, _head in departments:
        parent = by_path.get(path[:-steplen])
        parent_of[pk] = parent[0] if parent else None
    supervisor_of: dict[int, int | None] = {}
    for person, department in department_of.items():
        # The head of the person's department, or (for the head) the nearest head above.
        current = department
        boss = head_of.get(current)
        while current is not None and (boss is None or boss == person):
            current = parent_of.get(current)
            boss = head_of.get(current) if current is not None else None
        supervisor_of[person] = boss
    colleagues: dict[int, list[int]] = {}
    for person, department in department_of.items():
        colleagues.setdefault(department, []).append(person)
    active = set(people)
    rosters: dict[int, list[int]] = {}
    for group_id, user_id in Membership.objects.order_by("group_id", "id").values_list("group_id", "user_id"):
        if user_id in active:
            rosters.setdefault(group_id, []).append(user_id)
    groups = [
        (pk, rosters[pk], kind == GroupKind.PROJECT, start)
        for pk, kind, start in Workgroup.objects.order_by("pk").values_list("pk", "kind", "start_date")
        if rosters.get(pk)
    ]
    return Company(
        people=people,
        department_of=department_of,
        supervisor_of=supervisor_of,
        colleagues=colleagues,
        groups=groups,
        group_weights=list(_accumulate(len(roster) for _pk, roster, _p, _s in groups)),
    )


def _accumulate(values):
    total = 0
    for value in values:
        total += value
        yield total


# --- writing --------------------------------------------------------------------------------------------


def _task_models():
    from tasks import models as m

    return [
        m.Tag, m.Task, m.TaskMember, m.TaskLink, m.TaskTag, m.ChecklistItem, m.TaskComment, m.TaskView,
        m.TimeEntry,
    ]  # fmt: skip


def clear_tasks() -> None:
    """Remove every task and what hangs on it (tags too)."""
    from tasks import models as m

    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in _task_models())
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    else:
        for model in (
            m.TimeEntry,
            m.TaskView,
            m.TaskComment,
            m.ChecklistItem,
            m.TaskTag,
            m.TaskLink,
            m.TaskMember,
        ):
            model.objects.all().delete()
        m.Task.objects.filter(parent__isnull=False).update(parent=None)
        m.Task.objects.all().delete()
        m.Tag.objects.all().delete()


class Clock:
    """Phase timings for `-v 2`: each `lap` reports the time since the previous one."""

    def __init__(self, log=None) -> None:
        self.log = log
        self.last = time.perf_counter()

    def lap(self, what: str) -> None:
        now = time.perf_counter()
        if self.log is not None:
            self.log(f"  {what}: {now - self.last:.1f}s")
        self.last = now


@contextlib.contextmanager
def _bulk_load(models, clock: Clock):
    """PostgreSQL: drop the secondary indexes and foreign keys of `models`' tables, and put them back
    (built in one pass, checked in one query each) when the block ends, inside the caller's transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [tables],
        )
        foreign_keys = cursor.fetchall()
        # Checks still queued in this transaction (rows just written elsewhere) would block the ALTERs.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    clock.lap(f"dropped {len(indexes)} indexes and {len(foreign_keys)} foreign keys")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for name, definition in indexes:
            cursor.execute(definition)
            clock.lap(f"index {name}")
        for table, name, definition in foreign_keys:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )
        clock.lap(f"{len(foreign_keys)} foreign keys checked")


# --- generating -----------------------------------------------------------------------------------------


def seed_tasks(
    *, tasks: int, rng: random.Random, now: datetime.datetime | None = None, log=None
) -> dict[str, int]:
    """Replace the tasks of the seeded company with `tasks` new ones. Returns how many of each thing.

    `log` (a callable taking a line) receives the time of each phase."""
    from tasks import models as m

    now = now or timezone.now()
    company = load_company()
    if not company.people:
        raise CommandError("No people to give tasks to: run `manage.py seed_scale` first.")
    models = _task_models()
    writer = Writer()
    counts = {"subtasks": 0, "overdue": 0, "tagged": 0}
    generator = Generator(company=company, rng=rng, now=now, total=tasks)
    on_postgres = connection.vendor == "postgresql"
    clock = Clock(log)
    # PostgreSQL: one transaction, so a failure leaves the indexes and keys as they were. Elsewhere: a
    # transaction per chunk keeps SQLite's journal small.
    with transaction.atomic() if on_postgres else contextlib.nullcontext():
        clear_tasks()
        clock.lap("cleared the old tasks")
        with _bulk_load(models, clock):
            with transaction.atomic():
                writer.write(m.Tag, generator.tag_rows())
            for start in range(0, tasks, CHUNK):
                chunk = generator.chunk(start, min(tasks, start + CHUNK))
                with transaction.atomic():
                    for model in models[1:]:
                        writer.write(model, chunk[model.__name__])
                for key in counts:
                    counts[key] += chunk["counts"][key]
            clock.lap(f"generated and wrote {tasks} tasks")
            reset_sequences(models)
    if on_postgres:
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        clock.lap("analyzed")
    _recount(company.people)
    clock.lap("task counters of everybody")
    return {
        "tasks": writer.written.get("Task", 0),
        "subtasks": counts["subtasks"],
        "overdue": counts["overdue"],
        "members": writer.written.get("TaskMember", 0),
        "links": writer.written.get("TaskLink", 0),
        "comments": writer.written.get("TaskComment", 0),
        "checklist": writer.written.get("ChecklistItem", 0),
        "tags": writer.written.get("Tag", 0),
        "tagged": counts["tagged"],
        "time_entries": writer.written.get("TimeEntry", 0),
    }


def _recount(people: list[int]) -> None:
    """The stored task counters of everybody, from the seeded data (as the nightly rebuild does)."""
    from portal.notifications.counters import counters_store
    from tasks.apps import TASK_COUNTERS

    for start in range(0, len(people), 500):
        with transaction.atomic():
            counters_store(people[start : start + 500], list(TASK_COUNTERS), push=False)


class Generator:
    """Deterministic rows for tasks number `start` … `end - 1` (ids `start + 1` …), oldest first."""

    def __init__(self, *, company: Company, rng: random.Random, now: datetime.datetime, total: int) -> None:
        self.company = company
        self.rng = rng
        self.now = now
        self.total = max(total, 1)
        self.begin = now - datetime.timedelta(days=HISTORY_DAYS)
        self.span = (now - self.begin).total_seconds()
        self.tag_ids_group: dict[int, list[int]] = {}
        self.tag_ids_person: dict[int, list[int]] = {}
        self.next_ids = dict.fromkeys(
            ("member", "link", "tasktag", "checklist", "comment", "view", "time"), 1
        )
        self.group_by_id = {group[0]: group for group in company.groups}

    # Tags: shared ones in every group, personal ones for everybody.
    def tag_rows(self) -> list[dict]:
        rows = []
        pk = 0
        created = self.begin
        for group_id, _roster, _project, _start in self.company.groups:
            for name in SHARED_TAGS:
                pk += 1
                rows.append({"id": pk, "name": name, "group_id": group_id, "created_at": created})
                self.tag_ids_group.setdefault(group_id, []).append(pk)
        for person in self.company.people:
            for name in PERSONAL_TAGS:
                pk += 1
                rows.append({"id": pk, "name": name, "owner_id": person, "created_at": created})
                self.tag_ids_person.setdefault(person, []).append(pk)
        return rows

    def _text(self, template: str, number: int) -> str:
        rng = self.rng
        return template.format(
            client=rng.choice(CLIENTS),
            ref=f"#{10000 + number}",
            platform=rng.choice(PLATFORMS),
            quarter=f"Q{rng.randint(1, 4)}",
            system=rng.choice(SYSTEMS),
            city=rng.choice(CITIES),
            role=rng.choice(ROLES),
        )

    def _people_for(self, group) -> tuple[int, int]:
        """(creator, responsible) for a task in `group` (or personal when None)."""
        rng, company = self.rng, self.company
        if group is not None:
            roster = group[1]
            responsible = rng.choice(roster)
            creator = roster[0] if rng.random() < 0.4 else rng.choice(roster)
            return creator, responsible
        responsible = rng.choice(company.people)
        roll = rng.random()
        if roll < 0.5 and company.supervisor_of.get(responsible):
            creator = company.supervisor_of[responsible]
        elif roll < 0.8:
            creator = responsible
        else:
            creator = rng.choice(company.colleagues[company.department_of[responsible]])
        return creator, responsible

    def _status(self, created: datetime.datetime) -> str:
        roll = self.rng.random()
        if (self.now - created).days > RECENT_DAYS:
            table = [
                (0.88, TaskStatus.COMPLETED),
                (0.93, TaskStatus.DECLINED),
                (0.96, TaskStatus.DEFERRED),
                (0.98, TaskStatus.PENDING),
                (0.99, TaskStatus.IN_PROGRESS),
                (1.01, TaskStatus.NEW),
            ]
        else:
            table = [
                (0.40, TaskStatus.COMPLETED),
                (0.44, TaskStatus.DECLINED),
                (0.57, TaskStatus.NEW),
                (0.70, TaskStatus.PENDING),
                (0.88, TaskStatus.IN_PROGRESS),
                (0.95, TaskStatus.AWAITING_CONTROL),
                (1.01, TaskStatus.DEFERRED),
            ]
        return next(status for limit, status in table if roll < limit)

    def chunk(self, start: int, end: int) -> dict:
        """Rows of every task table for tasks `start` … `end - 1`."""
        rng, company, now = self.rng, self.company, self.now
        out: dict = {name: [] for name in ("Task", "TaskMember", "TaskLink", "TaskTag")}
        out.update({"ChecklistItem": [], "TaskComment": [], "TaskView": [], "TimeEntry": [], "counts": {}})
        subtasks = overdue = tagged = 0
        tasks: dict[int, dict] = {}
        depth: dict[int, int] = {}
        # Parents whose subtasks come next: [task, subtasks still to come]; a subtask that becomes a parent
        # itself goes on top, so its own subtasks follow it (three levels at most).
        families: list[list] = []
        recent_in_project: dict[int, deque[int]] = {}  # link candidates per project
        for number in range(start, end):
            pk = number + 1
            created = self.begin + datetime.timedelta(
                seconds=self.span * (number + rng.random()) / self.total
            )
            parent = None
            if families and rng.random() < 0.8:
                family = families[-1]
                parent = family[0]
                family[1] -= 1
                if family[1] <= 0:
                    families.pop()
            if parent is not None:
                group = self.group_by_id.get(parent["group_id"])
                creator = parent["responsible_id"]
                responsible = (
                    rng.choice(group[1])
                    if group
                    else rng.choice(company.colleagues[company.department_of[creator]])
                )
            else:
                group = None
                if company.groups and rng.random() < 0.4:
                    index = bisect.bisect_right(
                        company.group_weights, rng.randrange(company.group_weights[-1])
                    )
                    group = company.groups[index]
                creator, responsible = self._people_for(group)
            status = self._status(created)
            title = f"{rng.choice(VERBS)} {self._text(rng.choice(OBJECTS), number)}"
            description = rng.choice(DESCRIPTIONS)
            deadline = None
            if rng.random() < 0.8:
                deadline = (created + datetime.timedelta(days=rng.randint(1, 21))).replace(
                    hour=17, minute=0, second=0, microsecond=0
                )
                if deadline < created:
                    deadline += datetime.timedelta(days=1)
            requires_control = creator != responsible and rng.random() < 0.2
            if status == TaskStatus.AWAITING_CONTROL:
                if creator == responsible:
                    status = TaskStatus.IN_PROGRESS
                requires_control = creator != responsible
            started_at = completed_at = None
            if status in (TaskStatus.IN_PROGRESS, TaskStatus.AWAITING_CONTROL, TaskStatus.COMPLETED):
                started_at = min(now, created + datetime.timedelta(hours=rng.randint(0, 48)))
            if status in HANDED_IN_STATUSES:  # when the responsible person completed it (also into control)
                typical = (deadline - created) if deadline else datetime.timedelta(days=5)
                completed_at = min(now, created + typical * rng.uniform(0.2, 1.4))
                if started_at and completed_at < started_at:
                    completed_at = started_at
            became_overdue = bool(
                deadline
                and ((completed_at and completed_at > deadline) or (not completed_at and deadline < now))
            )
            if became_overdue and not completed_at and status not in CLOSED_STATUSES:
                overdue += 1
            planned_start = planned_end = None
            is_project = bool(group and group[2])
            if is_project:
                planned_start = (created + datetime.timedelta(days=rng.randint(0, 5))).replace(
                    hour=9, minute=0, second=0, microsecond=0
                )
                planned_end = planned_start + datetime.timedelta(days=rng.randint(1, 15), hours=8)
            task = {
                "id": pk,
                "title": title,
                "description": description,
                "creator_id": creator,
                "responsible_id": responsible,
                "status": status,
                "priority": TaskPriority.HIGH if rng.random() < 0.15 else TaskPriority.NORMAL,
                "deadline": deadline,
                "planned_start": planned_start,
                "planned_end": planned_end,
                "group_id": group[0] if group else None,
                "parent_id": parent["id"] if parent else None,
                "allow_change_deadline": rng.random() < 0.3,
                "requires_control": requires_control,
                "deadline_in_work_hours": False,
                "started_at": started_at,
                "completed_at": completed_at,
                "became_overdue": became_overdue,
                "schedule_conflict": False,
                "time_estimate": rng.choice([1800, 3600, 7200, 14400, 28800])
                if rng.random() < 0.25
                else None,
                "time_spent": 0,
                "source_id": "",
                "subtasks_count": 0,
                "subtasks_done": 0,
                "checklist_count": 0,
                "checklist_done": 0,
                "comments_count": 0,
                "files_count": 0,
                "last_comment_at": None,
                "created_at": created,
                "updated_at": completed_at or created,
            }
            tasks[pk] = task
            out["Task"].append(task)
            depth[pk] = depth[parent["id"]] + 1 if parent else 1
            if depth[pk] < 3 and rng.random() < (0.1 if parent else 0.04):
                families.append([task, rng.randint(2, 5)])
            if parent is not None:
                subtasks += 1
                parent["subtasks_count"] += 1
                if status in CLOSED_STATUSES:
                    parent["subtasks_done"] += 1

            # Links: a finish-to-start chain inside a project, the successor planned after its predecessor.
            if is_project:
                candidates = recent_in_project.setdefault(group[0], deque(maxlen=20))
                if candidates and rng.random() < 0.3:
                    before = tasks[rng.choice(candidates)]
                    if before["planned_end"] is not None:
                        shift = before["planned_end"] + datetime.timedelta(days=rng.randint(0, 2))
                        length = planned_end - planned_start
                        task["planned_start"], task["planned_end"] = shift, shift + length
                        out["TaskLink"].append(
                            {
                                "id": self._next("link"),
                                "predecessor_id": before["id"],
                                "successor_id": pk,
                                "kind": LinkKind.FINISH_TO_START,
                                "created_by_id": creator,
                                "created_at": created,
                            }
                        )
                candidates.append(pk)

            # Participants and observers: from the group, else from the responsible person's department.
            pool = group[1] if group else company.colleagues[company.department_of[responsible]]
            taken = {creator, responsible}
            people_in_task = [creator, responsible]
            for role, weights in (
                (MemberRole.PARTICIPANT, (60, 25, 15)),
                (MemberRole.OBSERVER, (70, 20, 10)),
            ):
                wanted = rng.choices((0, 1, 2), weights=weights)[0]
                for _ in range(wanted):
                    person = rng.choice(pool) if rng.random() < 0.8 else rng.choice(company.people)
                    if person in taken:
                        continue
                    taken.add(person)
                    if role == MemberRole.PARTICIPANT:
                        people_in_task.append(person)
                    out["TaskMember"].append(
                        {"id": self._next("member"), "task_id": pk, "user_id": person, "role": role}
                    )

            # Tags: the group's shared tags, or the creator's own.
            if rng.random() < 0.2:
                options = (
                    self.tag_ids_group.get(group[0], []) if group else self.tag_ids_person.get(creator, [])
                )
                if options:
                    tagged += 1
                    for tag_id in rng.sample(options, k=min(len(options), rng.randint(1, 2))):
                        out["TaskTag"].append({"id": self._next("tasktag"), "task_id": pk, "tag_id": tag_id})

            # A checklist on some tasks, ticked as far as the task got.
            if rng.random() < 0.08:
                items = rng.randint(3, 6)
                done_share = 1.0 if status == TaskStatus.COMPLETED else (0.5 if started_at else 0.0)
                for position in range(items):
                    is_done = rng.random() < done_share
                    out["ChecklistItem"].append(
                        {
                            "id": self._next("checklist"),
                            "task_id": pk,
                            "text": CHECKLIST[position % len(CHECKLIST)],
                            "position": position,
                            "is_done": is_done,
                            "assignee_id": rng.choice(people_in_task) if rng.random() < 0.3 else None,
                            "done_by_id": responsible if is_done else None,
                            "done_at": (completed_at or now) if is_done else None,
                        }
                    )
                    task["checklist_count"] += 1
                    task["checklist_done"] += int(is_done)

            # Comments, between creation and closing (or now).
            bodies = []
            comments = rng.choices((0, 1, 2, 3), weights=(65, 20, 10, 5))[0]
            last_moment = completed_at or now
            window = max((last_moment - created).total_seconds(), 60.0)
            stamps = sorted(
                created + datetime.timedelta(seconds=rng.uniform(0, window)) for _ in range(comments)
            )
            for stamp in stamps:
                body = rng.choice(COMMENTS)
                bodies.append(body)
                out["TaskComment"].append(
                    {
                        "id": self._next("comment"),
                        "task_id": pk,
                        "author_id": rng.choice(people_in_task),
                        "body": body,
                        "created_at": stamp,
                        "edited_at": None,
                    }
                )
            if stamps:
                task["comments_count"] = len(stamps)
                task["last_comment_at"] = stamps[-1]
                task["updated_at"] = max(task["updated_at"], stamps[-1])
                # Most people have read the comments of their tasks; some have not yet (the counter).
                seen_share = 0.95 if completed_at else 0.7
                for person in dict.fromkeys((creator, responsible)):
                    if rng.random() < seen_share:
                        out["TaskView"].append(
                            {
                                "id": self._next("view"),
                                "task_id": pk,
                                "user_id": person,
                                "seen_at": stamps[-1],
                            }
                        )
            task["search_text"] = "\n".join(part for part in (title, description, *bodies) if part)

            # Time logged on some started tasks.
            if started_at and rng.random() < 0.12:
                for _ in range(rng.randint(1, 3)):
                    seconds = rng.randint(1, 16) * 900
                    begin = started_at + datetime.timedelta(minutes=rng.randint(0, 600))
                    if begin + datetime.timedelta(seconds=seconds) > now:
                        continue
                    out["TimeEntry"].append(
                        {
                            "id": self._next("time"),
                            "task_id": pk,
                            "user_id": rng.choice(people_in_task[1:]),
                            "started_at": begin,
                            "ended_at": begin + datetime.timedelta(seconds=seconds),
                            "seconds": seconds,
                            "source": TimeSource.MANUAL,
                            "comment": "",
                            "created_at": begin + datetime.timedelta(seconds=seconds),
                        }
                    )
                    task["time_spent"] += seconds
        out["counts"] = {"subtasks": subtasks, "overdue": overdue, "tagged": tagged}
        return out

    def _next(self, kind: str) -> int:
        value = self.next_ids[kind]
        self.next_ids[kind] = value + 1
        return value
