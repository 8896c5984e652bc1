"""`manage.py bench_digests`: the worker time and the queries of building every control digest at scale.

By default it seeds a company of its own (`--employees 5000 --supervisors 500`: a department tree with one
head per department, people in five time zones, yesterday's and today's working days, work reports, day
corrections, tasks and stored counters), makes every supervisor due (digest time 00:00) and runs the beat's
sweep in-process, `services.digests_run_due`, exactly as the worker does: who is due, then each digest built
in its own (nested) transaction. It prints the worker time, the digests built and the queries per digest
(min / max: the same for a head of 9 people and for the head of the company's 5,000). Everything happens in
one transaction that is rolled back at the end (no mail goes out; the database is left as it was), so the
command can be run again and again. `--existing` measures the data already in the database instead of seeding.

Meant for PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/lumen_digests (migrated first).
"""

from __future__ import annotations

import datetime
import json
import random
import statistics
import time
import zoneinfo

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models.signals import post_save
from django.test.utils import override_settings
from django.utils import timezone

DOMAIN = "digests.bench"
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "America/Los_Angeles"]
TASKS_PER_EMPLOYEE = 10
BENCH_COUNTER = "bench.crm_overdue"
TRAILING = 2  # statements of a digest after its insert: the audit row, RELEASE SAVEPOINT


class _Rollback(Exception):
    """Raised at the end of the measured block so that nothing of the run stays in the database."""


class Command(BaseCommand):
    help = "Measure building all control digests (worker time, queries per digest) at scale; rolled back."

    def add_arguments(self, parser):
        parser.add_argument("--employees", type=int, default=5000, help="people to seed (default 5000)")
        parser.add_argument("--supervisors", type=int, default=500, help="department heads (default 500)")
        parser.add_argument(
            "--personal", type=float, default=0.1, help="share of people with the personal digest on (0.1)"
        )
        parser.add_argument("--existing", action="store_true", help="measure the data in the database")
        parser.add_argument("--seed", type=int, default=20260114, help="random seed (same seed, same data)")
        parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")

    def handle(self, *args, employees, supervisors, personal, existing, seed, json: bool = False, **kw):
        if not existing:
            if supervisors < 2 or employees < supervisors * 2:
                raise CommandError("Give at least 2 supervisors and twice as many employees as supervisors.")
            from portal.people.models import User

            foreign = User.objects.exclude(email__endswith=f"@{DOMAIN}").count()
            if foreign:
                raise CommandError(
                    f"This database holds {foreign} people; seed into an empty, migrated database (point "
                    "DATABASE_URL at another one) or measure them with --existing."
                )
        now = bench_now()
        figures: dict = {"now": now.isoformat()}
        try:
            with transaction.atomic():
                if not existing:
                    started = time.perf_counter()
                    figures["seeded"] = seed_company(
                        employees=employees,
                        supervisors=supervisors,
                        personal=personal,
                        rng=random.Random(seed),
                        now=now,
                    )
                    figures["seed_seconds"] = round(time.perf_counter() - started, 1)
                with override_settings(DEBUG=False):  # as in a production worker: no query log
                    figures.update(measure(now))
                raise _Rollback
        except _Rollback:
            pass
        figures["database"] = connection.vendor
        if json:
            self.stdout.write(_json(figures))
        else:
            self.stdout.write(report(figures))


def _json(figures: dict) -> str:
    return json.dumps(figures, sort_keys=True)


def report(f: dict) -> str:
    seeded = f.get("seeded")
    lines = [
        f"Digest bench on {f['database']}"
        + (
            f": seeded {seeded['employees']} employees, {seeded['supervisors']} supervisors, "
            f"{seeded['tasks']} tasks in {f['seed_seconds']}s (rolled back)"
            if seeded
            else " (existing data, rolled back)"
        ),
        f"Who is due: {f['due_queries']} queries, {f['due_seconds']:.3f}s ({f['due']} digests due)",
        f"Built {f['built']} digests ({f['supervisor']['count']} control, {f['personal']['count']} personal) "
        f"in {f['seconds']:.1f}s of worker time (wall clock; {f['cpu_seconds']:.1f}s CPU in the worker, "
        f"{f['sql_seconds']:.1f}s waiting for PostgreSQL)",
    ]
    for kind in ("supervisor", "personal"):
        k = f[kind]
        if k["count"]:
            lines.append(
                f"  {kind:<10} queries per digest: min {k['queries_min']}, max {k['queries_max']}, "
                f"mean {k['queries_mean']:.1f}; time per digest: mean {k['ms_mean']:.1f} ms, max {k['ms_max']:.1f} ms "
                f"(largest: {k['largest_people']} people)"
            )
    lines.append(f"Queries in all: {f['queries']}")
    return "\n".join(lines)


class _QueryCounter:
    """Counts the statements a connection executes and the time spent in them (an execute wrapper: no
    query log, no cap, no DEBUG formatting of parameters)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def bench_now() -> datetime.datetime:
    """The instant the bench runs the sweep at: the latest Wednesday, 12:00 UTC (a working day in every one of
    the seeded time zones, whatever day the bench runs on: nobody gets a digest on a day off)."""
    now = timezone.now().astimezone(datetime.UTC)
    wednesday = (now - datetime.timedelta(days=(now.weekday() - 2) % 7)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    return wednesday if wednesday <= now else wednesday - datetime.timedelta(days=7)


def measure(now: datetime.datetime) -> dict:
    """Make every supervisor due, then run the sweep as the worker does, counting queries per digest."""
    from django.contrib.contenttypes.models import ContentType

    from portal.people.models import User
    from reports import selectors, services
    from reports.models import Digest, DigestPreference

    heads = list(
        User.objects.filter(is_active=True, headed_department__isnull=False).values_list("pk", flat=True)
    )
    DigestPreference.objects.filter(user_id__in=heads).update(digest_time=datetime.time(0, 0))
    have = set(DigestPreference.objects.filter(user_id__in=heads).values_list("user_id", flat=True))
    DigestPreference.objects.bulk_create(
        [DigestPreference(user_id=pk, digest_time=datetime.time(0, 0)) for pk in heads if pk not in have],
        batch_size=1000,
    )
    Digest.objects.all().delete()  # inside the rolled-back transaction: today's digests are built afresh
    ContentType.objects.get_for_model(Digest)  # a worker has it cached after its first digest
    selectors.register_digest_counter(BENCH_COUNTER, label="CRM activities overdue (bench)")

    counter = _QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        due = selectors.digests_due(now=now)
        due_seconds = time.perf_counter() - started
    due_queries = counter.count

    counter = _QueryCounter()
    marks: list[tuple[int, float, str, int]] = []

    def mark(sender, instance, created, **kwargs):
        if created:
            people = (instance.data or {}).get("people_count", 1)
            marks.append((counter.count, time.perf_counter(), instance.kind, people))

    post_save.connect(mark, sender=Digest, dispatch_uid="bench_digests")
    try:
        with connection.execute_wrapper(counter):
            cpu, started = time.process_time(), time.perf_counter()
            built = services.digests_run_due(now=now)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        post_save.disconnect(sender=Digest, dispatch_uid="bench_digests")
        selectors.unregister_digest_counter(BENCH_COUNTER)

    # A digest is SAVEPOINT, its reads, the INSERT (the mark), the audit row, RELEASE: from one mark to the
    # next are the closing statements of the one before and everything of this one up to its insert, i.e.
    # exactly one digest's worth. The first starts after the sweep's own "who is due" queries.
    per_kind: dict[str, dict[str, list]] = {
        k: {"q": [], "ms": [], "people": []} for k in ("supervisor", "personal")
    }
    previous_q, previous_t = due_queries - TRAILING, started
    for queries, moment, kind, people in marks:
        per_kind[kind]["q"].append(queries - previous_q)
        per_kind[kind]["ms"].append((moment - previous_t) * 1000)
        per_kind[kind]["people"].append(people)
        previous_q, previous_t = queries, moment
    figures = {
        "due": len(due),
        "due_queries": due_queries,
        "due_seconds": round(due_seconds, 3),
        "built": built,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "sql_seconds": round(counter.seconds, 2),
        "queries": counter.count,
    }
    for kind, values in per_kind.items():
        figures[kind] = {
            "count": len(values["q"]),
            "queries_min": min(values["q"], default=0),
            "queries_max": max(values["q"], default=0),
            "queries_mean": round(statistics.fmean(values["q"]), 2) if values["q"] else 0,
            "ms_mean": round(statistics.fmean(values["ms"]), 2) if values["ms"] else 0,
            "ms_max": round(max(values["ms"], default=0), 2),
            "largest_people": max(values["people"], default=0),
        }
    return figures


# --- seeding ---------------------------------------------------------------------------------------------


def seed_company(
    *, employees: int, supervisors: int, personal: float, rng: random.Random, now: datetime.datetime
) -> dict:
    """A company with `supervisors` departments (each with a head) and `employees` people, and yesterday's and
    today's life of each: days (some late, some missing, some left for confirmation), reports (some missing,
    some negative, some waiting), pending corrections, tasks (some overdue, some awaiting control) and a
    stored counter. Bulk inserts: the point is the digests, not the side effects of hiring 5,000 people."""
    from django.apps import apps

    from portal.notifications.models import UserCounter
    from portal.people.models import Company, Department, User
    from reports.choices import CorrectionStatus, DayState, Rating, ReportStatus
    from reports.models import DayCorrection, DigestPreference, WorkDay, WorkReport

    # The tasks the digests read, by name: reports imports no task module (the bench needs the tasks app).
    Task = apps.get_model("tasks", "Task")  # noqa: N806

    if not Company.objects.exists():
        Company.objects.create(name="Digest Bench")
    root = Department.objects.add_root(create_kwargs={"name": "Digest Bench"})
    departments = [root]
    divisions = max(1, min(9, supervisors // 50))
    parents = []
    for d in range(divisions):
        division = Department.objects.add_child(root, create_kwargs={"name": f"Division {d + 1}"})
        departments.append(division)
        parents.append(division)
    for t in range(supervisors - 1 - divisions):
        departments.append(
            Department.objects.add_child(parents[t % len(parents)], create_kwargs={"name": f"Team {t + 1}"})
        )
    joined = now - datetime.timedelta(days=400)
    placement = departments + [
        rng.choice(departments[1 + divisions :] or departments) for _ in range(employees - len(departments))
    ]
    people = User.objects.bulk_create(
        [
            User(
                email=f"person{n}@{DOMAIN}",
                first_name=f"First{n}",
                last_name=f"Last{n}",
                department=department,
                time_zone=ZONES[n % len(ZONES)],
                password="!",
                date_joined=joined,
            )
            for n, department in enumerate(placement[:employees], start=1)
        ],
        batch_size=1000,
    )
    for department, head in zip(departments, people, strict=False):  # the first person placed in each
        department.head = head
    Department.objects.bulk_update(departments, ["head"], batch_size=1000)
    head_of = {d.pk: d.head_id for d in departments}

    days, reports, tasks, counters, prefs = [], [], [], [], []
    for person in people:
        zone = zoneinfo.ZoneInfo(person.time_zone)
        today = now.astimezone(zone).date()
        yesterday = today - datetime.timedelta(days=1)
        for date, started_share in ((yesterday, 0.9), (today, 0.7)):
            if rng.random() < started_share:
                late = rng.random() < 0.1
                start = datetime.datetime.combine(date, datetime.time(9, 30 if late else 0), tzinfo=zone)
                closed = date == yesterday and rng.random() < 0.95
                days.append(
                    WorkDay(
                        user=person, date=date, started_at=start, is_late=late,
                        state=DayState.CLOSED if closed else DayState.OPEN,
                        ended_at=start + datetime.timedelta(hours=9) if closed else None,
                        auto_closed=date == yesterday and not closed, needs_confirmation=date == yesterday and not closed,
                    )
                )  # fmt: skip
        roll = rng.random()
        if roll < 0.8:
            negative = roll < 0.05
            rated = roll < 0.5
            reports.append(
                WorkReport(
                    author=person, supervisor_id=head_of.get(person.department_id), period_start=yesterday,
                    period_end=yesterday, facts="Did the work.",
                    status=ReportStatus.RATED if rated else ReportStatus.SENT,
                    rating=(Rating.NEGATIVE if negative else Rating.POSITIVE) if rated else "",
                    sent_at=now - datetime.timedelta(hours=14),
                )
            )  # fmt: skip
        creator_id = head_of.get(person.department_id) or person.pk
        for i in range(TASKS_PER_EMPLOYEE):
            kind = rng.random()
            tasks.append(
                Task(
                    title=f"Task {i} of {person.last_name}", creator_id=creator_id, responsible=person,
                    status=("awaiting_control" if kind < 0.05 else "completed" if kind < 0.5 else "in_progress"),
                    deadline=now + datetime.timedelta(days=rng.randint(-10, 20)),
                    completed_at=now - datetime.timedelta(days=1) if 0.05 <= kind < 0.5 else None,
                )
            )  # fmt: skip
        if rng.random() < 0.3:
            counters.append(UserCounter(user=person, key=BENCH_COUNTER, value=rng.randint(1, 5)))
        if rng.random() < personal:
            prefs.append(DigestPreference(user=person, personal_digest=True, digest_time=datetime.time(0, 0)))
    WorkDay.objects.bulk_create(days, batch_size=2000)
    WorkReport.objects.bulk_create(reports, batch_size=2000)
    Task.objects.bulk_create(tasks, batch_size=2000)
    UserCounter.objects.bulk_create(counters, batch_size=2000)
    DigestPreference.objects.bulk_create(prefs, batch_size=2000)
    open_days = list(
        WorkDay.objects.filter(user__email__endswith=f"@{DOMAIN}", state=DayState.CLOSED)[: employees // 20]
    )
    DayCorrection.objects.bulk_create(
        [
            DayCorrection(
                day=day, requested_by_id=day.user_id, reason="Forgot to start the day", started_at=day.started_at,
                ended_at=day.ended_at, old_started_at=day.started_at, old_ended_at=day.ended_at,
                status=CorrectionStatus.PENDING,
            )
            for day in open_days
        ],
        batch_size=2000,
    )  # fmt: skip
    return {
        "employees": len(people),
        "supervisors": len(departments),
        "departments": len(departments),
        "days": len(days),
        "reports": len(reports),
        "tasks": len(tasks),
        "personal": len(prefs),
    }
