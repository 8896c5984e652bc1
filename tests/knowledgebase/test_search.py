"""Search: PostgreSQL full text over the stored vector (ranked, title first, word forms in Russian and English,
snippets), the title trigram fallback for typos, rights applied before the limit (a hidden page never appears,
nor counts), the global search and the page picker."""

from __future__ import annotations

import pytest

from knowledgebase.choices import PageLanguage
from knowledgebase.lookups import pages_resolve, pages_search
from knowledgebase.search import page_search, snippet_html
from portal.core.pickers import lookup_search
from portal.core.search import search_all
from tests.knowledgebase.factories import PageFactory, SpaceFactory, kb_world

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only(request, is_postgres):
    if not is_postgres and "embedded" not in request.node.name:
        pytest.skip("full-text search runs on PostgreSQL")


def test_title_matches_rank_above_text_matches_and_snippets_mark_the_words(org):
    space = SpaceFactory()
    in_text = PageFactory(space=space, title="Office", body="Every invoice is checked twice before payment.")
    in_title = PageFactory(space=space, title="Invoices", body="How we pay.")
    found = page_search(user=org.developer, query="invoice", limit=10)
    assert [p.pk for p in found] == [in_title.pk, in_text.pk]
    assert "<mark>invoice</mark>" in snippet_html(found[1])


def test_word_forms_are_found_in_russian_and_english(org):
    space = SpaceFactory(language=PageLanguage.RUSSIAN)
    ru = PageFactory(
        space=space,
        language=PageLanguage.RUSSIAN,
        title="Отпуска",
        body="Заявления на отпуск подают заранее.",
    )
    en = PageFactory(
        space=space, language=PageLanguage.ENGLISH, title="Holidays", body="Requests are filed early."
    )
    assert [p.pk for p in page_search(user=org.developer, query="заявление", limit=5)] == [ru.pk]
    assert [p.pk for p in page_search(user=org.developer, query="отпуском", limit=5)] == [ru.pk]
    assert [p.pk for p in page_search(user=org.developer, query="request", limit=5)] == [en.pk]


def test_a_typo_in_a_title_is_forgiven_by_the_trigram_fallback(org):
    page = PageFactory(space=SpaceFactory(), title="Vacation policy", body="Ask early.")
    assert [p.pk for p in page_search(user=org.developer, query="vacaton", limit=5)] == [page.pk]


@pytest.mark.parametrize("random_page_cost", ["1.1", "4"], ids=["memory", "disk"])
def test_a_hidden_page_never_appears_and_does_not_take_a_place_in_the_limit(
    org, monkeypatch, random_page_cost
):
    # Whichever plan the costs choose (the spaces' index first, or the text index first), the same rights.
    monkeypatch.setattr("knowledgebase.search.RANDOM_PAGE_COST", random_page_cost)
    world = kb_world(org)
    for n in range(3):
        PageFactory(space=world.restricted, title=f"Discount tier {n}", body="discount")
    visible = PageFactory(space=world.company, title="Discount for staff", body="discount")
    found = page_search(user=org.developer, query="discount", limit=1)
    assert [p.pk for p in found] == [visible.pk]
    assert world.secret.pk not in [p.pk for p in page_search(user=org.developer, query="discount", limit=50)]
    # The reader of Sales finds them; a draft is its author's alone.
    assert world.secret.pk in [p.pk for p in page_search(user=org.east_rep, query="discount", limit=50)]
    draft = PageFactory(space=world.company, title="Discount draft", body="discount", status="draft")
    assert draft.pk not in [p.pk for p in page_search(user=org.developer, query="discount", limit=50)]


def test_the_global_search_and_the_picker_know_kb_pages(org):
    world = kb_world(org)
    groups = dict((provider.key, hits) for provider, hits in search_all(user=org.east_rep, query="discount"))
    assert [hit.title for hit in groups["kb_pages"]] == ["Discount rules"]
    assert "kb_pages" not in dict((p.key, h) for p, h in search_all(user=org.developer, query="discount"))
    assert [i.label for i in pages_search(user=org.east_rep, query="discount", limit=5)] == ["Discount rules"]
    assert pages_search(user=org.developer, query="discount", limit=5) == []
    assert [i.value for i in pages_resolve(user=org.east_rep, values=[str(world.secret.pk)])] == [
        str(world.secret.pk)
    ]
    assert pages_resolve(user=org.developer, values=[str(world.secret.pk)]) == []
    assert (
        lookup_search(user=org.east_rep, query="office", sources=["kb_pages"])[0]["items"][0]["label"]
        == "Office hours"
    )


def test_the_search_page_and_api_answer_with_the_readers_pages_only(org, client_for):
    world = kb_world(org)
    page = client_for(org.developer).get("/kb/search/", {"q": "discount"})
    assert page.status_code == 200 and b"Discount rules" not in page.content
    page = client_for(org.east_rep).get("/kb/search/", {"q": "discount"})
    assert b"Discount rules" in page.content and b"<mark>" in page.content
    answer = client_for(org.east_rep).get("/api/v1/kb/search/", {"q": "discount"})
    assert [hit["id"] for hit in answer.json()] == [world.secret.pk]
    assert client_for(org.developer).get("/api/v1/kb/search/", {"q": "discount"}).json() == []


def test_the_embedded_mode_search_matches_substrings_title_first_within_rights(org, monkeypatch):
    """Without PostgreSQL (embedded SQLite) every word is a substring of the title or the text; title matches
    come first; the rights filter still applies."""
    import knowledgebase.search as search

    monkeypatch.setattr(search, "uses_postgres", lambda: False)
    world = kb_world(org)
    in_text = PageFactory(space=world.company, title="Canteen", body="The discount card works there.")
    in_title = PageFactory(space=world.company, title="Discount card", body="Ask the office.")
    found = search.page_search(user=org.developer, query="discount card", limit=10)
    assert [p.pk for p in found] == [in_title.pk, in_text.pk]
    assert world.secret.pk not in [
        p.pk for p in search.page_search(user=org.developer, query="discount", limit=10)
    ]
