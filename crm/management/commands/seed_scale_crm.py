"""`manage.py seed_scale_crm`: the CRM at scale for the load benchmark, after `seed_scale` (which runs it).

Bulk inserts, not services (as `seed_scale` does for people and `seed_scale_tasks` for tasks): by default
40 contacts, 10 companies, 60 deals across three pipelines and 400 activities (each on the timeline of its
records) per employee, which for the benchmark's 5,000 people is 200,000 contacts, 50,000 companies, 300,000
deals and 2,000,000 activities; every contact and company has a phone and an e-mail. `--scale 0.1` (or the
counts one by one) for a smaller set. The responsible people are the seeded company's; the department heads hold
"Head of department" (they see their sub-tree's records), everybody "Employee".

The benchmark's connections are made with fixed credentials (`PBX_TOKEN`, `STORE_TOKEN`, `STORE_SECRET`;
bench/locustfile.py knows them) and the phone of contact n is `phone_digits(n)`, so the scenarios ring known
numbers and sign their store orders.

On PostgreSQL the rows go in through COPY in one transaction, with the tables' secondary indexes and foreign
keys dropped while loading and rebuilt at the end, then ANALYZE. Elsewhere `bulk_create` in batches. It only
runs on a database `seed_scale` filled and replaces the CRM records there.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import time
import uuid
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from djmoney.money import Money

from portal.core.seeding import Writer, reset_sequences

SCALE_DOMAIN = "scale.lumen"  # portal.stream.management.commands.seed_scale.DOMAIN
# Per employee: with the benchmark's 5,000 people, 200,000 contacts, 50,000 companies, 300,000 deals and
# 2,000,000 activities.
PER_EMPLOYEE = {"contacts": 40, "companies": 10, "deals": 60, "activities": 400}
CHUNK = 50_000  # rows of one kind generated (and, elsewhere than PostgreSQL, committed) at a time
HISTORY_DAYS = 730

PBX_TOKEN = "pbx_bench_scale_lumen_0123456789abcdef"
STORE_TOKEN = uuid.UUID("5ca1ab1e-0000-4000-8000-00000000c0de")
STORE_SECRET = "lumen-bench-store-secret"
CURRENCY = "USD"

PIPELINES = [
    ("Sales", True, ["New", "Qualification", "Proposal", "Negotiation"], 0.6),
    ("Wholesale", False, ["Request", "Offer", "Contract"], 0.25),
    ("Store orders", False, ["New order", "Paid", "Shipped"], 0.15),
]
FIRST = "Anna Ben Chloe Daniel Ella Felix Grace Hugo Ida Jonas Kira Liam Mia Noah Olga Paul Rosa Sam Tara Vera".split()
LAST = "Adams Berg Costa Dubois Evans Fischer Garcia Horvat Ito Jensen Keller Lopez Meyer Novak Olsen Petrov".split()
WORDS = (
    "Orion Bluefield Helix Cobalt Vega Summit Atlas Crescent Ironwood Lumina Pioneer Quartz Redwood".split()
)
KINDS = "Logistics Foods Pharma Mining Travel Bank Tools Energy Media Clinics Hotels Outdoor Textiles".split()
SUBJECTS = [
    "Discovery call", "Demo at their office", "Sent the price list", "Follow-up on the proposal",
    "Contract meeting", "Send the revised offer", "Call back about the decision", "Delivery schedule",
]  # fmt: skip
ACTIVITY_KINDS = ["call", "call", "email", "meeting", "todo"]


def phone_digits(n: int) -> str:
    """The ten national digits of the phone of record n (contacts 0…, companies after them): distinct for the
    first ten million, area and exchange never starting with 0 or 1."""
    area = 200 + (n // 10_000_000) * 7 % 800
    exchange = 200 + (n // 10_000) % 800
    return f"{area}{exchange}{n % 10_000:04d}"


def scale_counts(employees: int, scale: float, given: dict[str, int | None]) -> dict[str, int]:
    """The counts asked for: each given one, else `PER_EMPLOYEE` × employees × `scale`."""
    return {
        key: given[key] if given.get(key) is not None else round(per * employees * scale)
        for key, per in PER_EMPLOYEE.items()
    }


class Command(BaseCommand):
    help = "Seed the CRM at scale (contacts, companies, deals, activities) for the load benchmark."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="a factor on every default count (default 1)"
        )
        for key, per in PER_EMPLOYEE.items():
            parser.add_argument(
                f"--{key}", type=int, default=None, help=f"{key} (default {per} per employee × --scale)"
            )
        parser.add_argument(
            "--reset", action="store_true", help="replace the CRM records even if the counts match"
        )
        parser.add_argument("--seed", type=int, default=20260101, help="random seed (same seed, same data)")

    def handle(self, *args, scale: float, reset: bool, seed: int, **options):
        from portal.people.models import User

        from ...models import Activity, Company, Contact, Deal

        foreign = User.objects.exclude(email__endswith=f"@{SCALE_DOMAIN}").count()
        if foreign:
            raise CommandError(
                f"This database holds {foreign} people seed_scale did not create; seed_scale_crm fills the "
                "benchmark's database only (run seed_scale there first)."
            )
        if scale < 0:
            raise CommandError("--scale must not be negative.")
        employees = User.objects.filter(is_active=True, is_staff=False).count()
        counts = scale_counts(employees, scale, {key: options.get(key) for key in PER_EMPLOYEE})
        if any(value < 0 for value in counts.values()):
            raise CommandError("Counts must not be negative.")
        if not employees:
            raise CommandError("No people to give records to: run `manage.py seed_scale` first.")
        models = {"contacts": Contact, "companies": Company, "deals": Deal, "activities": Activity}
        if not reset and all(models[key].objects.count() == value for key, value in counts.items()):
            refresh_store_secret()
            self.stdout.write(
                "Already seeded: "
                + ", ".join(f"{v} {k}" for k, v in counts.items())
                + " (use --reset to redo)."
            )
            return
        started = time.perf_counter()
        log = self.stdout.write if options.get("verbosity", 1) >= 2 else None
        written = seed_crm(counts=counts, rng=random.Random(seed), log=log)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded CRM: {written.get('Contact', 0)} contacts, {written.get('Company', 0)} companies, "
                f"{written.get('Deal', 0)} deals, {written.get('Activity', 0)} activities, "
                f"{written.get('Communication', 0)} phones and e-mails, {written.get('TimelineEntry', 0)} "
                f"timeline entries in {time.perf_counter() - started:.1f}s"
            )
        )


# --- writing --------------------------------------------------------------------------------------------


def _record_models():
    from ... import models as m

    # Parents before children (bulk_create elsewhere than PostgreSQL checks keys row by row).
    return [
        m.Company, m.Contact, m.ContactCompany, m.Communication, m.Deal, m.DealLine, m.DealStageChange,
        m.Activity, m.TimelineEntry,
    ]  # fmt: skip


def clear_records() -> None:
    """Every CRM record and what hangs on it (the settings stay)."""
    from ... import models as m

    models = [
        *_record_models(),
        m.Lead,
        m.DealObserver,
        m.CrmFile,
        m.Call,
        m.StoreDelivery,
        m.WebFormSubmission,
    ]
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        return
    for model in reversed(models):
        model.objects.all().delete()


@contextlib.contextmanager
def _bulk_load(models, log):
    """PostgreSQL: drop the tables' secondary indexes and foreign keys, put them back at the end (one pass each)."""
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
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )
    if log:
        log(f"  rebuilt {len(indexes)} indexes and {len(foreign_keys)} foreign keys")


# --- the settings the records need ------------------------------------------------------------------------


def ensure_settings() -> dict:
    """Roles (everybody "Employee"; department heads "Head of department"), three pipelines, a catalogue and the
    benchmark's PBX and store connections. Returns {pipeline id: (open stage ids, won id, lost id)}."""
    from portal.people.models import Department, User

    from ... import models as m
    from ...choices import Action, Entity, Level, StageKind
    from ...crypto import encrypt_secret
    from ...services.telephony import token_hash

    def role(name, level, *, default=False, admin=False):
        row, made = m.CrmRole.objects.get_or_create(
            name=name, defaults={"is_default": default, "is_admin": admin}
        )
        if made:
            m.CrmRolePermission.objects.bulk_create(
                m.CrmRolePermission(role=row, entity=e, action=a, level=level)
                for e in Entity.values
                for a in Action.values
                if not (a == Action.IMPORT and level == Level.OWN)
            )
        return row

    role("Employee", Level.OWN, default=True)
    heads = role("Head of department", Level.SUBTREE)
    role("CRM administrator", Level.ALL, admin=True)
    head_ids = set(Department.objects.exclude(head=None).values_list("head_id", flat=True))
    have = set(heads.assignments.values_list("user_id", flat=True))
    m.CrmRoleAssignment.objects.bulk_create(
        m.CrmRoleAssignment(role=heads, user_id=pk) for pk in sorted(head_ids - have)
    )

    pipelines = {}
    for sort, (name, default, open_stages, _share) in enumerate(PIPELINES, start=1):
        pipeline = m.Pipeline.objects.filter(name=name).first()
        if pipeline is None:
            pipeline = m.Pipeline.objects.create(
                name=name,
                sort=sort * 10,
                is_default=default and not m.Pipeline.objects.filter(is_default=True).exists(),
            )
            stages = [(s, StageKind.OPEN, 10 + 20 * i) for i, s in enumerate(open_stages)]
            stages += [("Won", StageKind.WON, 100), ("Lost", StageKind.LOST, 0)]
            m.Stage.objects.bulk_create(
                m.Stage(pipeline=pipeline, name=s, kind=k, probability=p, sort=(i + 1) * 10)
                for i, (s, k, p) in enumerate(stages)
            )
        stages = list(pipeline.stages.order_by("sort", "id"))
        pipelines[pipeline.pk] = (
            [s.pk for s in stages if s.kind == StageKind.OPEN],
            next(s.pk for s in stages if s.kind == StageKind.WON),
            next(s.pk for s in stages if s.kind == StageKind.LOST),
        )
    if not m.Product.objects.exists():
        m.Product.objects.bulk_create(
            m.Product(name=f"Product {n}", sku=f"SKU-{n:03d}", price=Money(Decimal(50 + n * 45), CURRENCY))
            for n in range(1, 21)
        )
    pbx = m.PbxConnection.objects.filter(token_hash=token_hash(PBX_TOKEN)).first()
    if pbx is None:
        pbx = m.PbxConnection.objects.create(
            name="Bench PBX", token_hash=token_hash(PBX_TOKEN), token_prefix=PBX_TOKEN[:8]
        )
    people = list(
        User.objects.filter(email__endswith=f"@{SCALE_DOMAIN}", is_staff=False, is_active=True).order_by(
            "pk"
        )[:100]
    )
    taken = set(pbx.extensions.values_list("extension", flat=True))
    m.PbxExtension.objects.bulk_create(
        m.PbxExtension(connection=pbx, extension=str(100 + n), user=person)
        for n, person in enumerate(people, start=1)
        if str(100 + n) not in taken
    )
    if not m.StoreConnection.objects.filter(token=STORE_TOKEN).exists():
        store_pipeline = m.Pipeline.objects.get(name=PIPELINES[2][0])
        _open, won, lost = pipelines[store_pipeline.pk]
        m.StoreConnection.objects.create(
            name="Bench store",
            adapter="lumen",
            token=STORE_TOKEN,
            secret_encrypted=encrypt_secret(STORE_SECRET),
            pipeline=store_pipeline,
            status_map={
                "new": _open[0],
                "paid": _open[1],
                "shipped": _open[2],
                "completed": won,
                "cancelled": lost,
            },
            responsible=people[0] if people else None,
        )
    return pipelines


def refresh_store_secret() -> None:
    """The benchmark store's secret encrypted again under this run's SECRET_KEY (reused data keeps the
    connection, which a different key could no longer read)."""
    from ... import models as m
    from ...crypto import encrypt_secret

    m.StoreConnection.objects.filter(token=STORE_TOKEN).update(secret_encrypted=encrypt_secret(STORE_SECRET))


# --- generating -----------------------------------------------------------------------------------------


def seed_crm(
    *, counts: dict[str, int], rng: random.Random, now: datetime.datetime | None = None, log=None
) -> dict:
    """Replace the CRM records of the seeded company with `counts` new ones. Returns rows written per model."""
    from portal.people.models import User

    from ... import models as m

    now = now or timezone.now()
    people = list(
        User.objects.filter(is_active=True, is_staff=False).order_by("pk").values_list("pk", flat=True)
    )
    if not people:
        raise CommandError("No people to give records to: run `manage.py seed_scale` first.")
    writer = Writer()
    clock = time.perf_counter()
    on_postgres = connection.vendor == "postgresql"

    def lap(what: str) -> None:
        nonlocal clock
        if log:
            log(f"  {what}: {time.perf_counter() - clock:.1f}s")
        clock = time.perf_counter()

    with transaction.atomic() if on_postgres else contextlib.nullcontext():
        clear_records()
        pipelines = ensure_settings()
        products = list(m.Product.objects.order_by("pk").values_list("pk", "name", "price"))
        lap("cleared the records, settings ready")
        gen = Generator(
            people=people, pipelines=pipelines, products=products, rng=rng, now=now, counts=counts
        )
        with _bulk_load(_record_models(), log):
            for model, rows in gen.all():
                with transaction.atomic():
                    writer.write(model, rows)
            lap("generated and wrote the records")
            reset_sequences(_record_models())
    if on_postgres:
        with connection.cursor() as cursor:
            for model in _record_models():
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        lap("analyzed")
    _recount(people)
    lap("CRM counters of everybody")
    return writer.written


def _recount(people: list[int]) -> None:
    from portal.notifications.counters import counters_store

    from ...counters import KEYS

    for start in range(0, len(people), 500):
        with transaction.atomic():
            counters_store(people[start : start + 500], KEYS, push=False)


class Generator:
    """Deterministic rows with explicit ids (1…), oldest first, in chunks of `CHUNK`."""

    def __init__(self, *, people, pipelines, products, rng, now, counts) -> None:
        self.people, self.rng, self.now, self.counts = people, rng, now, counts
        self.pipelines = list(pipelines.items())
        self.pipeline_weights = [share for *_rest, share in PIPELINES][: len(self.pipelines)]
        self.products = products
        self.contact_owner: list[int] = []
        self.contact_company: list[int | None] = []
        self.company_owner: list[int] = []
        self.deals: list[tuple] = []  # (id, contact id, company id, responsible, created, open)

    def moment(self, n: int, total: int) -> datetime.datetime:
        """Row n of `total` spread over the history, oldest first, with a little noise."""
        span = HISTORY_DAYS * 86400
        seconds = span - span * n / max(total, 1) + self.rng.uniform(0, 3600)
        return self.now - datetime.timedelta(seconds=max(60.0, seconds))

    def all(self):
        yield from self.companies()
        yield from self.contacts()
        yield from self.deal_rows()
        yield from self.activities()

    def _comms(self, owner: dict, number: int, name: str, pk: int) -> list[dict]:
        from ...choices import CommunicationKind

        digits = phone_digits(number)
        email = f"{name}{pk}@example.com".lower()
        return [
            {"kind": CommunicationKind.PHONE, "type": "work", "value": f"+1 ({digits[:3]}) {digits[3:6]}-{digits[6:]}",
             "normalized": f"+1{digits}", "tail": digits, "sort": 0, **owner},
            {"kind": CommunicationKind.EMAIL, "type": "work", "value": email, "normalized": email, "sort": 1, **owner},
        ]  # fmt: skip

    def companies(self):
        from ... import models as m

        total, contacts = self.counts["companies"], self.counts["contacts"]
        for start in range(0, total, CHUNK):
            companies, comms = [], []
            for n in range(start, min(total, start + CHUNK)):
                pk, owner, at = n + 1, self.rng.choice(self.people), self.moment(n, total)
                self.company_owner.append(owner)
                name = f"{self.rng.choice(WORDS)} {self.rng.choice(KINDS)} {pk}"
                companies.append(
                    {"id": pk, "name": name, "kind": "client", "industry": self.rng.choice(KINDS), "responsible_id": owner,
                     "created_by_id": owner, "created_at": at, "updated_at": at, "source": "manual"}
                )  # fmt: skip
                comms += self._comms({"company_id": pk}, contacts + n, "info", pk)
            yield m.Company, companies
            yield m.Communication, comms

    def contacts(self):
        from ... import models as m

        total, companies = self.counts["contacts"], self.counts["companies"]
        for start in range(0, total, CHUNK):
            contacts, links, comms = [], [], []
            for n in range(start, min(total, start + CHUNK)):
                pk, at = n + 1, self.moment(n, total)
                company = self.rng.randint(1, companies) if companies and self.rng.random() < 0.6 else None
                owner = self.company_owner[company - 1] if company else self.rng.choice(self.people)
                self.contact_owner.append(owner)
                self.contact_company.append(company)
                first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
                contacts.append(
                    {"id": pk, "first_name": first, "last_name": last, "position": "Manager", "responsible_id": owner,
                     "created_by_id": owner, "created_at": at, "updated_at": at, "source": "manual"}
                )  # fmt: skip
                if company:
                    links.append({"contact_id": pk, "company_id": company, "is_primary": True})
                comms += self._comms({"contact_id": pk}, n, f"{first}.{last}.", pk)
            yield m.Contact, contacts
            yield m.ContactCompany, links
            yield m.Communication, comms

    def deal_rows(self):
        from ... import models as m
        from ...choices import StageKind

        total, contacts = self.counts["deals"], self.counts["contacts"]
        stage_change = 0
        for start in range(0, total, CHUNK):
            deals, lines, changes = [], [], []
            for n in range(start, min(total, start + CHUNK)):
                pk, created = n + 1, self.moment(n, total)
                pipeline, (open_ids, won, lost) = self.rng.choices(self.pipelines, self.pipeline_weights)[0]
                contact = self.rng.randint(1, contacts) if contacts else None
                company = self.contact_company[contact - 1] if contact else None
                owner = self.contact_owner[contact - 1] if contact else self.rng.choice(self.people)
                age = (self.now - created).days
                roll = self.rng.random()
                # Old deals are mostly closed; the last months' mostly open.
                if roll < (0.9 if age > 120 else 0.25):
                    stage, kind = (won, StageKind.WON) if self.rng.random() < 0.6 else (lost, StageKind.LOST)
                else:
                    stage, kind = self.rng.choice(open_ids), StageKind.OPEN
                moved = min(self.now, created + datetime.timedelta(days=self.rng.uniform(0, 60)))
                product_id, product_name, price = self.rng.choice(self.products)
                quantity = self.rng.randint(1, 20)
                amount = (price * quantity).quantize(Decimal("0.01"))
                deals.append(
                    {"id": pk, "title": f"{product_name} × {quantity}", "pipeline_id": pipeline, "stage_id": stage,
                     "stage_kind": kind, "stage_changed_at": moved, "amount": amount, "amount_currency": CURRENCY,
                     "contact_id": contact, "company_id": company, "responsible_id": owner, "created_by_id": owner,
                     "created_at": created, "updated_at": moved, "last_activity_at": moved,
                     "closed_at": moved if kind != StageKind.OPEN else None, "probability": 50,
                     "lost_reason": "Chose another offer" if kind == StageKind.LOST else "", "source": "manual"}
                )  # fmt: skip
                lines.append(
                    {"deal_id": pk, "product_id": product_id, "name": product_name, "quantity": Decimal(quantity),
                     "price": price, "price_currency": CURRENCY, "discount": Decimal(0), "sort": 0}
                )  # fmt: skip
                stage_change += 1
                changes.append(
                    {"id": stage_change, "deal_id": pk, "pipeline_id": pipeline, "from_stage_id": None,
                     "to_stage_id": open_ids[0], "actor_id": owner, "changed_at": created, "seconds_in_stage": 0}
                )  # fmt: skip
                if stage != open_ids[0]:
                    stage_change += 1
                    changes.append(
                        {"id": stage_change, "deal_id": pk, "pipeline_id": pipeline, "from_stage_id": open_ids[0],
                         "to_stage_id": stage, "actor_id": owner, "changed_at": moved,
                         "seconds_in_stage": int((moved - created).total_seconds())}
                    )  # fmt: skip
                self.deals.append((pk, contact, company, owner, created, kind == StageKind.OPEN))
            yield m.Deal, deals
            yield m.DealLine, lines
            yield m.DealStageChange, changes

    def activities(self):
        """Mostly on a deal (and its contact), the rest on a contact or a company alone; done but for a tenth
        planned (some of them overdue). Each is on the timeline of its records."""
        from ... import models as m

        total = self.counts["activities"]
        contacts, companies = self.counts["contacts"], self.counts["companies"]
        for start in range(0, total, CHUNK):
            activities, entries = [], []
            for n in range(start, min(total, start + CHUNK)):
                pk = n + 1
                roll = self.rng.random()
                if self.deals and roll < 0.75:
                    deal, contact, company, owner, created, is_open = self.rng.choice(self.deals)
                    at = min(self.now, created + datetime.timedelta(days=self.rng.uniform(0, 90)))
                    links = {"deal_id": deal, "contact_id": contact, "company_id": company}
                elif contacts and roll < 0.92:
                    contact = self.rng.randint(1, contacts)
                    owner, at, is_open = self.contact_owner[contact - 1], self.moment(n, total), True
                    links = {"contact_id": contact}
                elif companies:
                    company = self.rng.randint(1, companies)
                    owner, at, is_open = self.company_owner[company - 1], self.moment(n, total), True
                    links = {"company_id": company}
                else:
                    continue
                kind = self.rng.choice(ACTIVITY_KINDS)
                planned = is_open and self.rng.random() < 0.1
                deadline = (
                    at + datetime.timedelta(days=self.rng.uniform(-3, 14))
                    if planned or kind in ("todo", "meeting")
                    else None
                )
                activities.append(
                    {"id": pk, "kind": kind, "direction": "in" if kind in ("call", "email") else "",
                     "subject": self.rng.choice(SUBJECTS), "responsible_id": owner, "created_by_id": owner,
                     "created_at": at, "deadline": deadline, "is_done": not planned, "done_at": None if planned else at,
                     "duration": self.rng.randint(30, 900) if kind == "call" else None,
                     "call_result": "answered" if kind == "call" else "", **links}
                )  # fmt: skip
                entries.append(
                    {"id": pk, "kind": "activity", "actor_id": owner, "created_at": at, "activity_id": pk,
                     "text": activities[-1]["subject"], **links}
                )  # fmt: skip
            yield m.Activity, activities
            yield m.TimelineEntry, entries
