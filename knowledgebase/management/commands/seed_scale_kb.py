"""`manage.py seed_scale_kb`: the knowledge base at scale for the load benchmark, after `seed_scale` (which runs it).

Bulk inserts, not services (as `seed_scale` does for people and the other apps' commands for theirs). By default
(`--scale 1`) per employee 20 pages (5 revisions each) and 0.4 spaces, which at the benchmark's 5,000 employees are
issue 18's 100,000 pages with 500,000 revisions in 2,000 spaces of every kind of rights:

- company-wide spaces (the built-in "Rules" and "Strategy" among them): most read by every employee, some edited by
  everyone, a few closed to all but a department and named editors and administrators;
- a space per department (and more for the large ones): mostly closed to all but the department with its
  sub-departments (readers), its head (an administrator) and a named editor; some open to everyone;
- a space per workgroup and project: its members edit it (a workgroup grant), some are open to every reader;
- personal spaces (their owner administers them): mostly private, some open, now and then shared with a colleague.

Rights are the models' own rows (`everyone_access`, `SpaceGrant` with a role; a person's grant mirrored in guardian's
`SpaceUserObjectPermission`, as `portal.core.sharing` writes it). Pages form trees of varied depth (roots, long
chains, wide levels); one company-wide space holds a page per employee, 5,000 (the space-tree scenario's); the rest are spread
unevenly (a few spaces with hundreds, most with a few dozen). Each page has 1 to 9 revisions (5 on average), the
last one its current text; 3 % are drafts (outside the big space); some have tags, an own responsible editor, a
review-by date, `[[links]]` to their siblings.

Bodies are Markdown of realistic words: each page is about one of `TOPICS` (in its title and text), so a topic
word matches about 7,000 of 100,000 pages, the "up to 10,000 matches" of issue 18's search goal; the common words
of `WORDS` match a fifth of the pages or more (the "any query" goal). The search document is a generated column
(migration 0001): COPY fills it.

On PostgreSQL the rows go in through COPY in one transaction, with the pages' and revisions' secondary indexes
dropped while loading and rebuilt at the end, then ANALYZE. It only runs on a database `seed_scale` filled and
replaces the knowledge base there (the built-in spaces are made again). It ends with the line the benchmark reads
(`bench_line`): the big space, pages every employee reads, and the search words.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from portal.core.seeding import Writer, reset_sequences

SCALE_DOMAIN = "scale.lumen"  # portal.stream.management.commands.seed_scale.DOMAIN
# Per employee: with the benchmark's 5,000 people, issue 18's 2,000 spaces and 100,000 pages, one space of 5,000.
PER_EMPLOYEE = {"spaces": 0.4, "pages": 20, "big": 1}
MAX_REVISIONS = 9  # 1…9 per page: 5 on average, 500,000 for 100,000 pages
CHUNK = 10_000  # pages generated (with their revisions) at a time
HISTORY_DAYS = 3 * 365
BENCH_PAGES = 50  # pages every employee reads, named in the bench line

# One per page, in its title and text (and in the `[[links]]` to it): 100,000 pages make about 9,000 matches per
# word, under the 10,000 of the search goal.
TOPICS = [
    "onboarding", "invoice", "warehouse", "compliance", "vacation", "procurement", "firewall", "payroll",
    "helpdesk", "branding", "forecast", "recruiting", "audit", "shipping",
]  # fmt: skip
WORDS = (
    "team process customer report meeting project plan budget review quality service office policy document "
    "request approval manager employee schedule deadline contract partner product market sales training "
    "system access account support update release version change risk issue goal target result data "
    "question answer template checklist step owner responsible weekly monthly quarter year rule guide "
    "example note summary decision agenda minutes action follow call email chat portal form field list "
    "table chart number price cost order delivery client supplier vendor payment expense travel trip "
    "holiday leave sick rota shift desk room floor building parking badge laptop phone printer network "
    "password security backup server database application feature test bug fix deploy monitor incident "
    "escalation priority status progress milestone phase launch campaign event webinar newsletter survey "
    "feedback score rating improvement idea proposal standard procedure instruction manual handbook wiki"
).split()
TITLES = [
    "{Topic} rules", "How we handle {topic}", "{Topic} checklist", "{Topic}: questions and answers",
    "The {topic} process", "{Topic} for newcomers", "{Topic} templates", "Who answers for {topic}",
    "{Topic} meeting notes", "{Topic} glossary", "{Topic} in practice", "Changes to {topic}",
]  # fmt: skip
COMMENTS = ["Typo", "Updated the steps", "Added an example", "Reworded", "New section", "Links fixed", ""]
TAGS = ["how-to", "policy", "faq", "template", "draft-notes", "archive", "important"]


def bench_line(*, space, pages_in_space, pages, words) -> str:
    """The line `bench.run` reads after seeding (keep the wording: bench/run.py parses it)."""
    return (
        f"Knowledge base bench: big space {space} ({pages_in_space} pages), "
        f"pages {','.join(str(pk) for pk in pages) or 'None'}, words {','.join(words)}"
    )


def scale_counts(employees: int, scale: float) -> dict[str, int]:
    """`PER_EMPLOYEE` × employees × `scale`: 5,000 employees make 2,000 spaces, 100,000 pages, a space of 5,000."""
    spaces, pages, big = (round(PER_EMPLOYEE[key] * employees * scale) for key in ("spaces", "pages", "big"))
    return {"spaces": spaces, "pages": pages, "big": min(pages, max(1, big)) if spaces > 2 and pages else 0}


class Command(BaseCommand):
    help = "Seed the knowledge base at scale (spaces of every kind of rights, page trees, revisions) for the bench."

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

        from ...models import Page, Space

        foreign = User.objects.exclude(email__endswith=f"@{SCALE_DOMAIN}").count()
        if foreign:
            raise CommandError(
                f"This database holds {foreign} people seed_scale did not create; seed_scale_kb fills the "
                "benchmark's database only (run seed_scale there first)."
            )
        if scale < 0:
            raise CommandError("--scale must not be negative.")
        if not User.objects.filter(is_active=True, is_staff=False).exists():
            raise CommandError("No people to give spaces to: run `manage.py seed_scale` first.")
        counts = scale_counts(User.objects.filter(is_staff=False).count(), scale)
        spaces = max(counts["spaces"], 2)  # the built-in ones always
        if not reset and Space.objects.count() == spaces and Page.objects.count() == counts["pages"]:
            self.stdout.write(
                f"Already seeded: {spaces} spaces and {counts['pages']} pages (use --reset to redo)."
            )
            self.stdout.write(bench_line(**bench_facts()))
            return
        started = time.perf_counter()
        log = self.stdout.write if options.get("verbosity", 1) >= 2 else None
        written = seed_kb(
            spaces=counts["spaces"],
            pages=counts["pages"],
            big=counts["big"],
            rng=random.Random(seed),
            log=log,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded knowledge base: {written.get('Space', 0) + 2} spaces, {written.get('SpaceGrant', 0)} "
                f"grants, {written.get('Page', 0)} pages, {written.get('PageRevision', 0)} revisions, "
                f"{written.get('PageTag', 0)} tags in {time.perf_counter() - started:.1f}s"
            )
        )
        self.stdout.write(bench_line(**bench_facts()))


# --- writing --------------------------------------------------------------------------------------------------


def _record_models():
    from ... import models as m

    # Parents before children (bulk_create elsewhere than PostgreSQL checks keys row by row).
    return [m.Space, m.SpaceGrant, m.SpaceUserObjectPermission, m.Page, m.PageRevision, m.PageTag]


def clear_records() -> None:
    """Every space, page and what hangs on them (comments, campaigns, files…): the whole app's tables."""
    from django.apps import apps

    models = list(apps.get_app_config("knowledgebase").get_models())
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        return
    from ... import models as m

    m.Space.objects.update(home_page=None)
    for model in reversed(_record_models()):
        model.objects.all().delete()


@contextlib.contextmanager
def _bulk_load(models, log):
    """PostgreSQL: drop the tables' secondary indexes (the search document's GIN among them) while loading, and
    build each again once at the end."""
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
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        # The foreign keys' checks of the rows just written first (an index is not built over pending ones).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
    if log:
        log(f"  rebuilt {len(indexes)} indexes")


def seed_kb(
    *, spaces: int, pages: int, big: int, rng: random.Random, now: datetime.datetime | None = None, log=None
) -> dict[str, int]:
    """Replace the seeded company's knowledge base with a new one. Returns rows written per model."""
    from ... import models as m
    from ...services.defaults import defaults_ensure

    now = now or timezone.now()
    writer = Writer()
    clock = time.perf_counter()

    def lap(what: str) -> None:
        nonlocal clock
        if log:
            log(f"  {what}: {time.perf_counter() - clock:.1f}s")
        clock = time.perf_counter()

    with transaction.atomic():
        clear_records()
        builtin = {space.key: space.pk for space in defaults_ensure()}
        lap("cleared, built-in spaces made")
        gen = Generator(company=Company(), rng=rng, now=now, first_space=max(builtin.values(), default=0) + 1)
        space_rows, grants, perms = gen.space_rows(max(0, spaces - len(builtin)), builtin)
        writer.write(m.Space, space_rows)
        writer.write(m.SpaceGrant, grants)
        writer.write(m.SpaceUserObjectPermission, perms)
        lap("spaces and rights")
        with _bulk_load([m.Page, m.PageRevision, m.PageTag], log):
            for model, rows in gen.page_rows(pages, big):
                writer.write(model, rows)
            lap("generated and wrote the pages")
        reset_sequences(_record_models())
        # Each space's home: its first top-level page.
        first_root = (
            m.Page.objects.filter(space=OuterRef("pk"), parent__isnull=True)
            .order_by("position", "id")
            .values("pk")
        )
        m.Space.objects.update(home_page=Subquery(first_root[:1]))
        lap("home pages")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in _record_models():
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        lap("analyzed")
    return writer.written


# --- the company as the generator sees it -----------------------------------------------------------------------


class Company:
    """Departments with their heads and people, workgroups with their members."""

    def __init__(self) -> None:
        from portal.groups.models import Membership, Workgroup
        from portal.people.models import Department, User

        self.departments = list(Department.objects.order_by("path").values("id", "depth", "name", "head_id"))
        rows = list(
            User.objects.filter(is_active=True, is_staff=False)
            .order_by("pk")
            .values_list("pk", "department_id", "first_name", "last_name")
        )
        self.people = [pk for pk, *_rest in rows]
        self.name_of = {pk: f"{first} {last}" for pk, _d, first, last in rows}
        self.members: dict[int, list[int]] = {}
        for pk, department, *_rest in rows:
            self.members.setdefault(department, []).append(pk)
        self.workgroups = list(Workgroup.objects.order_by("pk").values("id", "name", "kind"))
        self.group_members: dict[int, list[int]] = {}
        for group, user in Membership.objects.order_by("group_id", "id").values_list("group_id", "user_id"):
            self.group_members.setdefault(group, []).append(user)


class Generator:
    """Deterministic rows with explicit ids."""

    def __init__(
        self, *, company: Company, rng: random.Random, now: datetime.datetime, first_space: int
    ) -> None:
        self.company, self.rng, self.now = company, rng, now
        self.first_space = first_space
        self.spaces: list[dict] = []  # every space (built-in ones first) with who writes in it
        self.big_space: int | None = None

    # --- spaces ---------------------------------------------------------------------------------------------

    def space_rows(self, total: int, builtin: dict[str, int]):
        from django.contrib.auth.models import Permission

        c, rng = self.company, self.rng
        view = Permission.objects.filter(
            content_type__app_label="knowledgebase", codename="view_space"
        ).first()
        for pk in builtin.values():
            self.spaces.append({"id": pk, "writers": c.people[:20], "open": True})
        company_n = max(1, round(total * 0.05)) if total else 0
        personal_n = min(len(c.people), round(total * 0.65))
        workgroup_n = min(len(c.workgroups), round(total * 0.15))
        department_n = max(0, total - company_n - personal_n - workgroup_n)
        rows, grants, perms = [], [], []
        created = self.now - datetime.timedelta(days=HISTORY_DAYS)

        def grant(space: int, role: str, *, user=None, department=None, sub=False, workgroup=None) -> None:
            grants.append(
                {"content_object_id": space, "role": role, "user_id": user, "department_id": department,
                 "include_subdepartments": sub, "workgroup_id": workgroup, "created_at": created}
            )  # fmt: skip
            if user is not None and view is not None:
                perms.append({"content_object_id": space, "user_id": user, "permission_id": view.pk})

        def space(kind: str, title: str, responsible: int, everyone: str, writers: list[int], **extra) -> int:
            pk = self.first_space + len(rows)
            rows.append(
                {"id": pk, "kind": kind, "title": title[:200], "description": f"{title}: how we work.",
                 "icon": "bi-journal-text", "key": "", "home_page_id": None, "responsible_id": responsible,
                 "everyone_access": everyone, "language": "english", "moderated": rng.random() < 0.1,
                 "created_by_id": responsible, "created_at": created, "updated_at": created, **extra}
            )  # fmt: skip
            self.spaces.append({"id": pk, "writers": writers or [responsible], "open": everyone != "none"})
            return pk

        heads = [d for d in c.departments if d["head_id"]]
        for n in range(company_n):
            responsible = rng.choice(c.people)
            roll = rng.random()
            everyone = "read" if n == 0 or roll < 0.7 else ("edit" if roll < 0.9 else "none")
            writers = rng.sample(c.people, k=min(len(c.people), 8))
            pk = space(
                "company",
                f"Company handbook {n + 1}" if n else "Company wiki",
                responsible,
                everyone,
                writers,
            )
            if n == 0:
                self.big_space = pk
            for writer in writers[:3]:
                grant(pk, "edit", user=writer)
            if everyone == "none" and heads:
                grant(pk, "read", department=rng.choice(heads)["id"], sub=True)
                grant(pk, "admin", user=writers[-1])
        for n in range(department_n):
            department = heads[n % len(heads)] if heads else None
            if department is None:
                break
            staff = c.members.get(department["id"], []) or [department["head_id"]]
            everyone = "read" if rng.random() < 0.3 else "none"
            suffix = "" if n < len(heads) else f" {n // len(heads) + 1}"
            pk = space(
                "department", f"{department['name']} knowledge{suffix}", department["head_id"], everyone, staff[:10],
                department_id=department["id"],
            )  # fmt: skip
            grant(pk, "read", department=department["id"], sub=True)
            grant(pk, "admin", user=department["head_id"])
            editor = rng.choice(staff)
            if editor != department["head_id"]:
                grant(pk, "edit", user=editor)
        for group in c.workgroups[:workgroup_n]:
            members = c.group_members.get(group["id"], []) or [rng.choice(c.people)]
            everyone = "read" if rng.random() < 0.4 else "none"
            pk = space(
                "workgroup",
                f"{group['name']} wiki",
                members[0],
                everyone,
                members[:10],
                workgroup_id=group["id"],
            )
            grant(pk, "edit", workgroup=group["id"])
        for person in rng.sample(c.people, k=personal_n):
            everyone = "read" if rng.random() < 0.2 else "none"
            pk = space(
                "personal", f"{c.name_of[person]}'s notes", person, everyone, [person], owner_id=person
            )
            if rng.random() < 0.15:
                colleague = rng.choice(c.people)
                if colleague != person:
                    grant(pk, "read", user=colleague)
        return rows, grants, perms

    # --- pages ----------------------------------------------------------------------------------------------

    def _words(self, count: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _n in range(count))

    def _body(self, topic: str, title: str, sibling: str | None) -> str:
        rng = self.rng
        parts = [f"# {title}", ""]
        for _p in range(rng.randint(2, 3)):
            words = self._words(rng.randint(18, 32)).split()
            words.insert(rng.randrange(len(words)), topic)
            parts += [" ".join(words).capitalize() + ".", ""]
        parts += [f"- {self._words(rng.randint(3, 6))}" for _i in range(rng.randint(2, 4))]
        if sibling is not None:
            parts += ["", f"See also [[{sibling}]]."]
        return "\n".join(parts)

    def page_rows(self, total: int, big: int):
        from ... import models as m

        if not total or not self.spaces:
            return
        rng = self.rng
        # How many pages each space gets: the big one its own count; every other at least one while they last,
        # the rest by uneven weights (a few spaces with hundreds, most with a few dozen).
        others = [s for s in self.spaces if s["id"] != self.big_space]
        counts = {s["id"]: 0 for s in self.spaces}
        if self.big_space is not None:
            counts[self.big_space] = min(big, total)
        rest = total - sum(counts.values())
        for space in others[:rest]:
            counts[space["id"]] = 1
        left = rest - min(rest, len(others))
        weights = [rng.paretovariate(1.3) for _s in others]
        scale = sum(weights) or 1
        given = 0
        for space, weight in zip(others, weights, strict=True):
            share = int(left * weight / scale)
            counts[space["id"]] += share
            given += share
        # No other space as big as the big one: what a space gets past half of it goes round robin to the others.
        cap = max(1, big // 2, -(-rest // max(1, len(others))))
        pool = left - given
        for space in others:
            if counts[space["id"]] > cap:
                pool += counts[space["id"]] - cap
                counts[space["id"]] = cap
        n = 0
        while pool > 0 and others:
            space = others[n % len(others)]
            n += 1
            if counts[space["id"]] < cap or n > 2 * len(others):
                counts[space["id"]] += 1
                pool -= 1
        if pool > 0 and self.big_space is not None:
            counts[self.big_space] += pool
        order = [s for s in self.spaces if counts[s["id"]]]
        order.sort(key=lambda s: s["id"] != self.big_space)  # the big space's pages first: ids 1…big
        pk = revision_pk = 0
        pages, revisions, tags = [], [], []
        span = HISTORY_DAYS * 86400
        for space in order:
            in_space: list[tuple[int, str, int]] = []  # (id, title, depth)
            positions: dict[int | None, int] = {}
            writers = space["writers"]
            for i in range(counts[space["id"]]):
                pk += 1
                topic = TOPICS[pk % len(TOPICS)]
                title = f"{rng.choice(TITLES).format(topic=topic, Topic=topic.capitalize())} {pk}"
                roll = rng.random()
                if i == 0 or roll < 0.15:
                    parent, depth = None, 0
                elif roll < 0.55:  # a chain: under one of the last pages
                    parent, _t, depth = in_space[-rng.randint(1, min(5, len(in_space)))]
                    depth += 1
                else:
                    parent, _t, depth = in_space[rng.randrange(len(in_space))]
                    depth += 1
                if depth > 12:  # keep chains readable
                    parent, depth = None, 0
                position = positions.get(parent, 0)
                positions[parent] = position + 1
                sibling = in_space[-1][1] if in_space and rng.random() < 0.3 else None
                in_space.append((pk, title, depth))
                author = rng.choice(writers)
                created = self.now - datetime.timedelta(seconds=rng.uniform(86400, span))
                updated = min(self.now, created + datetime.timedelta(days=rng.uniform(0, 400)))
                body = self._body(topic, title, sibling)
                draft = space["id"] != self.big_space and rng.random() < 0.03
                number = rng.randint(1, MAX_REVISIONS)
                pages.append(
                    {"id": pk, "space_id": space["id"], "parent_id": parent, "position": position, "title": title,
                     "body": body, "status": "draft" if draft else "published", "language": "english",
                     "responsible_id": author if rng.random() < 0.05 else None,
                     "review_by": (updated + datetime.timedelta(days=rng.randint(90, 500))).date()
                     if rng.random() < 0.2 else None,
                     "revision": number, "created_by_id": author, "updated_by_id": rng.choice(writers),
                     "published_at": None if draft else created, "created_at": created, "updated_at": updated}
                )  # fmt: skip
                step = (updated - created) / number
                for r in range(1, number + 1):
                    revision_pk += 1
                    text = body if r == number else body[: max(40, len(body) * r // number)]
                    revisions.append(
                        {"id": revision_pk, "page_id": pk, "number": r, "title": title, "body": text,
                         "author_id": author if r == 1 else rng.choice(writers),
                         "comment": "" if r == 1 else rng.choice(COMMENTS), "minor": r > 1 and rng.random() < 0.3,
                         "restored_from": None, "created_at": created + step * (r - 1)}
                    )  # fmt: skip
                if rng.random() < 0.3:
                    for name in rng.sample(TAGS, k=rng.randint(1, 2)):
                        tags.append({"page_id": pk, "name": name})
                if len(pages) >= CHUNK:
                    yield m.Page, pages
                    yield m.PageRevision, revisions
                    yield m.PageTag, tags
                    pages, revisions, tags = [], [], []
        yield m.Page, pages
        yield m.PageRevision, revisions
        yield m.PageTag, tags


# --- what the benchmark needs ---------------------------------------------------------------------------------


def bench_facts() -> dict:
    """The space with the most pages (the tree scenario's), published pages of other spaces every employee reads
    (the page scenario's), and the topic words (the search scenarios')."""
    from django.db.models import Count

    from ...models import Page

    big = Page.objects.values("space_id").annotate(n=Count("id")).order_by("-n", "space_id").first() or {
        "space_id": None,
        "n": 0,
    }
    pages = list(
        Page.objects.filter(status="published", space__everyone_access__in=["read", "edit"])
        .exclude(space_id=big["space_id"])
        .order_by("pk")
        .values_list("pk", flat=True)[:BENCH_PAGES]
    )
    return {"space": big["space_id"], "pages_in_space": big["n"], "pages": pages, "words": TOPICS[:8]}


__all__ = ["Command", "bench_facts", "bench_line", "seed_kb"]
