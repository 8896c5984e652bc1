"""`manage.py seed_scale --employees 5000`: a company at scale for the load benchmark (bench/).

Bulk inserts, not services: the point is a large, realistic data set in seconds, not the side effects
(stream entries, audit rows, mails) of thousands of hires. The password hash is computed once and shared.

It fills a database of its own (the benchmark's): it refuses one that holds people it did not seed.
Running it again with the same numbers changes nothing; other numbers (or --reset) re-seed.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import time

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

DOMAIN = "scale.lumen"
PASSWORD = "lumen-bench"
COMPANY = "Scale Works"
LOGINS = 100  # person1 … person100 are always active

DIVISIONS = ["Sales", "Engineering", "Operations", "Finance", "Marketing", "Customer Care"]
REGIONS = ["North", "South", "East", "West"]
TEAMS_PER_DEPARTMENT = 3

FIRST_NAMES = (
    "Anna Ben Chloe Daniel Ella Felix Grace Hugo Ida Jonas Kira Liam Mia Noah Olga Paul Quinn Rosa Sam "
    "Tara Umar Vera Will Xenia Yusuf Zoe Adam Bella Carl Dora Emil Fay Gil Hana Ivan Jana Karl Lena Max Nina"
).split()
LAST_NAMES = (
    "Adams Berg Costa Dubois Evans Fischer Garcia Horvat Ito Jensen Keller Lopez Meyer Novak Olsen Petrov "
    "Quinn Rossi Schmidt Tanaka Ueda Varga Weber Xu Young Zimmer Baker Clarke Dahl Engel Ford Grant Hale "
    "Iqbal Jovic Kowalski Lind Moreau Nagy Ortiz Park Reyes Silva Torres Ulrich Vogel Walker Yilmaz Zhou"
).split()
POSITIONS = [
    "Specialist",
    "Senior Specialist",
    "Analyst",
    "Engineer",
    "Senior Engineer",
    "Coordinator",
    "Manager",
    "Assistant",
    "Consultant",
    "Team Lead",
]
# The default of `seed_scale_tasks` (its --tasks is per employee), passed to it explicitly.
SCALE_TASKS_PER_EMPLOYEE = 50

GROUP_TOPICS = ["Guild", "Project", "Club", "Working group", "Initiative", "Committee", "Task force"]


def person_email(number: int) -> str:
    """The address of seeded person `number` (1-based); the benchmark logs in with these."""
    return f"person{number}@{DOMAIN}"


class Command(BaseCommand):
    help = "Seed a company at scale (departments, people, groups) for the load benchmark."

    def add_arguments(self, parser):
        parser.add_argument("--employees", type=int, default=5000, help="people to seed (default 5000)")
        parser.add_argument("--groups", type=int, default=None, help="groups to seed (default: 1 per 20)")
        parser.add_argument("--password", default=PASSWORD, help=f"everybody's password (default {PASSWORD})")
        parser.add_argument(
            "--entries", type=int, default=None, help="activity stream entries (default: 20 per employee)"
        )
        parser.add_argument(
            "--tasks", type=int, default=None, help="tasks (default: 50 per employee; see seed_scale_tasks)"
        )
        parser.add_argument(
            "--crm-scale",
            type=float,
            default=1.0,
            help="a factor on the CRM's counts per employee (see seed_scale_crm; 0: no CRM records)",
        )
        for what in ("contacts", "companies", "deals", "activities"):
            parser.add_argument(
                f"--crm-{what}", type=int, default=None, help=f"CRM {what} (see seed_scale_crm)"
            )
        parser.add_argument(
            "--workflows-scale",
            type=float,
            default=1.0,
            help="a factor on the approvals seeded per employee (see seed_scale_workflows; 0: none)",
        )
        parser.add_argument(
            "--workflows-processes", type=int, default=None, help="processes (see seed_scale_workflows)"
        )
        parser.add_argument(
            "--strategy-scale",
            type=float,
            default=1.0,
            help="a factor on the strategy's goals and indicators (see seed_scale_strategy; 0: none)",
        )
        parser.add_argument(
            "--kb-scale",
            type=float,
            default=1.0,
            help="a factor on the knowledge base's spaces and pages (see seed_scale_kb; 0: none)",
        )
        parser.add_argument("--reset", action="store_true", help="wipe the seeded company and seed again")
        parser.add_argument("--seed", type=int, default=20260101, help="random seed (same seed, same data)")

    def handle(
        self,
        *args,
        employees: int,
        groups: int | None,
        entries: int | None,
        tasks: int | None,
        password: str,
        reset: bool,
        seed: int,
        **kw,
    ):
        from django.apps import apps

        from portal.groups.models import Workgroup
        from portal.people.models import User
        from portal.stream.models import Entry

        # The CRM is seeded by its own command too (when installed), with its own "already seeded" check.
        crm_options = {
            key: kw[f"crm_{key}"]
            for key in ("contacts", "companies", "deals", "activities")
            if kw[f"crm_{key}"] is not None
        }
        crm_options["scale"] = kw["crm_scale"]
        has_crm = apps.is_installed("crm") and (
            kw["crm_scale"] > 0 or any(crm_options.get(k) for k in crm_options)
        )

        # Approvals and absences too, by the workflows app's own command (when installed).
        workflows_options = {"scale": kw["workflows_scale"]}
        if kw["workflows_processes"] is not None:
            workflows_options["processes"] = kw["workflows_processes"]
        has_workflows = apps.is_installed("portal.workflows") and (
            kw["workflows_scale"] > 0 or bool(kw["workflows_processes"])
        )

        # The strategy (after the tasks it links) and the knowledge base, by their apps' own commands.
        has_strategy = apps.is_installed("strategy") and kw["strategy_scale"] > 0
        has_kb = apps.is_installed("knowledgebase") and kw["kb_scale"] > 0

        if employees < 10:
            raise CommandError("--employees must be at least 10.")
        groups = max(6, employees // 20) if groups is None else groups
        entries = employees * 20 if entries is None else entries
        # The tasks are seeded by the tasks app's own command (when installed): people names no other app.
        has_tasks = apps.is_installed("tasks")
        tasks = (employees * SCALE_TASKS_PER_EMPLOYEE if tasks is None else tasks) if has_tasks else 0
        started = time.perf_counter()

        foreign = User.objects.exclude(email__endswith=f"@{DOMAIN}").count()
        if foreign:
            raise CommandError(
                f"This database holds {foreign} people seed_scale did not create; it seeds a database of its "
                "own (point DATABASE_URL at another database)."
            )
        seeded = User.objects.count()
        if (
            not reset
            and seeded == employees + 1
            and Workgroup.objects.count() == groups
            and Entry.objects.count() == entries
            and (not has_tasks or apps.get_model("tasks", "Task").objects.count() == tasks)
        ):
            self.stdout.write(
                f"Already seeded: {employees} employees and {groups} groups (use --reset to redo)."
            )
            if has_crm:
                call_command("seed_scale_crm", seed=seed, stdout=self.stdout, **crm_options)
            if has_workflows:
                call_command("seed_scale_workflows", seed=seed, stdout=self.stdout, **workflows_options)
            if has_strategy:
                call_command("seed_scale_strategy", scale=kw["strategy_scale"], seed=seed, stdout=self.stdout)
            if has_kb:
                call_command("seed_scale_kb", scale=kw["kb_scale"], seed=seed, stdout=self.stdout)
            return
        if seeded or reset:
            # Only seeded rows are here (checked above): empty every table in one go.
            call_command("flush", interactive=False, verbosity=0)

        with transaction.atomic():
            counts = seed_company(
                employees=employees, groups=groups, password=password, rng=random.Random(seed)
            )
        counts["entries"] = seed_stream(entries=entries, rng=random.Random(seed))
        if tasks:
            call_command("seed_scale_tasks", tasks=tasks, seed=seed, reset=True, stdout=self.stdout)
        if has_crm:
            call_command("seed_scale_crm", seed=seed, reset=True, stdout=self.stdout, **crm_options)
        if has_workflows:
            call_command(
                "seed_scale_workflows", seed=seed, reset=True, stdout=self.stdout, **workflows_options
            )
        if has_strategy:
            call_command(
                "seed_scale_strategy", scale=kw["strategy_scale"], seed=seed, reset=True, stdout=self.stdout
            )
        if has_kb:
            call_command("seed_scale_kb", scale=kw["kb_scale"], seed=seed, reset=True, stdout=self.stdout)
        _analyze()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {counts['employees']} employees, {counts['departments']} departments "
                f"({counts['levels']} levels, {counts['heads']} heads), {counts['groups']} groups, "
                f"{counts['memberships']} memberships, {counts['entries']} stream entries in {elapsed:.1f}s"
            )
        )
        self.stdout.write(
            f"Log in as {person_email(1)} … {person_email(employees)} or admin@{DOMAIN}, password {password}"
        )


def _analyze() -> None:
    """Planner statistics for what was just bulk-inserted: without them (autovacuum may be off or late)
    PostgreSQL plans joins on the people of a handful of rows, not thousands."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def seed_company(*, employees: int, groups: int, password: str, rng: random.Random) -> dict[str, int]:
    from portal.groups.choices import GroupKind, GroupVisibility, MemberRole
    from portal.groups.models import Membership, Workgroup
    from portal.people.models import Company, Department, User

    company = Company.objects.create(name=COMPANY)
    root = Department.objects.add_root(create_kwargs={"name": company.name})

    # The tree: company -> divisions -> regional departments -> teams (four levels).
    departments = [root]
    for division_name in DIVISIONS:
        division = Department.objects.add_child(root, create_kwargs={"name": division_name})
        departments.append(division)
        for region in REGIONS:
            department = Department.objects.add_child(
                division, create_kwargs={"name": f"{division_name} {region}"}
            )
            departments.append(department)
            for team in range(1, TEAMS_PER_DEPARTMENT + 1):
                departments.append(
                    Department.objects.add_child(
                        department, create_kwargs={"name": f"{department.name} {team}"}
                    )
                )

    # People: a handful at the top, the rest spread over the departments, at least one in each.
    hashed = make_password(password)
    now = timezone.now()
    people: list[User] = [
        User(
            email=f"admin@{DOMAIN}",
            first_name="Ada",
            last_name="Admin",
            position="Portal administrator",
            department=root,
            is_staff=True,
            is_superuser=True,
            password=hashed,
            date_joined=now - datetime.timedelta(days=2000),
        )
    ]
    placement = departments + [rng.choice(departments[1:]) for _ in range(employees - len(departments))]
    for number, department in enumerate(placement[:employees], start=1):
        people.append(
            User(
                email=person_email(number),
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                position=rng.choice(POSITIONS),
                department=department,
                birthday=datetime.date(rng.randint(1965, 2003), rng.randint(1, 12), rng.randint(1, 28)),
                phone=f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                # A few leave the company; never the first LOGINS people, whom the benchmark signs in as.
                is_active=number <= LOGINS or rng.random() > 0.01,
                password=hashed,
                date_joined=now - datetime.timedelta(days=rng.randint(0, 1800)),
            )
        )
    people = User.objects.bulk_create(people, batch_size=1000)

    # Heads: the first active member of each department; counters: active members per department.
    members: dict[int, list[User]] = {}
    for person in people[1:]:
        if person.is_active:
            members.setdefault(person.department_id, []).append(person)
    heads = []
    for department in departments:
        staff = members.get(department.pk, [])
        department.members_count = len(staff)
        department.head = staff[0] if staff else None
        if department.head is not None:
            department.head.position = (
                "Chief Executive Officer" if department is root else f"Head of {department.name}"
            )
            heads.append(department.head)
    Department.objects.bulk_update(departments, ["head", "members_count"])
    User.objects.bulk_update(heads, ["position"])

    # Groups of each visibility, some of them projects, with owners and members.
    active = [p for p in people[1:] if p.is_active]
    visibilities = [GroupVisibility.OPEN] * 5 + [GroupVisibility.CLOSED] * 3 + [GroupVisibility.SECRET] * 2
    today = timezone.localdate()
    workgroups, rosters = [], []
    for number in range(1, groups + 1):
        roster = rng.sample(active, k=min(len(active), rng.randint(3, 40)))
        is_project = number % 4 == 0
        start = today - datetime.timedelta(days=rng.randint(0, 300))
        workgroups.append(
            Workgroup(
                name=f"{rng.choice(GROUP_TOPICS)} {number:04d}",
                description="Seeded for the load benchmark.",
                kind=GroupKind.PROJECT if is_project else GroupKind.GROUP,
                visibility=visibilities[number % len(visibilities)],
                start_date=start if is_project else None,
                end_date=start + datetime.timedelta(days=rng.randint(30, 400)) if is_project else None,
                department=roster[0].department,
                created_by=roster[0],
                members_count=len(roster),
            )
        )
        rosters.append(roster)
    workgroups = Workgroup.objects.bulk_create(workgroups, batch_size=1000)
    memberships = [
        Membership(
            group=group,
            user=user,
            role=MemberRole.OWNER if i == 0 else (MemberRole.MODERATOR if i == 1 else MemberRole.MEMBER),
        )
        for group, roster in zip(workgroups, rosters, strict=True)
        for i, user in enumerate(roster)
    ]
    Membership.objects.bulk_create(memberships, batch_size=2000)

    return {
        "employees": employees,
        "departments": len(departments),
        "levels": 4,
        "heads": len(heads),
        "groups": len(workgroups),
        "memberships": len(memberships),
    }


def seed_stream(*, entries: int, rng: random.Random) -> int:
    """Stream posts over the last two years, newest last: most for everyone, one in ten visible to its
    author only, so the feed's permission filter has rows to skip. Inserted in committed batches."""
    from portal.people.models import User
    from portal.stream.models import Entry

    authors = list(User.objects.filter(is_active=True).values_list("id", flat=True))
    now = timezone.now()
    span = 2 * 365 * 24 * 3600
    batch = 5000
    made = 0
    while made < entries:
        size = min(batch, entries - made)
        rows = []
        for i in range(size):
            n = made + i
            seconds_ago = span - (span * n // max(entries, 1))
            rows.append(
                Entry(
                    kind="post",
                    author_id=rng.choice(authors),
                    body=f"Update {n}: {rng.choice(SEARCHES_TEXT)}",
                    audience_everyone=rng.random() >= 0.1,
                    created_at=now - datetime.timedelta(seconds=seconds_ago),
                )
            )
        with transaction.atomic(), _keep_given_created_at(Entry):
            Entry.objects.bulk_create(rows, batch_size=batch)
        made += size
    return made


@contextlib.contextmanager
def _keep_given_created_at(model):
    """`auto_now_add` would stamp every seeded row with the same moment; a feed needs a history."""
    field = model._meta.get_field("created_at")
    saved = field.auto_now_add
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = saved


SEARCHES_TEXT = [
    "the quarterly numbers are in",
    "welcome our new colleagues",
    "the office is closed on Monday",
    "release 2.4 is out",
    "thanks to everyone who helped with the fair",
]
