"""The tasks search provider: only tasks the user may see, over title, description and comments."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from portal.core.search import search_all
from tasks import services
from tasks.choices import MemberRole, TaskStatus
from tasks.models import Task
from tasks.search import search_tasks, task_search_queryset
from tests.people.factories import UserFactory
from tests.tasks.factories import TaskFactory, TaskMemberFactory
from tests.utils import assert_query_budget, client_as

pytestmark = pytest.mark.django_db


def indexed(*comments: str, **fields) -> Task:
    """A task whose `search_text` holds what the services keep there: title, description, comments."""
    task = TaskFactory(**fields)
    task.search_text = "\n".join([task.title, task.description, *comments])
    task.save(update_fields=["search_text"])
    return task


def titles(user, query: str, limit: int = 20) -> list[str]:
    return [hit.title for hit in search_tasks(user=user, query=query, limit=limit)]


def test_only_tasks_the_user_may_see(org):
    mine = indexed(title="Prepare the budget for East", creator=org.sales_head, responsible=org.east_rep)
    it = indexed(title="Hardware budget", creator=org.it_head, responsible=org.developer)
    helped = indexed(title="Budget review", creator=org.ceo, responsible=org.ceo)
    TaskMemberFactory(task=helped, user=org.field_rep, role=MemberRole.OBSERVER)

    assert titles(org.east_rep, "budget") == [mine.title]
    assert set(titles(org.sales_head, "budget")) == {mine.title}  # creator, and head of east_rep's branch
    assert titles(org.east_head, "budget") == [mine.title]  # supervisor of the responsible person
    assert titles(org.developer, "budget") == [it.title]
    assert titles(org.field_rep, "budget") == [helped.title]  # an observer
    assert set(titles(org.admin, "budget")) == {mine.title, it.title, helped.title}
    assert titles(UserFactory(department=org.it), "budget") == []


def test_inactive_people_find_nothing(org):
    indexed(title="Budget", creator=org.east_rep, responsible=org.east_rep)
    org.east_rep.is_active = False
    assert titles(org.east_rep, "budget") == []


def test_permission_filter_comes_before_the_limit(org):
    visible = [indexed(title=f"Invoice run {i}", responsible=org.east_rep) for i in range(2)]
    for i in range(6):  # newer and just as good a match, but hidden from east_rep
        indexed(title=f"Invoice run hidden {i}", creator=org.developer, responsible=org.developer)

    found = titles(org.east_rep, "invoice", limit=2)

    assert sorted(found) == sorted(t.title for t in visible)


def test_matches_description_and_comments(org):
    by_description = indexed(
        title="Quarterly close", description="Reconcile the petty cash ledger.", responsible=org.east_rep
    )
    by_comment = indexed(
        "The courier brings the signed contract tomorrow.", title="Supplier deal", responsible=org.east_rep
    )
    assert titles(org.east_rep, "ledger") == [by_description.title]
    assert titles(org.east_rep, "courier") == [by_comment.title]
    assert titles(org.east_rep, "nonexistentword") == []


def test_every_word_must_match(org):
    both = indexed(title="Order printer paper", responsible=org.east_rep)
    indexed(title="Order new chairs", responsible=org.east_rep)
    assert titles(org.east_rep, "order paper") == [both.title]


def test_title_matches_rank_before_description_matches(org):
    in_title = indexed(
        title="Renew the office lease", description="Talk to the landlord.", responsible=org.ceo
    )
    in_description = indexed(
        title="Facilities round-up",
        description="Check whether the lease needs a lawyer.",
        responsible=org.ceo,
    )
    # The description-only match is newer, so only ranking puts the title match first.
    Task.objects.filter(pk=in_title.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))

    assert titles(org.ceo, "lease") == [in_title.title, in_description.title]


def test_hit_shows_status_responsible_and_passage(org):
    long_text = "Filler sentence about nothing in particular. " * 12
    task = indexed(
        title="Install the projector",
        description=long_text + "The ceiling mount arrives on Monday. " + long_text,
        responsible=org.east_rep,
        status=TaskStatus.IN_PROGRESS,
        deadline=timezone.now() + datetime.timedelta(days=2),
    )

    [hit] = search_tasks(user=org.east_rep, query="mount", limit=5)

    assert hit.kind == "tasks"
    assert hit.title == "Install the projector"
    assert hit.url == reverse("tasks:detail", args=[task.pk])
    assert hit.icon == "bi-check2-square"
    status, person, passage = hit.snippet.split(" · ", 2)
    assert status == "In progress"
    assert person == org.east_rep.full_name
    assert "mount" in passage and len(passage) < 400
    assert hit.extra["id"] == task.pk and hit.extra["status"] == "in_progress"
    assert hit.extra["deadline"] == task.deadline.isoformat()


def test_mentions_show_as_names_in_the_snippet(org):
    indexed(
        f"Ask @[{org.ceo.full_name}](user:{org.ceo.pk}) to sign the warranty.",
        title="Printer warranty",
        responsible=org.east_rep,
    )
    [hit] = search_tasks(user=org.east_rep, query="warranty", limit=5)
    assert f"@{org.ceo.full_name}" in hit.snippet and "(user:" not in hit.snippet


def test_empty_query_and_zero_limit_find_nothing(org):
    indexed(title="Anything", responsible=org.east_rep)
    assert search_tasks(user=org.east_rep, query="   ", limit=5) == []
    assert search_tasks(user=org.east_rep, query="anything", limit=0) == []


def test_query_count_does_not_grow_with_hits(org):
    for i in range(3):
        indexed(title=f"Audit folder {i}", responsible=org.east_rep)

    def grow():
        for i in range(20):
            indexed(title=f"Audit binder {i}", responsible=UserFactory(department=org.east))

    def search():
        org.sales_head.__dict__.pop("_lumen_headed_path", None)  # as on a fresh request
        assert search_tasks(user=org.sales_head, query="audit", limit=50)

    assert_query_budget(search, grow, budget=2)


def test_search_page_lists_tasks(org):
    task = indexed(title="Book the conference room", responsible=org.east_rep)
    hidden = indexed(title="Book the flights", creator=org.developer, responsible=org.developer)

    html = client_as(org.east_rep).get("/search/", {"q": "book"}).content.decode()

    assert 'data-kind="tasks"' in html
    assert reverse("tasks:detail", args=[task.pk]) in html
    assert reverse("tasks:detail", args=[hidden.pk]) not in html


def test_search_api_includes_tasks(org):
    task = indexed(title="Renew the SSL certificate", responsible=org.east_rep)
    indexed(title="Renew the domain", creator=org.developer, responsible=org.developer)

    response = client_as(org.east_rep).get("/api/v1/search/", {"q": "renew"})

    assert response.status_code == 200
    [group] = [g for g in response.json()["results"] if g["kind"] == "tasks"]
    assert [h["title"] for h in group["hits"]] == [task.title]
    assert group["hits"][0]["url"] == reverse("tasks:detail", args=[task.pk])
    only = client_as(org.east_rep).get("/api/v1/search/", {"q": "renew", "kind": "tasks"}).json()
    assert [g["kind"] for g in only["results"]] == ["tasks"]


def test_search_all_registers_tasks(org):
    indexed(title="Collect receipts", responsible=org.east_rep)
    kinds = [provider.key for provider, _hits in search_all(user=org.east_rep, query="receipts")]
    assert kinds == ["tasks"]


def test_tasks_and_comments_written_by_services_are_found(org):
    """The services keep `search_text`: a new task and a new comment are searchable at once."""
    task = services.task_create(
        actor=org.sales_head,
        title="Prepare the trade fair stand",
        responsible=org.east_rep,
        description="Banners and brochures.",
    )
    assert titles(org.east_rep, "brochures") == [task.title]
    services.comment_add(actor=org.east_rep, task=task, body="The carpenter quoted for the counter.")
    assert titles(org.east_rep, "carpenter") == [task.title]
    assert titles(org.developer, "carpenter") == []


# --- PostgreSQL full-text -----------------------------------------------------------------------------


@pytest.mark.postgres
def test_full_text_matches_word_forms_and_quotes_the_passage(org):
    indexed(
        title="Accounting",
        description="Filler words here. " * 30 + "We are migrating the accounting systems next month. "
        "Filler words here. " * 30,
        responsible=org.east_rep,
    )
    [hit] = search_tasks(user=org.east_rep, query="migration systems", limit=5)
    assert "migrating" in hit.snippet
    assert len(hit.snippet) < 400


@pytest.mark.postgres
def test_websearch_syntax(org):
    indexed(title="Paint the meeting room", responsible=org.east_rep)
    indexed(title="Paint the kitchen", responsible=org.east_rep)
    assert titles(org.east_rep, "paint -kitchen") == ["Paint the meeting room"]
    assert titles(org.east_rep, '"meeting room"') == ["Paint the meeting room"]
    assert sorted(titles(org.east_rep, "kitchen or meeting")) == [
        "Paint the kitchen",
        "Paint the meeting room",
    ]


@pytest.mark.postgres
def test_more_relevant_tasks_rank_first(org):
    once = indexed(title="Misc", description="Mention the forklift once.", responsible=org.ceo)
    often = indexed(
        title="Forklift service", description="Forklift inspection; forklift battery.", responsible=org.ceo
    )
    Task.objects.filter(pk=often.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    assert titles(org.ceo, "forklift") == [often.title, once.title]


@pytest.mark.postgres
@pytest.mark.parametrize("limit", [None, 20])
def test_the_match_uses_the_gin_index(org, limit):
    """The match reads the stored, GIN-indexed search vector (no tsvector computed per row)."""
    for i in range(30):
        indexed(title=f"Routine chore {i}", responsible=org.east_rep)
    indexed(title="Calibrate the spectrometer", responsible=org.east_rep)
    qs = task_search_queryset(user=org.east_rep, query="spectrometer", limit=limit)[:20]
    sql, params = qs.query.sql_with_params()
    # The search's condition is on the stored column: no document is computed per row.
    assert re.search(r'"search_vector" @@ \(?websearch_to_tsquery', sql) and "to_tsvector" not in sql, sql
    # And that condition is served by the GIN index. (Which index the whole query starts from depends on the
    # planner's statistics of these tiny test tables, so the condition is explained alone.)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM tasks_task WHERE search_vector @@ websearch_to_tsquery('english', %s)",
            ["spectrometer"],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "tasks_task_search_vector" in plan, plan
    assert titles(org.east_rep, "spectrometer") == ["Calibrate the spectrometer"]


@pytest.mark.postgres
def test_every_visible_match_is_ranked(org):
    """Ranking covers every visible match, not only the newest ones: the best match is found however old it
    is and however many newer matches there are; hidden matches never show."""
    old_best = indexed(title="Forklift forklift forklift", responsible=org.east_rep)
    Task.objects.filter(pk=old_best.pk).update(created_at=timezone.now() - datetime.timedelta(days=900))
    newer = [indexed(description=f"A forklift note {i}.", responsible=org.east_rep) for i in range(12)]
    for i in range(3):  # the best-ranked matches of all, but hidden from east_rep
        indexed(title=f"Forklift forklift forklift {i}", creator=org.developer, responsible=org.developer)

    found = titles(org.east_rep, "forklift", limit=5)

    assert found[0] == old_best.title
    assert len(found) == 5 and set(found[1:]) <= {t.title for t in newer}
    assert [t.title for t in task_search_queryset(user=org.east_rep, query="forklift")][0] == old_best.title
    assert len(task_search_queryset(user=org.east_rep, query="forklift")) == 13


@pytest.mark.postgres
def test_rows_written_without_the_services_are_searchable(org):
    """The database keeps the vector (a generated column): rows laid by bulk inserts (the scale seeder
    copies rows in) and changes made by plain updates are found without any Python hook."""
    Task.objects.bulk_create(
        [
            Task(
                title="Inventory of the harbour crane",
                search_text="Inventory of the harbour crane\nCount the spare cables.",
                creator=org.east_rep,
                responsible=org.east_rep,
            )
        ]
    )
    assert titles(org.east_rep, "cables") == ["Inventory of the harbour crane"]
    Task.objects.filter(title__startswith="Inventory").update(
        title="Harbour audit", search_text="Harbour audit\nCount the spare hoses."
    )
    assert titles(org.east_rep, "cables") == []
    assert titles(org.east_rep, "hoses") == ["Harbour audit"]
