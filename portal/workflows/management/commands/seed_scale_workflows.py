"""`manage.py seed_scale_workflows`: approvals and absences at scale for the load benchmark, after `seed_scale`
(which runs it).

Bulk inserts, not services (as `seed_scale` does for people and the tasks and CRM commands for theirs): for every
active employee a year of absences (two or three vacations, now and then a sick leave, a business trip or a
day off, never overlapping), this year's vacation allowance, and 20 processes (`--scale`, or `--processes`)
over the past year: at 5,000 people, issue 16's 100,000. Each process follows its template's route as the
engine would have left it: its steps (skipped where a condition does not hold), who was asked (the requester's
supervisor, the holders of a role), the decisions and the history. Old ones are mostly finished (approved,
rejected, withdrawn; approved payments mostly paid), the last month's often still running, a few of those past
their deadline and escalated one level up, so that "waiting for me" of a department head holds a realistic
few dozen requests and of an accountant a few hundred. The process roles get holders from the finance division.

On PostgreSQL the rows go in through COPY in one transaction, then ANALYZE; elsewhere `bulk_create` in
batches. It only runs on a database `seed_scale` filled and replaces the workflows' records there (templates,
roles and absence types stay). It ends with the line the benchmark reads (`bench_line`): the leave template and
the vacation type the "start a process" scenario posts, and the department of about 300 people whose month
the absence chart scenario opens.
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
PER_EMPLOYEE = 20  # processes: 5,000 employees make issue 16's 100,000
CHUNK = 20_000  # processes generated (and, elsewhere than PostgreSQL, committed) at a time
HISTORY_DAYS = 365
RECENT_DAYS = 30
CHART_PEOPLE = 300  # the absence chart scenario's department: the one closest to this many people
CURRENCY = "USD"
# The share of each built-in template among the processes.
KINDS = (("leave", 0.35), ("payment", 0.25), ("expense", 0.2), ("trip", 0.1), ("contract", 0.1))
# Holders of the built-in roles, from the finance division (its head is the financial director).
ROLE_HOLDERS = (("cfo", 1), ("accountant", 3), ("hr", 3), ("lawyer", 2))
COUNTERPARTIES = (
    "Orion Logistics", "Bluefield Foods", "Helix Pharma", "Cobalt Mining", "Vega Travel", "Summit Bank",
    "Atlas Tools", "Crescent Energy", "Ironwood Media", "Lumina Clinics", "Pioneer Hotels", "Quartz Outdoor",
)  # fmt: skip
PURPOSES = ("Office supplies", "Hosting for March", "Conference tickets", "Consulting", "Repairs", "Licences")
CITIES = ("Lisbon", "Warsaw", "Oslo", "Berlin", "Madrid", "Prague", "Vienna", "Riga")
HOLIDAYS = ((1, 1, "New Year's Day"), (5, 1, "Labour Day"), (12, 25, "Christmas Day"), (12, 26, "Boxing Day"))


def bench_line(*, leave_template, vacation_type, department, people) -> str:
    """The line `bench.run` reads after seeding (keep the wording: bench/run.py parses it)."""
    return (
        f"Workflows bench: leave template {leave_template}, vacation type {vacation_type}, "
        f"absence chart department {department} ({people} people)"
    )


class Command(BaseCommand):
    help = "Seed approvals (processes) and absences at scale for the load benchmark, after seed_scale."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="a factor on the default count (default 1)"
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help=f"processes (default {PER_EMPLOYEE} per employee × --scale)",
        )
        parser.add_argument(
            "--reset", action="store_true", help="replace the records even if the count matches"
        )
        parser.add_argument("--seed", type=int, default=20260101, help="random seed (same seed, same data)")

    def handle(self, *args, scale: float, processes: int | None, reset: bool, seed: int, **options):
        from portal.people.models import User

        from ...models import Absence, Process

        foreign = User.objects.exclude(email__endswith=f"@{SCALE_DOMAIN}").count()
        if foreign:
            raise CommandError(
                f"This database holds {foreign} people seed_scale did not create; seed_scale_workflows fills "
                "the benchmark's database only (run seed_scale there first)."
            )
        if scale < 0 or (processes is not None and processes < 0):
            raise CommandError("--scale and --processes must not be negative.")
        if not User.objects.filter(is_active=True, is_staff=False).exists():
            raise CommandError("No people to give requests to: run `manage.py seed_scale` first.")
        # Per seeded employee (those who left included, as their requests stay): 5,000 make 100,000.
        employees = User.objects.filter(is_staff=False).count()
        total = processes if processes is not None else round(PER_EMPLOYEE * employees * scale)
        if not reset and Process.objects.count() == total and Absence.objects.exists():
            self.stdout.write(
                f"Already seeded: {total} processes and a year of absences (use --reset to redo)."
            )
            self.stdout.write(bench_line(**bench_facts()))
            return
        started = time.perf_counter()
        log = self.stdout.write if options.get("verbosity", 1) >= 2 else None
        written = seed_workflows(processes=total, rng=random.Random(seed), log=log)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded workflows: {written.get('Process', 0)} processes, {written.get('ProcessStep', 0)} steps, "
                f"{written.get('StepAssignment', 0)} assignments, {written.get('ProcessAction', 0)} history "
                f"lines, {written.get('Absence', 0)} absences, {written.get('LeaveAllowance', 0)} allowances "
                f"in {time.perf_counter() - started:.1f}s"
            )
        )
        self.stdout.write(bench_line(**bench_facts()))


# --- writing --------------------------------------------------------------------------------------------


def _record_models():
    from ... import models as m

    # Parents before children (bulk_create elsewhere than PostgreSQL checks keys row by row).
    return [m.Process, m.ProcessStep, m.StepAssignment, m.ProcessAction, m.Absence, m.LeaveAllowance]


def clear_records() -> None:
    """Every process and what hangs on it, every absence, allowance and deputy (templates, roles, types and
    rules stay)."""
    from ... import models as m

    models = [*_record_models(), m.ProcessFile, m.Deputy]
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
        with connection.cursor() as cursor:
            # Foreign keys are checked at commit: settle the checks rows written earlier in this transaction
            # still owe (TRUNCATE refuses a table with pending ones), then defer again for the load.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        return
    m.Process.objects.update(current_step=None)
    for model in reversed(models):
        model.objects.all().delete()


# --- the company as the generator sees it -------------------------------------------------------------------


class Company:
    """The active employees, their departments and supervisors, the role holders."""

    def __init__(self) -> None:
        from portal.people.models import Department, User

        step = Department.steplen
        departments = list(Department.objects.order_by("path").values("id", "path", "head_id", "name"))
        self.path_of = {d["id"]: d["path"] for d in departments}
        self.department_by_path = {d["path"]: d for d in departments}
        active = set(User.objects.filter(is_active=True).values_list("id", flat=True))
        rows = list(
            User.objects.filter(is_active=True, is_staff=False)
            .order_by("pk")
            .values_list("pk", "department_id", "first_name", "last_name")
        )
        self.people = [pk for pk, *_rest in rows]
        self.department_of = {pk: dept for pk, dept, *_rest in rows}
        self.name_of = {pk: f"{first} {last}".strip() for pk, _dept, first, last in rows}
        self.supervisor: dict[int, int | None] = {}
        for pk, dept, *_rest in rows:
            path = self.path_of.get(dept, "")
            found = None
            while path:
                head = self.department_by_path[path]["head_id"]
                if head and head != pk and head in active:
                    found = head
                    break
                path = path[:-step]
            self.supervisor[pk] = found
        self.finance = self._finance(departments)

    def _finance(self, departments) -> list[int]:
        """The people of the finance division, its head first (else of the whole company)."""
        division = next((d for d in departments if d["name"] == "Finance"), None)
        if division is None:
            return list(self.people)
        inside = [
            pk
            for pk in self.people
            if self.path_of.get(self.department_of[pk], "").startswith(division["path"])
        ]
        head = division["head_id"]
        return ([head] if head in inside else []) + [pk for pk in inside if pk != head]


def ensure_role_holders(company: Company) -> dict[str, list[int]]:
    """The built-in roles held by people of the finance division (replacing the holders before)."""
    from ...models import ProcessRole

    pool = [pk for pk in company.finance if company.supervisor.get(pk) is not None] or company.people
    head = company.finance[0] if company.finance else pool[0]
    holders: dict[str, list[int]] = {}
    taken = {head}
    others = [pk for pk in pool if pk != head]
    at = 0
    for key, count in ROLE_HOLDERS:
        if key == "cfo":
            holders[key] = [head]
            continue
        chosen = [pk for pk in others[at : at + count] if pk not in taken] or [head]
        at += count
        taken.update(chosen)
        holders[key] = chosen
    for role in ProcessRole.objects.filter(key__in=list(holders)):
        role.members.set(holders[role.key])
    return holders


def ensure_holidays(years) -> None:
    """A few public holidays of these years (those already in the calendar stay as they are)."""
    from ...models import Holiday

    have = set(Holiday.objects.values_list("date", flat=True))
    rows = [
        Holiday(date=day, name=name, kind="holiday")
        for year in years
        for month, number, name in HOLIDAYS
        if (day := datetime.date(year, month, number)) not in have
    ]
    Holiday.objects.bulk_create(rows)


def bench_facts() -> dict:
    """What the benchmark's scenarios need: the leave template and the vacation type (the start scenario's
    form), and the department with sub-departments closest to `CHART_PEOPLE` active people."""
    from portal.people.models import Department, User

    from ...models import AbsenceType, ProcessTemplate

    template = ProcessTemplate.objects.filter(key="leave").values_list("pk", flat=True).first()
    vacation = AbsenceType.objects.filter(key="vacation").values_list("pk", flat=True).first()
    paths = dict(Department.objects.values_list("pk", "path"))
    sizes: dict[str, int] = {}
    for dept in User.objects.filter(is_active=True).values_list("department_id", flat=True):
        path = paths.get(dept, "")
        for end in range(Department.steplen, len(path) + 1, Department.steplen):
            sizes[path[:end]] = sizes.get(path[:end], 0) + 1
    best = min(
        paths.items(), key=lambda item: (abs(sizes.get(item[1], 0) - CHART_PEOPLE), item[0]), default=None
    )
    department, people = (best[0], sizes.get(best[1], 0)) if best else (None, 0)
    return {"leave_template": template, "vacation_type": vacation, "department": department, "people": people}


# --- generating -----------------------------------------------------------------------------------------


def seed_workflows(
    *, processes: int, rng: random.Random, now: datetime.datetime | None = None, log=None
) -> dict[str, int]:
    """Replace the seeded company's processes and absences with new ones. Returns rows written per model."""
    from ...services.defaults import defaults_ensure

    now = now or timezone.now()
    writer = Writer()
    clock = time.perf_counter()
    on_postgres = connection.vendor == "postgresql"

    def lap(what: str) -> None:
        nonlocal clock
        if log:
            log(f"  {what}: {time.perf_counter() - clock:.1f}s")
        clock = time.perf_counter()

    with transaction.atomic():
        clear_records()
        defaults_ensure()
        company = Company()
        holders = ensure_role_holders(company)
        today = timezone.localdate(now)
        ensure_holidays([today.year - 1, today.year, today.year + 1])
        lap("cleared, company, roles and holidays ready")
        gen = Generator(company=company, holders=holders, rng=rng, now=now, total=processes)
        for model, rows in gen.all():
            with transaction.atomic():
                writer.write(model, rows)
        reset_sequences(_record_models())
        lap("generated and wrote the records")
    if on_postgres:
        with connection.cursor() as cursor:
            for model in _record_models():
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        lap("analyzed")
    _recount(company.people)
    lap("counters of everybody")
    return writer.written


def _recount(people: list[int]) -> None:
    from portal.core.registry import registry
    from portal.notifications.counters import counters_store

    keys = [key for key in ("workflows_waiting",) if key in registry.counters]
    if not keys:
        return
    for start in range(0, len(people), 500):
        with transaction.atomic():
            counters_store(people[start : start + 500], keys, push=False)


class Generator:
    """Deterministic rows with explicit ids (1…), oldest first, in chunks of `CHUNK`."""

    def __init__(self, *, company: Company, holders: dict[str, list[int]], rng, now, total: int) -> None:
        from ...definitions import field_defs, step_defs
        from ...models import AbsenceType, ProcessTemplate

        self.company, self.holders, self.rng, self.now, self.total = company, holders, rng, now, total
        self.types = dict(AbsenceType.objects.exclude(key=None).values_list("key", "pk"))
        templates = {
            t.key: t
            for t in ProcessTemplate.objects.filter(key__in=[k for k, _share in KINDS]).select_related(
                "current_version"
            )
        }
        self.kinds = [
            (key, share) for key, share in KINDS if key in templates and templates[key].current_version
        ]
        if not self.kinds:
            raise CommandError("The built-in process templates are missing: run `manage.py migrate` first.")
        self.templates = {key: templates[key] for key, _share in self.kinds}
        self.fields = {key: field_defs(t.current_version) for key, t in self.templates.items()}
        self.steps = {key: step_defs(t.current_version) for key, t in self.templates.items()}
        self.weights = [share for _key, share in self.kinds]
        self.step_id = self.assignment_id = self.action_id = 0

    def all(self):
        yield from self.allowances()
        yield from self.absences()
        yield from self.processes()

    # -- absences -----------------------------------------------------------------------------------------

    def allowances(self):
        from ... import models as m

        year = timezone.localdate(self.now).year
        yield (
            m.LeaveAllowance,
            [
                {
                    "user_id": pk,
                    "year": year,
                    "days": Decimal(28),
                    "carried_over": Decimal(self.rng.randint(0, 5)),
                }
                for pk in self.company.people
            ],
        )

    def absences(self):
        """A year per person (this year): non-overlapping blocks of vacation, and now and then a sick leave, a
        business trip or a day off."""
        from ... import models as m

        year = timezone.localdate(self.now).year
        first = datetime.date(year, 1, 1)
        rows: list[dict] = []
        for pk in self.company.people:
            wanted = [("vacation", self.rng.randint(5, 14)) for _ in range(self.rng.choice((2, 2, 3)))]
            if self.rng.random() < 0.3:
                wanted.append(("sick", self.rng.randint(2, 6)))
            if self.rng.random() < 0.15:
                wanted.append(("trip", self.rng.randint(2, 4)))
            if self.rng.random() < 0.1:
                wanted.append(("dayoff", 1))
            # One slot of the year per absence, in an order of its own: no two of a person overlap.
            slot = 365 // len(wanted)
            self.rng.shuffle(wanted)
            for index, (key, days) in enumerate(wanted):
                if key not in self.types:
                    continue
                start = first + datetime.timedelta(
                    days=index * slot + self.rng.randint(0, max(0, slot - days - 1))
                )
                at = timezone.make_aware(
                    datetime.datetime.combine(start, datetime.time(9))
                ) - datetime.timedelta(days=30)
                rows.append(
                    {"user_id": pk, "type_id": self.types[key], "start": start,
                     "end": start + datetime.timedelta(days=days - 1), "comment": "", "created_at": at, "updated_at": at}
                )  # fmt: skip
            if len(rows) >= CHUNK:
                yield m.Absence, rows
                rows = []
        yield m.Absence, rows

    # -- processes ----------------------------------------------------------------------------------------

    def moment(self, n: int) -> datetime.datetime:
        """Process n of the total spread over the past year, oldest first, with a little noise."""
        span = HISTORY_DAYS * 86400
        seconds = span - span * n / max(self.total, 1) + self.rng.uniform(0, 3600)
        return self.now - datetime.timedelta(seconds=max(120.0, seconds))

    def _data(self, key: str, at: datetime.datetime) -> dict:
        """Form values in the definitions.py shape, by field type (and purpose)."""
        from ...choices import FieldType

        rng, out = self.rng, {}
        day = timezone.localdate(at)
        for f in self.fields[key]:
            kind = f.type
            if kind == FieldType.TEXT:
                out[f.key] = rng.choice(COUNTERPARTIES if f.purpose == "counterparty" else CITIES)
            elif kind == FieldType.LONGTEXT:
                out[f.key] = rng.choice(PURPOSES)
            elif kind == FieldType.MONEY:
                big = key in ("payment", "contract") and rng.random() < 0.15
                amount = Decimal(rng.randint(120_000, 900_000) if big else rng.randint(50, 20_000))
                out[f.key] = {"amount": f"{amount:.2f}", "currency": CURRENCY}
            elif kind == FieldType.DATE:
                out[f.key] = (day + datetime.timedelta(days=rng.randint(3, 30))).isoformat()
            elif kind == FieldType.DATERANGE:
                start = day + datetime.timedelta(days=rng.randint(7, 60))
                out[f.key] = {
                    "start": start.isoformat(),
                    "end": (start + datetime.timedelta(days=rng.randint(1, 13))).isoformat(),
                }
            elif kind == FieldType.ABSENCE_TYPE:
                out[f.key] = self.types.get("vacation")
            elif kind == FieldType.LINES:
                out[f.key] = [
                    {"date": day.isoformat(), "description": rng.choice(PURPOSES), "amount": f"{rng.randint(5, 400)}.00",
                     "currency": CURRENCY, "receipt": None}
                    for _ in range(rng.randint(1, 4))
                ]  # fmt: skip
            elif kind == FieldType.FILE:
                out[f.key] = []
            elif kind == FieldType.NUMBER:
                out[f.key] = str(rng.randint(1, 10))
            elif kind == FieldType.BOOLEAN:
                out[f.key] = rng.random() < 0.5
            elif kind == FieldType.CHOICE and f.choices:
                out[f.key] = rng.choice(f.choices)
        lines = next((f for f in self.fields[key] if f.type == FieldType.LINES), None)
        amount = next((f for f in self.fields[key] if f.purpose == "amount"), None)
        if lines is not None and amount is not None:
            total = sum(Decimal(line["amount"]) for line in out[lines.key])
            out[amount.key] = {"amount": f"{total:.2f}", "currency": CURRENCY}
        return out

    def _copied(self, key: str, data: dict) -> dict:
        """The amount, counterparty and due date the lists read, and the title, as the engine copies them."""
        by_purpose = {f.purpose: f for f in self.fields[key] if f.purpose}
        out = {"amount": None, "amount_currency": None, "counterparty": "", "due_date": None}
        if "amount" in by_purpose and data.get(by_purpose["amount"].key):
            money = data[by_purpose["amount"].key]
            out["amount"], out["amount_currency"] = Decimal(money["amount"]), money["currency"]
        if "counterparty" in by_purpose:
            out["counterparty"] = str(data.get(by_purpose["counterparty"].key) or "")
        if "due_date" in by_purpose and data.get(by_purpose["due_date"].key):
            out["due_date"] = datetime.date.fromisoformat(data[by_purpose["due_date"].key])
        pieces = [out["counterparty"]] if out["counterparty"] else []
        if "period" in by_purpose and data.get(by_purpose["period"].key):
            period = data[by_purpose["period"].key]
            pieces.append(f"{period['start']} – {period['end']}")
        if out["amount"] is not None:
            pieces.append(f"{out['amount']:,.2f} {out['amount_currency']}")
        out["title"] = f"{self.templates[key].name}: {', '.join(pieces) or 'request'}"[:300]
        return out

    def _approvers(self, step_def, requester: int) -> list[tuple[int, str, int | None]]:
        """(user id, reason, instead of) of a step as the engine resolves it: the requester's supervisor (or
        the one above, for the levels rule), the holders of a role; never the requester."""
        from ...choices import ApproverRule

        rule = step_def.rule
        if rule.kind == ApproverRule.ROLE:
            people = [pk for pk in self.holders.get(rule.role, []) if pk != requester]
        else:
            people, person = [], requester
            for _ in range(max(1, rule.levels if rule.kind == ApproverRule.LEVELS_UP else 1)):
                person = self.company.supervisor.get(person)
                if person is None:
                    break
            if person is not None and person != requester:
                people = [person]
        if not people:
            boss = self.company.supervisor.get(requester)
            people = [boss] if boss else []
        return [(pk, "direct", None) for pk in people]

    def _status(self, at: datetime.datetime) -> str:
        recent = (self.now - at).days < RECENT_DAYS
        roll = self.rng.random()
        if recent:
            shares = (("running", 0.45), ("approved", 0.35), ("rejected", 0.07), ("returned", 0.06))
        else:
            shares = (("running", 0.015), ("approved", 0.82), ("rejected", 0.08), ("returned", 0.01))
        for status, share in shares:
            if roll < share:
                return status
            roll -= share
        return "withdrawn"

    def processes(self):
        from ... import models as m
        from ...definitions import condition_holds

        people = self.company.people
        for start in range(0, self.total, CHUNK):
            procs, steps, assignments, actions = [], [], [], []
            for n in range(start, min(self.total, start + CHUNK)):
                pk, at = n + 1, self.moment(n)
                key = self.rng.choices(self.kinds, self.weights)[0][0]
                requester = self.rng.choice(people)
                template = self.templates[key]
                data = self._data(key, at)
                status = self._status(at)
                fields = self.fields[key]
                defs = self.steps[key]
                applies = [condition_holds(d.condition, data, fields) for d in defs]
                approval = [i for i, d in enumerate(defs) if applies[i] and d.kind == "approval"]
                # Where the route stands: the step deciding it (or waiting), the ones before approved.
                stop = self.rng.choice(approval) if approval and status != "approved" else None
                clock = at
                current = None
                finished = None
                step_rows = []
                self._action(actions, pk, None, requester, "start", at, details={"version": 1})
                for index, d in enumerate(defs):
                    self.step_id += 1
                    row = {"id": self.step_id, "process_id": pk, "round": 1, "index": index, "key": d.key,
                           "name": d.name, "kind": d.kind, "mode": d.mode, "actions": list(d.actions),
                           "status": "skipped", "started_at": None, "due_at": None, "reminded_at": None,
                           "escalated_at": None, "finished_at": None}  # fmt: skip
                    step_rows.append(row)
                    if not applies[index]:
                        row["finished_at"] = at
                        continue
                    before_stop = stop is None or index < stop
                    if d.kind != "approval":  # for information, once approved
                        if status == "approved":
                            row.update(status="informed", started_at=clock, finished_at=clock)
                            for user, reason, instead in self._approvers(d, requester):
                                self._assign(
                                    assignments, row["id"], user, reason, instead, "informed", clock, False
                                )
                            self._action(actions, pk, row["id"], None, "inform", clock)
                        else:
                            row.update(status="cancelled" if status != "running" else "waiting")
                        continue
                    if not before_stop and index > stop:
                        row["status"] = "waiting" if status == "running" else "cancelled"
                        if status != "running":
                            row["finished_at"] = finished
                        continue
                    waits = index == stop and status == "running"
                    if waits:  # the step waiting now started lately (the earlier ones may have taken long)
                        clock = max(clock, self.now - datetime.timedelta(hours=self.rng.uniform(1, 96)))
                    row["started_at"] = clock
                    hours = d.deadline_hours or d.deadline_workdays * 24
                    row["due_at"] = clock + datetime.timedelta(hours=hours) if hours else None
                    approvers = self._approvers(d, requester)
                    if waits:
                        row["status"] = "active"
                        current = row["id"]
                        for user, reason, instead in approvers:
                            self._assign(assignments, row["id"], user, reason, instead, "", None, True)
                        self._maybe_escalate(row, approvers, assignments, actions, pk)
                        continue
                    decided = clock + datetime.timedelta(hours=self.rng.uniform(0.5, 40))
                    decided = min(decided, self.now - datetime.timedelta(seconds=60))
                    decision = "approve"
                    if index == stop:
                        decision = {"rejected": "reject", "returned": "return", "withdrawn": ""}[status]
                    for number, (user, reason, instead) in enumerate(approvers):
                        first = number == 0 and decision
                        self._assign(
                            assignments, row["id"], user, reason, instead, decision if first else "",
                            decided if first else None, False,
                        )  # fmt: skip
                    if decision:
                        who = approvers[0][0] if approvers else None
                        comment = "" if decision == "approve" else "Please check the amount and the dates."
                        self._action(actions, pk, row["id"], who, decision, decided, comment=comment)
                    row["status"] = {
                        "approve": "approved",
                        "reject": "rejected",
                        "return": "returned",
                        "": "cancelled",
                    }[decision]
                    row["finished_at"] = decided
                    clock = decided
                    if index == stop:
                        finished = decided
                if status == "approved":
                    finished = clock
                elif status == "withdrawn":
                    finished = finished or clock
                    self._action(actions, pk, None, requester, "withdraw", finished)
                for row in step_rows:  # the steps the end cancelled end with it
                    if row["status"] == "cancelled" and row["finished_at"] is None:
                        row["finished_at"] = finished
                steps += step_rows
                copied = self._copied(key, data)
                paid = (
                    key == "payment"
                    and status == "approved"
                    and (self.now - at).days > 7
                    and self.rng.random() < 0.85
                )
                procs.append(
                    {"id": pk, "created_at": at, "updated_at": finished or clock, "template_id": template.pk,
                     "version_id": template.current_version_id, "kind": template.kind, "requester_id": requester,
                     "data": data, "status": status, "round": 1, "current_step_id": current, "submitted_at": at,
                     "finished_at": finished if status in ("approved", "rejected", "withdrawn") else None,
                     "paid_at": finished + datetime.timedelta(days=2) if paid else None,
                     "paid_by_id": self.holders["accountant"][0] if paid and self.holders.get("accountant") else None,
                     **copied}
                )  # fmt: skip
            yield m.Process, procs
            yield m.ProcessStep, steps
            yield m.StepAssignment, assignments
            yield m.ProcessAction, actions

    def _maybe_escalate(self, row: dict, approvers, assignments: list, actions: list, pk: int) -> None:
        """A running step past its deadline was reminded; a day later escalated to each approver's supervisor."""
        due = row["due_at"]
        if due is None or due > self.now:
            return
        row["reminded_at"] = due + datetime.timedelta(minutes=5)
        self._action(actions, pk, row["id"], None, "remind", row["reminded_at"])
        if due > self.now - datetime.timedelta(hours=24):
            return
        row["escalated_at"] = due + datetime.timedelta(hours=24, minutes=5)
        taken = {user for user, _reason, _instead in approvers}
        added = []
        for user, _reason, _instead in approvers:
            boss = self.company.supervisor.get(user)
            if boss is not None and boss not in taken:
                taken.add(boss)
                added.append(boss)
                self._assign(assignments, row["id"], boss, "escalated", user, "", None, True)
        self._action(actions, pk, row["id"], None, "escalate", row["escalated_at"], details={"users": added})

    def _assign(self, rows, step_id, user, reason, instead, decision, decided_at, active) -> None:
        self.assignment_id += 1
        rows.append(
            {"id": self.assignment_id, "step_id": step_id, "user_id": user, "reason": reason, "instead_of_id": instead,
             "decision": decision, "decided_at": decided_at, "active": active}
        )  # fmt: skip

    def _action(self, rows, process_id, step_id, actor, kind, at, *, comment="", details=None) -> None:
        self.action_id += 1
        rows.append(
            {"id": self.action_id, "process_id": process_id, "step_id": step_id, "actor_id": actor, "kind": kind,
             "comment": comment, "on_behalf_of_id": None, "details": details or {}, "created_at": at}
        )  # fmt: skip


__all__ = ["Command", "bench_facts", "bench_line", "seed_workflows"]
