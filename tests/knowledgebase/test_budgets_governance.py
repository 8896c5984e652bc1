"""Query budgets of governance's lists, pages and API alike: the same number of queries at 10 rows and at
1,000 (comments of the moderation queue and of a page's thread, campaigns, a campaign's progress, reading
lists, pages to review)."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from knowledgebase.models import Campaign, CommentStatus, Page, PageComment, ReadingAssignment
from tests.knowledgebase.factories_governance import governance_world
from tests.utils import client_as

pytestmark = pytest.mark.django_db

_numbers = itertools.count()


def _people(org, n: int) -> list:
    """`n` people of Sales East (bulk: no password hashing), the supervisor's people."""
    start = next(_numbers) * 10_000
    User = get_user_model()
    User.objects.bulk_create(
        [
            User(
                email=f"p{start + i}@acme.test", first_name=f"P{start + i}", department=org.east, password="!"
            )
            for i in range(n)
        ]
    )
    return list(User.objects.filter(email__startswith="p").order_by("-pk")[:n])


def _pages(world, n: int) -> list[Page]:
    start = next(_numbers) * 10_000
    return Page.objects.bulk_create(
        [
            Page(space=world.space, title=f"Page {start + i}", body="x", revision=1, position=i)
            for i in range(n)
        ]
    )


def _queries(client, url) -> tuple[int, int]:
    """The number of queries of one request, and the size of its answer."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), len(response.content)


def _same(requests: list[tuple], grow, budget: int) -> None:
    """Each (client, url) asks as many queries at 10 rows as after `grow()` (to 1,000), and shows more rows."""
    for client, url in requests:
        client.get(url)  # warm the per-process caches (the company, permissions)
    before = [_queries(client, url) for client, url in requests]
    grow()
    for (client, url), (small, small_size) in zip(requests, before, strict=True):
        large, large_size = _queries(client, url)
        assert large_size > small_size, (
            f"{url}: the rows added do not show ({small_size} -> {large_size} bytes)"
        )
        assert large <= budget, f"{url}: {large} queries > {budget}"
        assert large == small, f"{url}: queries grew with rows: {small} -> {large}"


def _comments(world, org, n: int, *, status=CommentStatus.PENDING, page=None) -> None:
    authors = _people(org, 10)
    pages = [page] if page else _pages(world, 10)
    PageComment.objects.bulk_create(
        [
            PageComment(
                page=pages[i % len(pages)], author=authors[i % len(authors)], body=f"c{i}", status=status
            )
            for i in range(n)
        ]
    )


def test_the_moderation_queue_and_the_comments_api(org):
    world = governance_world(org, moderated=True)
    _comments(world, org, 10)
    client = client_as(org.sales_head)
    urls = (reverse("kb:moderation_queue"), "/api/v1/kb/comments/moderation/", "/api/v1/kb/comments/")
    _same([(client, url) for url in urls], lambda: _comments(world, org, 990), budget=16)


def test_the_thread_of_a_page(org):
    world = governance_world(org)
    _comments(world, org, 10, status=CommentStatus.APPROVED, page=world.rules)
    client = client_as(org.east_rep)
    url = reverse("kb:page_discussion", args=[world.rules.pk])
    _same(
        [(client, url)],
        lambda: _comments(world, org, 990, status=CommentStatus.APPROVED, page=world.rules),
        14,
    )


def _campaigns(world, org, n: int) -> None:
    deadline = timezone.localdate() + datetime.timedelta(days=5)
    made = Campaign.objects.bulk_create(
        [
            Campaign(space=world.space, title=f"C{i}", deadline=deadline, created_by=org.sales_head)
            for i in range(n)
        ]
    )
    ReadingAssignment.objects.bulk_create(
        [ReadingAssignment(campaign=c, page=world.rules, user=org.east_rep, due_on=deadline) for c in made]
    )


def test_the_campaign_list_page_and_api(org):
    world = governance_world(org)
    _campaigns(world, org, 10)
    requests = [
        (client_as(viewer), url)
        for viewer in (org.sales_head, org.east_rep)
        for url in (reverse("kb:campaign_list"), "/api/v1/kb/campaigns/")
    ]
    _same(requests, lambda: _campaigns(world, org, 990), budget=16)


def _asked(campaign, world, people, *, late=False) -> None:
    today = timezone.localdate()
    ReadingAssignment.objects.bulk_create(
        [
            ReadingAssignment(
                campaign=campaign,
                page=world.rules,
                user=person,
                due_on=today - datetime.timedelta(days=1) if late and i % 3 == 0 else today,
                confirmed_at=timezone.now() if i % 2 else None,
            )
            for i, person in enumerate(people)
        ]
    )


def test_a_campaign_progress_page_and_api(org):
    world = governance_world(org)
    campaign = Campaign.objects.create(
        space=world.space, title="Rules", deadline=timezone.localdate(), created_by=org.sales_head
    )
    campaign.pages.add(world.rules)
    _asked(campaign, world, _people(org, 10))
    requests = [
        (client_as(viewer), url)
        for viewer in (org.sales_head, org.east_head)  # the editor, and a supervisor of the people
        for url in (
            reverse("kb:campaign_detail", args=[campaign.pk]),
            f"/api/v1/kb/campaigns/{campaign.pk}/progress/",
        )
    ]
    _same(requests, lambda: _asked(campaign, world, _people(org, 990), late=True), budget=18)


def test_the_reading_lists(org):
    world = governance_world(org)
    campaign = Campaign.objects.create(
        space=world.space, title="Rules", deadline=timezone.localdate(), created_by=org.sales_head
    )

    def grow(n):
        pages = _pages(world, n)
        ReadingAssignment.objects.bulk_create(
            [
                ReadingAssignment(campaign=campaign, page=p, user=org.east_rep, due_on=campaign.deadline)
                for p in pages
            ]
        )

    grow(10)
    requests = [
        (client_as(org.east_rep), reverse("kb:reading_list")),
        (client_as(org.east_head), reverse("kb:reading_person", args=[org.east_rep.pk])),
        (client_as(org.east_rep), "/api/v1/kb/reading/"),
        (client_as(org.east_rep), "/api/v1/kb/reading/mine/"),
    ]
    _same(requests, lambda: grow(990), budget=16)


def test_the_pages_to_review(org):
    world = governance_world(org)

    def grow(n):
        pages = _pages(world, n)
        Page.objects.filter(pk__in=[p.pk for p in pages]).update(
            review_by=timezone.localdate() - datetime.timedelta(days=1)
        )

    grow(10)
    _same([(client_as(org.sales_head), reverse("kb:review_list"))], lambda: grow(990), budget=14)


def test_a_long_thread_shows_its_latest_comments_and_the_earlier_ones_on_demand(org):
    from knowledgebase.selectors.discussion import THREAD_PAGE

    world = governance_world(org)
    _comments(world, org, THREAD_PAGE + 7, status=CommentStatus.APPROVED, page=world.rules)
    first = PageComment.objects.filter(body="c0").get()
    PageComment.objects.create(
        page=world.rules,
        author=org.sales_rep,
        body="reply to the first",
        parent=first,
        status=CommentStatus.APPROVED,
    )
    client = client_as(org.east_rep)
    url = reverse("kb:page_discussion", args=[world.rules.pk])
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    newest = f"c{THREAD_PAGE + 6}<"
    assert newest in html and "c7<" in html and "c6<" not in html and "reply to the first" not in html
    earlier = PageComment.objects.get(body="c7").pk
    assert f"?before={earlier}" in html
    more = client.get(f"{url}?before={earlier}", HTTP_HX_REQUEST="true").content.decode()
    assert "c0<" in more and "c6<" in more and "c7<" not in more and "reply to the first" in more
    assert "?before=" not in more  # nothing before the first
    # Followed without htmx, the link opens the discussion's own page from there back.
    page = client.get(f"{url}?before={earlier}").content.decode()
    assert "<html" in page and "c0<" in page and "c7<" not in page and 'id="kb-comment-form"' in page
