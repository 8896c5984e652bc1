"""Query budgets: the feed page, its "more" page and the feed API cost the same number of queries with
10 or thousands of entries; on PostgreSQL the feed query walks the (created_at, id) index."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client

from portal.stream import selectors, services
from portal.stream.models import Entry
from portal.stream.services import PollSpec
from tests.stream.factories import bulk_posts, image_upload, post
from tests.utils import assert_query_budget, client_as, count_queries

PAGE_BUDGET = 18
MORE_BUDGET = 9
API_BUDGET = 13


@pytest.fixture
def lively_feed(org, groups, django_capture_on_commit_callbacks):
    """Ten entries with everything a card can show: polls, photos, comments, likes, audiences."""
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(10):
            kwargs = {}
            if i % 3 == 0:
                kwargs["poll"] = PollSpec(question=f"Q{i}", options=["A", "B"])
            elif i % 3 == 1:
                kwargs["photos"] = [image_upload()]
            entry = post(
                org.sales_head,
                f"Rich post {i}",
                departments=[org.sales],
                groups=[groups.team] if i % 2 else [],
                is_important=i == 5,
                **kwargs,
            )
            services.comment_create(actor=org.east_rep, entry=entry, body="A comment")
            services.like_add(actor=org.east_rep, entry=entry)
            if kwargs.get("poll"):
                services.poll_vote(
                    actor=org.east_rep, poll=entry.poll, option_ids=[entry.poll.options.first().pk]
                )
    return org


def _grow():
    from portal.people.models import User

    bulk_posts(User.objects.get(email="ceo@acme.test"), 2000, older=datetime.timedelta(days=3))


def _page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_feed_page_budget_does_not_grow(lively_feed):
    client = _page_client(lively_feed.east_rep)
    fetch = lambda: client.get("/stream/")  # noqa: E731
    assert fetch().status_code == 200  # warm caches (content types, sessions)
    assert_query_budget(fetch, _grow, budget=PAGE_BUDGET)


def test_feed_api_budget_does_not_grow(lively_feed):
    client = client_as(lively_feed.east_rep)
    fetch = lambda: client.get("/api/v1/stream/entries/")  # noqa: E731
    assert fetch().status_code == 200
    assert_query_budget(fetch, _grow, budget=API_BUDGET)


def test_deep_pages_cost_what_the_first_page_costs(lively_feed):
    _grow()
    user = lively_feed.east_rep
    client, api = _page_client(user), client_as(user)
    entries = list(Entry.objects.order_by("-created_at", "-id"))
    # Both positions lie among the plain bulk posts, so the pages hold the same kind of cards.
    shallow, deep = selectors.cursor_for(entries[12]), selectors.cursor_for(entries[1900])
    more = lambda cursor: lambda: client.get("/stream/", {"before": cursor}, HTTP_HX_REQUEST="true")  # noqa: E731
    more(shallow)()
    assert count_queries(more(shallow)) == count_queries(more(deep)) <= MORE_BUDGET
    second = api.get("/api/v1/stream/entries/").json()["next"]
    page, url = 2, second
    while page < 60 and url:
        url, page = api.get(url).json()["next"], page + 1
    assert page == 60 and url
    assert count_queries(lambda: api.get(second)) == count_queries(lambda: api.get(url)) <= API_BUDGET


@pytest.mark.postgres
def test_feed_query_walks_the_created_at_id_index(lively_feed):
    from portal.people.models import User

    ceo = User.objects.get(email="ceo@acme.test")
    for _ in range(5):
        bulk_posts(ceo, 4000, older=datetime.timedelta(days=30))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE stream_entry; ANALYZE stream_entryaudience;")
    user = lively_feed.east_rep
    entries = list(Entry.objects.order_by("-created_at", "-id").values_list("created_at", "id")[15000:15001])
    deep = f"{entries[0][0].isoformat()}_{entries[0][1]}"
    for before in (None, deep):
        qs = selectors.entry_list(user=user, filters={})
        position = selectors.cursor_parse(before)
        if position:
            moment, pk = position
            from django.db.models import Q

            qs = qs.filter(created_at__lte=moment).filter(Q(created_at__lt=moment) | Q(id__lt=pk))
        plan = qs.values_list("id", flat=True)[: selectors.PAGE_SIZE + 1].explain()
        assert "stream_entry_feed_idx" in plan, plan
        assert "Sort" not in plan.split("Limit", 1)[-1].split("SubPlan", 1)[0], plan
        if before:
            assert "Index Cond" in plan and "created_at" in plan, plan
