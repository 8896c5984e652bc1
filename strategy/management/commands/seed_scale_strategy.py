"""`manage.py seed_scale_strategy`: the strategy at scale for the load benchmark, after `seed_scale` (which runs it).

Bulk inserts, not services (as `seed_scale` does for people and the tasks, CRM and workflows commands for theirs).
By default (`--scale 1`) per employee 0.4 goals and 0.1 indicators, which at the benchmark's 5,000 employees are
issue 17's numbers:

- 2,000 goals in a tree: a few strategic goals (3 and 5 years) owned by the head of the company, annual goals per
  division and year (and the company's own), quarterly goals per department (regions and teams) under their
  division's annual goal, monthly goals per team under their department's quarterly goal; owners are the
  departments' heads; statuses as time left them (past periods achieved, missed or dropped; future ones drafts);
  a quarter of the quarterly and monthly goals restricted to their department (with its sub-departments), some
  also shared with a workgroup or a person (core's grant rows, a person's mirrored in guardian's table); co-owners,
  tags and horizontal "supports"/"depends on" links;
- 500 indicators: manual ones and formula ones over the registered metrics (tasks, reports, CRM, workflows,
  orphan work) computed for a department (every department has some) or the company, each with 3 years of
  monthly values (18,000, with their history: an entry or a computation each, a few corrections), targets, the
  red/amber/green of each value, linked to goals; a few per-person formula indicators for KPI cards (no series of
  their own);
- the seeded projects (workgroups of the project kind) serving goals with contribution weights, and 12 weekly
  status notes each;
- a share of the seeded top-level tasks outside projects linked to a goal of their responsible person's department
  (the tasks' ids are read from the tasks table through its name, `SELECT`: strategy never imports the tasks app);
- KPI cards: the Sales division's (with its sub-departments) and the whole company's monthly card (everybody: the
  worker-time benchmark's 5,000 people); the head of the company holds `strategy.manage_strategy`.

`--scale F` scales goals and indicators (0: none); the share of tasks linked stays 30 %. On PostgreSQL the rows go in through
COPY in one transaction, then ANALYZE. It only runs on a database `seed_scale` filled and replaces the strategy's
records there. It ends with the line the benchmark reads (`bench_line`): the department of about 500 people whose
orphan-work figure the scenario opens (the smallest with at least 500), its head, and indicators everyone sees.
"""

from __future__ import annotations

import datetime
import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from portal.core.seeding import Writer, reset_sequences

SCALE_DOMAIN = "scale.lumen"  # portal.stream.management.commands.seed_scale.DOMAIN
# Per employee: with the benchmark's 5,000 people, issue 17's 2,000 goals and 500 indicators.
PER_EMPLOYEE = {"goals": 0.4, "indicators": 0.1}
MONTHS = 36  # three years of monthly values per indicator
TASK_SHARE = 0.3  # of the top-level tasks outside projects, linked to a goal (whatever --scale)
PERSON_FORMULAS = 4  # per-person formula indicators (KPI cards' lines; no series of their own)
STATUS_WEEKS = 12
ORPHAN_PEOPLE = 500  # the orphan-work scenario's department: the smallest with at least this many people
BENCH_INDICATORS = 20  # indicators everyone sees, named in the bench line

STRATEGIC = [
    ("Double recurring revenue", 5),
    ("Become the customers' first choice in our markets", 5),
    ("An efficient, predictable operation", 3),
    ("A workplace people recommend", 3),
    ("Every process digital and measured", 5),
]
ANNUAL = [
    "Grow {name} revenue by 15 %",
    "Cut {name} delivery times by a fifth",
    "Raise {name} customer satisfaction to 90 %",
    "Lower {name} costs per order by 10 %",
    "Bring {name} onboarding under four weeks",
]
SHORT = [
    "Close the {period} pipeline of {name}",
    "Ship the {period} release of {name}",
    "Answer every {name} request within a day in {period}",
    "Hire and onboard the {period} newcomers of {name}",
    "Clean up the overdue work of {name} in {period}",
    "Run the {period} customer survey of {name}",
    "Automate two reports of {name} in {period}",
    "Keep {name} on budget in {period}",
]
TAGS = ["growth", "efficiency", "customers", "people", "digital", "quality", "cost"]
# (name, unit, direction, formula, target) computed for a department (or the company).
DEPARTMENT_FORMULAS = [
    ("Tasks closed on time", "%", "higher", "tasks.closed_on_time_share(department=department) * 100", 90),
    ("Overdue tasks", "pcs", "lower", "tasks.overdue_count(department=department)", 5),
    ("Hours worked", "h", "higher", "reports.hours_worked(department=department)", 1600),
    ("Credited days", "%", "higher", "reports.credited_days_share(department=department) * 100", 95),
    ("Late days", "days", "lower", "reports.late_days(department=department)", 3),
    ("Deals won", "kUSD", "higher", "crm.deals_won_amount(department=department) / 1000", 250),
    ("Calls made", "pcs", "higher", "crm.calls_count(department=department)", 400),
    ("Approvals overdue", "pcs", "lower", "workflows.approvals_overdue(department=department)", 2),
    ("Work traceable to a goal", "%", "higher", "100 - strategy.orphan_work_share(department=department) * 100", 80),
    (
        "Closed on time, busy months",
        "%",
        "higher",
        "if_(tasks.closed_count(department=department) > 10, tasks.closed_on_time_share(department=department) * 100, 0)",
        85,
    ),
]  # fmt: skip
PERSON_FORMULA_LIST = [
    ("Tasks closed", "pcs", "higher", "tasks.closed_count(person=person)", 20),
    ("Closed on time", "%", "higher", "tasks.closed_on_time_share(person=person) * 100", 90),
    ("Hours worked", "h", "higher", "reports.hours_worked(person=person)", 160),
    ("Calls made", "pcs", "higher", "crm.calls_count(person=person)", 60),
]
MANUAL = [
    ("Customer satisfaction", "%", "higher", 90),
    ("Net promoter score", "pts", "higher", 45),
    ("Employee engagement", "%", "higher", 80),
    ("Cost per order", "USD", "lower", 12),
    ("Budget used", "%", "lower", 100),
    ("Open complaints", "pcs", "lower", 10),
    ("Trainings held", "pcs", "higher", 4),
    ("Market share", "%", "higher", 18),
]
NOTES = [
    "On plan: the milestones of the week are done.",
    "A supplier is late; we re-planned the next two weeks.",
    "Scope grew by two features; asking the sponsor for a decision.",
    "Testing found blockers, fixing them this week.",
    "Rolled out to the first department, feedback is good.",
]


def bench_line(*, department, people, head, indicators) -> str:
    """The line `bench.run` reads after seeding (keep the wording: bench/run.py parses it)."""
    ids = ",".join(str(pk) for pk in indicators) or "None"
    return (
        f"Strategy bench: orphan department {department} ({people} people) headed by {head or 'None'}, "
        f"indicators {ids}"
    )


def scale_counts(employees: int, scale: float) -> dict[str, int]:
    """`PER_EMPLOYEE` × employees × `scale`: 5,000 employees make 2,000 goals and 500 indicators."""
    return {key: round(per * employees * scale) for key, per in PER_EMPLOYEE.items()}


class Command(BaseCommand):
    help = (
        "Seed the strategy at scale (goals, indicators with values, links, KPI cards) for the load benchmark."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="a factor on the default counts (default 1; 0: none)"
        )
        parser.add_argument(
            "--reset", action="store_true", help="replace the records even if the counts match"
        )
        parser.add_argument("--seed", type=int, default=20260101, help="random seed (same seed, same data)")

    def handle(self, *args, scale: float, reset: bool, seed: int, **options):
        from portal.people.models import User

        from ...models import Goal, Indicator, IndicatorValue

        foreign = User.objects.exclude(email__endswith=f"@{SCALE_DOMAIN}").count()
        if foreign:
            raise CommandError(
                f"This database holds {foreign} people seed_scale did not create; seed_scale_strategy fills the "
                "benchmark's database only (run seed_scale there first)."
            )
        if scale < 0:
            raise CommandError("--scale must not be negative.")
        if not User.objects.filter(is_active=True, is_staff=False).exists():
            raise CommandError("No people to give goals to: run `manage.py seed_scale` first.")
        counts = scale_counts(User.objects.filter(is_staff=False).count(), scale)
        if (
            not reset
            and Goal.objects.count() == counts["goals"]
            and Indicator.objects.count() == counts["indicators"]
            and (counts["indicators"] == 0 or IndicatorValue.objects.exists())
        ):
            self.stdout.write(
                f"Already seeded: {counts['goals']} goals and {counts['indicators']} indicators (use --reset to redo)."
            )
            self.stdout.write(bench_line(**bench_facts()))
            return
        started = time.perf_counter()
        log = self.stdout.write if options.get("verbosity", 1) >= 2 else None
        written = seed_strategy(
            goals=counts["goals"],
            indicators=counts["indicators"],
            task_share=TASK_SHARE,
            rng=random.Random(seed),
            log=log,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded strategy: {written.get('Goal', 0)} goals, {written.get('GoalLink', 0)} goal links, "
                f"{written.get('GoalGrant', 0)} grants, {written.get('Indicator', 0)} indicators, "
                f"{written.get('IndicatorValue', 0)} values, {written.get('IndicatorTarget', 0)} targets, "
                f"{written.get('GoalProjectLink', 0)} project links, {written.get('ProjectStatusNote', 0)} status "
                f"notes, {written.get('GoalTaskLink', 0)} tasks linked, {written.get('KpiCard', 0)} KPI cards "
                f"in {time.perf_counter() - started:.1f}s"
            )
        )
        self.stdout.write(bench_line(**bench_facts()))


# --- writing --------------------------------------------------------------------------------------------------


def _record_models():
    from ... import models as m

    # Parents before children (bulk_create elsewhere than PostgreSQL checks keys row by row).
    return [
        m.Goal, m.GoalCoOwner, m.GoalLink, m.GoalGrant, m.GoalUserObjectPermission, m.Indicator,
        m.IndicatorFormula, m.IndicatorGoal, m.IndicatorTarget, m.IndicatorValue, m.IndicatorValueRevision,
        m.IndicatorGrant, m.GoalProjectLink, m.ProjectStatusNote, m.GoalTaskLink, m.KpiCard, m.KpiCardLine,
    ]  # fmt: skip


def clear_records() -> None:
    """Every goal, indicator, card and what hangs on them (the mission text stays)."""
    from ... import models as m

    models = [
        *_record_models(),
        m.GoalPageLink,
        m.GoalGroupObjectPermission,
        m.IndicatorUserObjectPermission,
        m.IndicatorGroupObjectPermission,
        m.KpiScore,
    ]
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        return
    for model in reversed(models):
        model.objects.all().delete()
    m.Goal.objects.filter(parent__isnull=False).update(parent=None)
    m.Goal.objects.all().delete()


def seed_strategy(
    *,
    goals: int,
    indicators: int,
    task_share: float,
    rng: random.Random,
    today: datetime.date | None = None,
    log=None,
) -> dict[str, int]:
    """Replace the seeded company's strategy with a new one. Returns rows written per model."""
    writer = Writer()
    clock = time.perf_counter()

    def lap(what: str) -> None:
        nonlocal clock
        if log:
            log(f"  {what}: {time.perf_counter() - clock:.1f}s")
        clock = time.perf_counter()

    with transaction.atomic():
        clear_records()
        company = Company()
        gen = Generator(company=company, rng=rng, today=today or timezone.localdate())
        lap("cleared, company read")
        if goals or indicators:
            for model, rows in gen.all(goals=goals, indicators=indicators, task_share=task_share):
                writer.write(model, rows)
            reset_sequences(_record_models())
            _manager(company.ceo)
        lap("generated and wrote the records")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in _record_models():
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        lap("analyzed")
    return writer.written


def _manager(user_id: int | None) -> None:
    """The head of the company manages the strategy (sees every goal, edits the registers)."""
    from django.contrib.auth.models import Permission

    from portal.people.models import User

    if user_id is None:
        return
    permission = Permission.objects.filter(
        content_type__app_label="strategy", codename="manage_strategy"
    ).first()
    if permission is not None:
        User.objects.get(pk=user_id).user_permissions.add(permission)


# --- the company as the generator sees it -----------------------------------------------------------------------


class Company:
    """Departments (tree order) with their heads and people, projects and their owners, the tasks to link."""

    def __init__(self) -> None:
        from portal.groups.models import Membership, Workgroup
        from portal.people.models import Department, User

        self.step = Department.steplen
        self.departments = list(
            Department.objects.order_by("path").values("id", "path", "depth", "name", "head_id")
        )
        self.by_path = {d["path"]: d for d in self.departments}
        self.root = self.departments[0] if self.departments else None
        people = list(
            User.objects.filter(is_active=True, is_staff=False)
            .order_by("pk")
            .values_list("pk", "department_id")
        )
        self.people = [pk for pk, _d in people]
        self.members: dict[int, list[int]] = {}
        for pk, department in people:
            self.members.setdefault(department, []).append(pk)
        self.ceo = (self.root or {}).get("head_id") or (self.people[0] if self.people else None)
        self.workgroups = list(Workgroup.objects.order_by("pk").values_list("pk", flat=True))
        self.projects = list(
            Workgroup.objects.filter(kind="project")
            .order_by("pk")
            .values("id", "department_id", "created_by_id")
        )
        owners = Membership.objects.filter(role="owner", group__kind="project").values_list(
            "group_id", "user_id"
        )
        self.project_owner = dict(owners)

    def head_of(self, department: dict) -> int | None:
        """The department's head, else the nearest head above it, else the head of the company."""
        path = department["path"]
        while path:
            head = self.by_path[path]["head_id"]
            if head:
                return head
            path = path[: -self.step]
        return self.ceo

    def division_of(self, department: dict) -> dict | None:
        if department["depth"] < 2:
            return None
        return self.by_path[department["path"][: 2 * self.step]]

    def ancestors(self, department: dict) -> list[dict]:
        """The department and those above it, nearest first."""
        out, path = [], department["path"]
        while path:
            out.append(self.by_path[path])
            path = path[: -self.step]
        return out


def _months(first: datetime.date, count: int) -> list[datetime.date]:
    out, year, month = [], first.year, first.month
    for _n in range(count):
        out.append(datetime.date(year, month, 1))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out


def _month_end(start: datetime.date) -> datetime.date:
    following = _months(start, 2)[1]
    return following - datetime.timedelta(days=1)


def _quarter_end(start: datetime.date) -> datetime.date:
    return _months(start, 4)[3] - datetime.timedelta(days=1)


def _quarter_label(start: datetime.date) -> str:
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


class Generator:
    """Deterministic rows with explicit ids (1…)."""

    def __init__(self, *, company: Company, rng: random.Random, today: datetime.date) -> None:
        self.company, self.rng, self.today = company, rng, today
        self.now = timezone.now()
        self.goals: list[dict] = []  # the goal rows, in id order
        self.grant_id = 0

    # --- goals ----------------------------------------------------------------------------------------------

    def all(self, *, goals: int, indicators: int, task_share: float):
        goal_rows, co_owners, grants, perms = self.goal_rows(goals)
        yield self._model("Goal"), goal_rows
        yield self._model("GoalCoOwner"), co_owners
        yield self._model("GoalLink"), self.goal_links()
        yield self._model("GoalGrant"), grants
        yield self._model("GoalUserObjectPermission"), perms
        yield from self.indicator_rows(indicators)
        yield from self.project_rows()
        yield self._model("GoalTaskLink"), self.task_links(task_share)
        yield from self.kpi_cards()

    @staticmethod
    def _model(name: str):
        from ... import models as m

        return getattr(m, name)

    def _status(self, start: datetime.date, end: datetime.date) -> tuple[str, Decimal]:
        r = self.rng.random()
        if end < self.today:
            if r < 0.6:
                return "achieved", Decimal(1)
            if r < 0.9:
                return "missed", Decimal(self.rng.randint(30, 90)) / 100
            return "dropped", Decimal(self.rng.randint(0, 50)) / 100
        if start > self.today:
            return ("draft" if r < 0.4 else "active"), Decimal(0)
        elapsed = (self.today - start).days / max(1, (end - start).days + 1)
        progress = max(0.0, min(1.0, elapsed + self.rng.uniform(-0.35, 0.15)))
        return "active", Decimal(round(progress, 4)).quantize(Decimal("0.0001"))

    def _goal(self, *, title, horizon, start, end, department, parent, owner, restricted=False) -> dict:
        pk = len(self.goals) + 1
        status, progress = self._status(start, end)
        created = min(
            self.now - datetime.timedelta(days=1),
            timezone.make_aware(datetime.datetime.combine(start, datetime.time(9)))
            - datetime.timedelta(days=self.rng.randint(3, 30)),
        )
        rule = self.rng.choices(["auto", "indicators", "children", "tasks", "manual"], [70, 10, 8, 10, 2])[0]
        row = {
            "id": pk, "title": title[:250], "description": f"{title}. Owned by the department's head; "
            "progress rolls up from its indicators, sub-goals and tasks.", "horizon": horizon,
            "period_start": start, "period_end": end, "owner_id": owner, "department_id": department["id"],
            "status": status, "weight": self.rng.choice([Decimal(1), Decimal(1), Decimal(2), Decimal("0.5")]),
            "parent_id": parent, "progress_rule": rule,
            "manual_progress": progress if rule == "manual" else None, "progress": progress,
            "progress_updated_at": self.now, "audience": "restricted" if restricted else "company",
            "tags": self.rng.sample(TAGS, k=self.rng.randint(0, 2)), "created_by_id": owner,
            "created_at": created, "updated_at": created,
        }  # fmt: skip
        self.goals.append(row)
        return row

    def goal_rows(self, total: int):
        c, today = self.company, self.today
        if not total or c.root is None:
            return [], [], [], []
        root = c.root
        divisions = [d for d in c.departments if d["depth"] == 2]
        lower = [d for d in c.departments if d["depth"] >= 3] or divisions or [root]
        teams = [d for d in c.departments if d["depth"] >= 4] or lower
        year = today.year
        # Strategic: 3 or 5 years from the start of last year.
        strategic = []
        for title, years in STRATEGIC[: min(len(STRATEGIC), max(1, total // 200))]:
            row = self._goal(
                title=title, horizon="strategic", start=datetime.date(year - 1, 1, 1),
                end=datetime.date(year - 2 + years, 12, 31), department=root, parent=None, owner=c.ceo,
            )  # fmt: skip
            strategic.append(row["id"])
        # Annual: the company's own and each division's, for last year, this year and next year.
        annual: dict[tuple[int, int], int] = {}
        slots = [(y, d) for y in (year, year + 1, year - 1) for d in [root, *divisions]]
        for n, (y, department) in enumerate(slots):
            if len(self.goals) >= total:
                break
            parent = annual.get((root["id"], y)) if department is not root else None
            name = "the company" if department is root else department["name"]
            row = self._goal(
                title=f"{ANNUAL[n % len(ANNUAL)].format(name=name)} in {y}", horizon="annual",
                start=datetime.date(y, 1, 1), end=datetime.date(y, 12, 31), department=department,
                parent=parent or strategic[n % len(strategic)], owner=c.head_of(department),
            )  # fmt: skip
            annual[(department["id"], y)] = row["id"]
        rest = max(0, total - len(self.goals))
        quarterly_count = int(rest * 0.45)
        # Quarterly: regions and teams, the quarters of last year and this one, the nearest to today first.
        this_quarter = datetime.date(year, 3 * ((today.month - 1) // 3) + 1, 1)
        quarters = [datetime.date(y, m, 1) for y in (year - 1, year) for m in (1, 4, 7, 10)]
        quarters.sort(key=lambda q: (abs((q - this_quarter).days), q))
        quarter_slots = [(q, d) for q in quarters for d in lower]
        quarterly: dict[tuple[int, datetime.date], list[int]] = {}
        for n in range(quarterly_count):
            q, department = quarter_slots[n % len(quarter_slots)]
            parent = self._annual_above(annual, department, q.year) or strategic[0]
            row = self._goal(
                title=SHORT[n % len(SHORT)].format(period=_quarter_label(q), name=department["name"]),
                horizon="quarterly", start=q, end=_quarter_end(q), department=department, parent=parent,
                owner=c.head_of(department), restricted=self.rng.random() < 0.25,
            )  # fmt: skip
            quarterly.setdefault((department["id"], q), []).append(row["id"])
        # Monthly: teams, the last twelve months and the next two, the nearest to today first.
        this_month = datetime.date(year, today.month, 1)
        first = this_month
        for _n in range(11):
            first = (first - datetime.timedelta(days=1)).replace(day=1)
        months = _months(first, 14)
        months.sort(key=lambda m: (abs((m - this_month).days), m))
        month_slots = [(m, d) for m in months for d in teams]
        for n in range(max(0, total - len(self.goals))):
            month, department = month_slots[n % len(month_slots)]
            q = datetime.date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)
            parent = None
            for above in c.ancestors(department):
                ids = quarterly.get((above["id"], q))
                if ids:
                    parent = ids[n % len(ids)]
                    break
            parent = parent or self._annual_above(annual, department, month.year) or strategic[0]
            self._goal(
                title=SHORT[(n + 3) % len(SHORT)].format(period=f"{month:%B %Y}", name=department["name"]),
                horizon="monthly", start=month, end=_month_end(month), department=department, parent=parent,
                owner=c.head_of(department), restricted=self.rng.random() < 0.25,
            )  # fmt: skip
        return self.goals, self._co_owners(), *self._goal_grants()

    def _annual_above(self, annual, department, year) -> int | None:
        for above in self.company.ancestors(department):
            if (above["id"], year) in annual:
                return annual[(above["id"], year)]
        return None

    def _co_owners(self) -> list[dict]:
        rows = []
        for goal in self.goals:
            if self.rng.random() < 0.15:
                staff = [
                    p for p in self.company.members.get(goal["department_id"], []) if p != goal["owner_id"]
                ]
                if staff:
                    rows.append({"goal_id": goal["id"], "user_id": self.rng.choice(staff)})
        return rows

    def _goal_grants(self) -> tuple[list[dict], list[dict]]:
        """A restricted goal is shared with its department (and sub-departments); some also with a workgroup or
        a person (whose grant is mirrored in guardian's table, as `portal.core.sharing` does)."""
        from django.contrib.auth.models import Permission

        view = Permission.objects.filter(content_type__app_label="strategy", codename="view_goal").first()
        grants, perms = [], []
        for goal in self.goals:
            if goal["audience"] != "restricted":
                continue
            base = {
                "content_object_id": goal["id"],
                "granted_by_id": goal["owner_id"],
                "created_at": goal["created_at"],
            }
            grants.append({**base, "department_id": goal["department_id"], "include_subdepartments": True})
            if self.company.workgroups and self.rng.random() < 0.3:
                grants.append({**base, "workgroup_id": self.rng.choice(self.company.workgroups)})
            if self.rng.random() < 0.2 and view is not None:
                person = self.rng.choice(self.company.people)
                if person != goal["owner_id"]:
                    grants.append({**base, "user_id": person})
                    perms.append(
                        {"content_object_id": goal["id"], "user_id": person, "permission_id": view.pk}
                    )
        return grants, perms

    def goal_links(self) -> list[dict]:
        """A twelfth of the quarterly and monthly goals support (or depend on) a goal of the same period."""
        by_period: dict[tuple[str, datetime.date], list[int]] = {}
        for goal in self.goals:
            if goal["horizon"] in ("quarterly", "monthly"):
                by_period.setdefault((goal["horizon"], goal["period_start"]), []).append(goal["id"])
        rows, seen = [], set()
        for goal in self.goals:
            if goal["horizon"] not in ("quarterly", "monthly") or self.rng.random() >= 1 / 12:
                continue
            others = by_period[(goal["horizon"], goal["period_start"])]
            target = self.rng.choice(others)
            kind = self.rng.choice(["supports", "supports", "depends_on"])
            if target == goal["id"] or (goal["id"], target, kind) in seen:
                continue
            seen.add((goal["id"], target, kind))
            rows.append(
                {"source_id": goal["id"], "target_id": target, "kind": kind, "created_by_id": goal["owner_id"],
                 "created_at": goal["created_at"]}
            )  # fmt: skip
        return rows

    # --- indicators -----------------------------------------------------------------------------------------

    def _valid(self, formulas, subject_kind: str) -> list[tuple]:
        """The formulas whose metrics are registered here (an app not installed has none)."""
        from portal.core.errors import Invalid

        from ...services.indicators import formula_check

        valid = []
        for item in formulas:
            try:
                formula_check(text=item[3], subject_kind=subject_kind)
            except Invalid:
                continue
            valid.append(item)
        return valid

    def indicator_rows(self, total: int):
        from ...models.indicators import achievement_of, rag_of

        c = self.company
        if not total or c.root is None:
            return
        department_formulas = self._valid(DEPARTMENT_FORMULAS, "department")
        person_formulas = self._valid(PERSON_FORMULA_LIST, "person")
        this_month = datetime.date(self.today.year, self.today.month, 1)
        first = this_month
        for _n in range(MONTHS):
            first = (first - datetime.timedelta(days=1)).replace(day=1)
        months = _months(first, MONTHS)  # the 36 closed months before this one
        goals_of: dict[int, list[dict]] = {}
        for goal in self.goals:
            if goal["horizon"] in ("annual", "quarterly") and goal["period_end"] >= first:
                goals_of.setdefault(goal["department_id"], []).append(goal)
        indicators, formulas, links, targets, values, revisions, grants = [], [], [], [], [], [], []
        value_id = 0
        self.person_indicators: list[int] = []
        departments = c.departments
        for n in range(total):
            pk = n + 1
            department = departments[n % len(departments)]
            owner = c.head_of(department)
            if n < min(PERSON_FORMULAS, len(person_formulas)):
                name, unit, direction, formula, target = person_formulas[n]
                kind, subject = "person", None
                self.person_indicators.append(pk)
            elif department_formulas and n % 5 in (1, 3):
                name, unit, direction, formula, target = department_formulas[
                    (n // 5) % len(department_formulas)
                ]
                kind = "company" if department is c.root else "department"
                subject = None if department is c.root else department["id"]
            else:
                name, unit, direction, target = MANUAL[n % len(MANUAL)]
                formula, kind, subject = "", "company", None
            target = Decimal(target)
            scope = "the company" if department is c.root else department["name"]
            roll = self.rng.random()
            visibility = "company" if roll < 0.35 else ("restricted" if roll < 0.45 else "goals")
            row = {
                "id": pk, "name": f"{name}: {scope}"[:200], "description": "", "unit": unit, "direction": direction,
                "period": "month", "baseline": None, "default_target": target, "green_from": Decimal(100),
                "amber_from": Decimal(90), "owner_id": owner, "visibility": visibility,
                "source": "formula" if formula else "manual", "starts_on": months[0], "formula": formula,
                "formula_version": 1 if formula else 0, "subject_kind": kind, "subject_department_id": subject,
                "subject_person_id": None, "created_at": self.now, "updated_at": self.now,
            }  # fmt: skip
            indicators.append(row)
            if formula:
                formulas.append(
                    {"indicator_id": pk, "version": 1, "text": formula, "created_by_id": owner, "created_at": self.now}
                )  # fmt: skip
            if visibility == "restricted":
                grants.append(
                    {"content_object_id": pk, "department_id": department["id"], "include_subdepartments": True,
                     "granted_by_id": owner, "created_at": self.now}
                )  # fmt: skip
            # Linked to goals of its department (or above), weighted 1.
            candidates = []
            for above in c.ancestors(department):
                candidates = goals_of.get(above["id"], [])
                if candidates:
                    break
            for goal in self.rng.sample(candidates, k=min(len(candidates), 1 + (self.rng.random() < 0.2))):
                links.append({"indicator_id": pk, "goal_id": goal["id"], "weight": Decimal(1)})
            if kind == "person":
                continue  # computed per holder of a KPI card: no series of its own
            if n % 3 == 0:  # this year's months with targets of their own, a little higher each quarter
                for month in _months(datetime.date(self.today.year, 1, 1), 12):
                    step = Decimal(1) + Decimal((month.month - 1) // 3) / 50
                    own = target * (step if direction == "higher" else 2 - step)
                    targets.append(
                        {"indicator_id": pk, "period_start": month, "target": own.quantize(Decimal("0.0001"))}
                    )
            level = self.rng.uniform(0.6, 0.9)
            last = None
            for number, month in enumerate(months):
                level = min(1.4, max(0.2, level + self.rng.uniform(-0.06, 0.08)))
                share = level if direction == "higher" else 2 - level
                value = (target * Decimal(str(round(share, 4)))).quantize(Decimal("0.0001"))
                achievement = achievement_of(value=value, target=target, baseline=None, direction=direction)
                status = rag_of(achievement, green_from=Decimal(100), amber_from=Decimal(90))
                value_id += 1
                changed = timezone.make_aware(
                    datetime.datetime.combine(
                        _month_end(month) + datetime.timedelta(days=2), datetime.time(8)
                    )
                )
                values.append(
                    {"id": value_id, "indicator_id": pk, "period_start": month, "period_end": _month_end(month),
                     "value": value, "error": "", "formula_version": 1 if formula else None, "target": target,
                     "achievement": achievement, "status": status, "changed_by_id": None if formula else owner,
                     "changed_at": changed}
                )  # fmt: skip
                revisions.append(
                    {"value_id": value_id, "kind": "computed" if formula else "entered", "old_value": None,
                     "new_value": value, "formula_version": 1 if formula else None, "reason": "",
                     "actor_id": None if formula else owner, "created_at": changed}
                )  # fmt: skip
                if not formula and number % 17 == 5:  # now and then a correction, with who and why
                    revisions.append(
                        {"value_id": value_id, "kind": "corrected", "old_value": value - 1, "new_value": value,
                         "formula_version": None, "reason": "A late invoice was counted.", "actor_id": owner,
                         "created_at": changed + datetime.timedelta(days=3)}
                    )  # fmt: skip
                last = (month, value, achievement, status)
            if last is not None:
                row.update(
                    last_period=last[0], last_value=last[1], last_achievement=last[2], last_status=last[3]
                )
        yield self._model("Indicator"), indicators
        yield self._model("IndicatorFormula"), formulas
        yield self._model("IndicatorGoal"), links
        yield self._model("IndicatorTarget"), targets
        yield self._model("IndicatorValue"), values
        yield self._model("IndicatorValueRevision"), revisions
        yield self._model("IndicatorGrant"), grants

    # --- projects and tasks ---------------------------------------------------------------------------------

    def _current_goals(self, department_id: int | None) -> list[dict]:
        """Annual and quarterly goals holding today, of the department or the nearest one above that has some."""
        c = self.company
        department = next((d for d in c.departments if d["id"] == department_id), c.root)
        for above in c.ancestors(department) if department else []:
            found = [g for g in self._current.get(above["id"], []) if g["horizon"] in ("annual", "quarterly")]
            if found:
                return found
        return [g for g in self.goals if g["horizon"] == "strategic"]

    @property
    def _current(self) -> dict[int, list[dict]]:
        if not hasattr(self, "_current_cache"):
            cache: dict[int, list[dict]] = {}
            for goal in self.goals:
                if goal["period_start"] <= self.today <= goal["period_end"]:
                    cache.setdefault(goal["department_id"], []).append(goal)
            self._current_cache = cache
        return self._current_cache

    def project_rows(self):
        links, notes = [], []
        if not self.goals:
            return
        this_monday = self.today - datetime.timedelta(days=self.today.weekday())
        for project in self.company.projects:
            goals = self._current_goals(project["department_id"])
            for goal in self.rng.sample(goals, k=min(len(goals), self.rng.randint(1, 2))):
                links.append(
                    {"goal_id": goal["id"], "project_id": project["id"], "created_by_id": goal["owner_id"],
                     "weight": Decimal(self.rng.choice(["0.5", "1", "1", "2", "3"])), "created_at": self.now}
                )  # fmt: skip
            author = self.company.project_owner.get(project["id"]) or project["created_by_id"]
            if author is None:
                continue
            for week in range(STATUS_WEEKS):
                monday = this_monday - datetime.timedelta(weeks=week)
                at = timezone.make_aware(
                    datetime.datetime.combine(monday + datetime.timedelta(days=4), datetime.time(17))
                )
                notes.append(
                    {"project_id": project["id"], "author_id": author, "week": monday,
                     "rag": self.rng.choices(["green", "amber", "red"], [6, 3, 1])[0],
                     "text": self.rng.choice(NOTES), "created_at": min(at, self.now)}
                )  # fmt: skip
        yield self._model("GoalProjectLink"), links
        yield self._model("ProjectStatusNote"), notes

    def task_links(self, share: float) -> list[dict]:
        """A share of the top-level tasks outside projects (those of projects inherit their goals) linked to a
        goal of their responsible person's department whose period holds the task's creation, else a current one.
        The tasks are read by their table's name: strategy never imports the tasks app."""
        from django.apps import apps

        from portal.people.models import User

        if share <= 0 or not self.goals or not apps.is_installed("tasks"):
            return []
        table = connection.ops.quote_name(apps.get_model("tasks", "Task")._meta.db_table)
        users = connection.ops.quote_name(User._meta.db_table)
        percent = max(1, round(share * 1000))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT t.id, u.department_id, t.created_at FROM {table} t JOIN {users} u ON u.id = t.responsible_id "  # noqa: S608 - names from the models
                "WHERE t.parent_id IS NULL AND t.group_id IS NULL AND mod(t.id * 7919, 1000) < %s ORDER BY t.id",
                [percent],
            )
            tasks = cursor.fetchall()
        by_department: dict[int, list[dict]] = {}
        for goal in self.goals:
            if goal["horizon"] in ("quarterly", "monthly"):
                by_department.setdefault(goal["department_id"], []).append(goal)
        c = self.company
        dept_by_id = {d["id"]: d for d in c.departments}
        choices: dict[int, list[dict]] = {}
        rows = []
        for task_id, department_id, created in tasks:
            if department_id not in choices:
                found: list[dict] = []
                department = dept_by_id.get(department_id)
                for above in c.ancestors(department) if department else []:
                    found = by_department.get(above["id"], [])
                    if found:
                        break
                choices[department_id] = found or self._current_goals(department_id)
            goals = choices[department_id]
            if not goals:
                continue
            day = timezone.localdate(created) if created else self.today
            holding = [g for g in goals if g["period_start"] <= day <= g["period_end"]]
            goal = self.rng.choice(holding or goals)
            rows.append(
                {
                    "goal_id": goal["id"],
                    "task_id": task_id,
                    "linked_by_id": goal["owner_id"],
                    "created_at": created or self.now,
                }
            )
        return rows

    # --- KPI cards ------------------------------------------------------------------------------------------

    def kpi_cards(self):
        c = self.company
        people = getattr(self, "person_indicators", [])
        if not people or c.root is None:
            return
        sales = next((d for d in c.departments if d["depth"] == 2 and d["name"] == "Sales"), None)
        cards = [("The whole company's monthly KPI", c.root)]
        if sales is not None:
            cards.insert(0, ("Sales team KPI", sales))
        card_rows, lines = [], []
        for pk, (name, department) in enumerate(cards, start=1):
            card_rows.append(
                {"id": pk, "name": name, "holder_kind": "department", "person_id": None, "position": "",
                 "department_id": department["id"], "include_subdepartments": True, "period": "month",
                 "is_active": True, "created_by_id": c.ceo, "created_at": self.now, "updated_at": self.now}
            )  # fmt: skip
            for position, indicator in enumerate(people):
                lines.append(
                    {"card_id": pk, "indicator_id": indicator, "weight": Decimal(position % 3 + 1),
                     "cap": Decimal(120), "target": None, "position": position}
                )  # fmt: skip
        yield self._model("KpiCard"), card_rows
        yield self._model("KpiCardLine"), lines


# --- what the benchmark needs ---------------------------------------------------------------------------------


def bench_facts() -> dict:
    """The smallest department (with sub-departments) of at least `ORPHAN_PEOPLE` active people and its head's e-mail (the
    orphan-work scenario signs in as them), and indicators everyone sees that have values (the indicator page)."""
    from portal.people.models import Department, User

    from ...models import Indicator

    paths = dict(Department.objects.values_list("pk", "path"))
    heads = dict(Department.objects.values_list("pk", "head__email"))
    sizes: dict[str, int] = {}
    for dept in User.objects.filter(is_active=True).values_list("department_id", flat=True):
        path = paths.get(dept, "")
        for end in range(Department.steplen, len(path) + 1, Department.steplen):
            sizes[path[:end]] = sizes.get(path[:end], 0) + 1
    headed = [(pk, path) for pk, path in paths.items() if heads.get(pk)]
    # The smallest department of at least ORPHAN_PEOPLE (at 5,000 employees a division of ~830), else the largest.
    big_enough = [item for item in headed if sizes.get(item[1], 0) >= ORPHAN_PEOPLE]
    if big_enough:
        best = min(big_enough, key=lambda item: (sizes.get(item[1], 0), item[0]))
    else:
        best = max(headed, key=lambda item: (sizes.get(item[1], 0), -item[0]), default=None)
    indicators = list(
        Indicator.objects.filter(visibility="company", last_period__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)[:BENCH_INDICATORS]
    )
    if best is None:
        return {"department": None, "people": 0, "head": None, "indicators": indicators}
    return {
        "department": best[0],
        "people": sizes.get(best[1], 0),
        "head": heads[best[0]],
        "indicators": indicators,
    }


__all__ = ["Command", "bench_facts", "bench_line", "seed_strategy"]
