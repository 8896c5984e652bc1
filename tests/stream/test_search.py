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
