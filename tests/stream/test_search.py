"""The posts search provider: only what the user may see, full-text on PostgreSQL."""

from __future__ import annotations

import pytest

from portal.core.search import search_all
from tests.stream.factories import post


def _posts(user, query):
    return next(
        (hits for provider, hits in search_all(user=user, query=query) if provider.key == "posts"), []
    )


def test_search_finds_visible_posts_only(org):
    post(org.ceo, "The quarterly budget review is on Friday", departments=[org.sales])
    post(org.ceo, "Budget for the IT hardware", departments=[org.it])
    titles = [h.title for h in _posts(org.east_rep, "budget")]
    assert titles == ["The quarterly budget review is on Friday"]
    assert [h.title for h in _posts(org.admin, "budget")] and len(_posts(org.admin, "budget")) == 2
    assert _posts(org.developer, "quarterly") == []


def test_search_page_lists_posts(org):
    from tests.utils import client_as

    entry = post(org.ceo, "Summer party at the lake")
    html = client_as(org.east_rep).get("/search/", {"q": "summer party"}).content.decode()
    assert 'data-kind="posts"' in html and entry.get_absolute_url() in html


@pytest.mark.postgres
def test_full_text_matches_word_forms_and_gives_a_snippet(org):
    post(
        org.ceo,
        "We are migrating the accounting systems next month. " + "Filler words here. " * 20 + "The end.",
    )
    [hit] = _posts(org.east_rep, "migration systems")
    assert "migrating" in hit.snippet


@pytest.mark.postgres
def test_posts_are_matched_and_ranked_from_the_stored_vector(org):
    """The match and the rank read the stored, GIN-indexed `stream_entry.search_vector` (no tsvector computed
    per row); rows laid by bulk inserts are found (the database fills the generated column)."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.stream.factories import bulk_posts

    bulk_posts(org.ceo, 3, body="Forklift inspection")
    with CaptureQueriesContext(connection) as ctx:
        hits = _posts(org.east_rep, "forklift")
    assert len(hits) == 3
    sql = next(q["sql"] for q in ctx.captured_queries if "ts_rank" in q["sql"])
    assert re.search(r'"search_vector" @@ \(?websearch_to_tsquery', sql) and "to_tsvector" not in sql, sql
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM stream_entry WHERE search_vector @@ websearch_to_tsquery('english', %s)",
            ["forklift"],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "stream_entry_search_vector" in plan, plan


@pytest.mark.postgres
def test_every_visible_post_is_ranked_before_the_limit(org):
    """The best match is found however old it is and however many newer matches there are; hidden posts never
    show."""
    import datetime

    from django.utils import timezone

    from portal.stream.models import Entry

    best = post(org.ceo, "Forklift forklift forklift: the new forklift fleet")
    Entry.objects.filter(pk=best.pk).update(created_at=timezone.now() - datetime.timedelta(days=900))
    for i in range(12):
        post(org.ceo, f"A note {i} that mentions the forklift once, among many other words here")
    post(org.ceo, "Forklift forklift forklift forklift hidden", departments=[org.it])
    hits = next(
        hits
        for provider, hits in search_all(user=org.east_rep, query="forklift", limit=5)
        if provider.key == "posts"
    )
    assert len(hits) == 5
    assert hits[0].title == best.body
    assert all("hidden" not in hit.title for hit in hits)
