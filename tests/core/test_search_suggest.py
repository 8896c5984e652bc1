"""The top bar's live search: suggestions as one types, grouped by kind, a few of each, from the same
permission-filtered providers as the search page; in a browser, debounced and keyboard navigable."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from portal.core import views as core_views
from tests.people.factories import UserFactory
from tests.plugins.browser import htmx_settled
from tests.tasks.factories import TaskFactory

PASSWORD = "pass-word-123"


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def suggest(user, q: str) -> str:
    response = client_of(user).get(reverse("search_suggest"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_suggestions_are_grouped_by_kind_and_link_to_the_full_search(org):
    UserFactory(first_name="Quentin", last_name="Quarry", department=org.east)
    TaskFactory(responsible=org.east_rep, creator=org.east_rep, title="Quarry inspection")

    html = suggest(org.east_rep, "quarry")

    kinds = re.findall(r'role="group" aria-labelledby="lumen-suggest-kind-(\w+)"', html)
    assert kinds[:2] == ["people", "tasks"] or set(kinds) >= {"people", "tasks"}
    assert "<mark>Quarry</mark>" in html
    assert 'role="listbox"' in html and html.count('role="option"') == 3  # two hits and "All results"
    assert f'href="{reverse("search")}?q=quarry"' in html


@pytest.mark.django_db
def test_suggestions_show_only_what_the_user_may_see(org):
    TaskFactory(responsible=org.developer, creator=org.developer, title="Zeppelin budget")

    assert "Zeppelin" not in suggest(org.east_rep, "zeppelin")  # another department's task
    assert "Zeppelin" in suggest(org.it_head, "zeppelin")  # their head sees it
    assert 'id="lumen-suggest-empty"' in suggest(org.east_rep, "zeppelin")


@pytest.mark.django_db
def test_a_few_of_each_kind(org, monkeypatch):
    monkeypatch.setattr(core_views, "SUGGEST_PER_KIND", 2)
    for n in range(4):
        TaskFactory(responsible=org.east_rep, creator=org.east_rep, title=f"Walrus report {n}")

    html = suggest(org.east_rep, "walrus")

    assert len(re.findall(r'id="lumen-suggest-tasks-\d+"', html)) == 2


@pytest.mark.django_db
def test_short_queries_anonymous_and_markup(org):
    assert "at least two characters" in suggest(org.east_rep, "a")
    response = Client().get(reverse("search_suggest"), {"q": "anna"})
    assert response.status_code == 302 and reverse("login") in response["Location"]
    TaskFactory(responsible=org.east_rep, creator=org.east_rep, title="<script>x</script> Yodel plan")
    html = suggest(org.east_rep, "yodel")
    assert "<script>x" not in html and "&lt;script&gt;" in html


@pytest.mark.django_db
def test_the_top_bar_asks_for_suggestions(org):
    html = client_of(org.east_rep).get(reverse("home")).content.decode()
    assert f'data-suggest-url="{reverse("search_suggest")}"' in html
    assert 'role="combobox"' in html and 'aria-controls="lumen-suggest-list"' in html


@pytest.mark.browser
def test_typing_suggests_and_the_keyboard_moves_through_them(page, live_server, login, screenshot, org):
    TaskFactory(responsible=org.east_rep, creator=org.east_rep, title="Gazebo repair")
    TaskFactory(responsible=org.east_rep, creator=org.east_rep, title="Gazebo paint")
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/search/suggest/" in r.url else None)
    login(page, live_server, org.east_rep.email, PASSWORD)

    box = page.locator("#lumen-search-q")
    box.press_sequentially("gazebo", delay=30)
    options = page.locator("#lumen-suggest [role=option]")
    expect(options).to_have_count(3)
    expect(page.locator("#lumen-suggest [data-kind=tasks]")).to_contain_text("Gazebo repair")
    assert len(asked) == 1, asked  # debounced: one request for the whole word
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#lumen-suggest-status")).to_have_text("2 suggestions")
    screenshot("search-suggest", full_page=False)

    box.press("ArrowDown")
    box.press("ArrowDown")
    second = options.nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", second.get_attribute("id"))
    box.press("Escape")
    expect(page.locator("#lumen-suggest")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")

    box.press("ArrowDown")  # opens again on the first option
    expect(options.first).to_have_attribute("aria-selected", "true")
    href = options.first.get_attribute("href")
    with page.expect_navigation():
        box.press("Enter")
    assert page.url == live_server.url + href

    # Enter with no option chosen goes to the full search page.
    box = page.locator("#lumen-search-q")
    box.fill("gazebo")
    htmx_settled(page)
    with page.expect_navigation():
        box.press("Enter")
    assert page.url.startswith(live_server.url + reverse("search") + "?q=gazebo")
    expect(page.locator("#search-results")).to_contain_text("Gazebo paint")


@pytest.mark.django_db
def test_suggestions_cost_the_same_few_queries_whatever_matches(org, django_assert_max_num_queries):
    client = client_of(org.east_rep)
    url = reverse("search_suggest")
    for n in range(2):
        TaskFactory(responsible=org.east_rep, creator=org.east_rep, title=f"Harbour task {n}")
        UserFactory(first_name="Harbour", last_name=f"Person{n}", department=org.east)
    client.get(url, {"q": "harbour"})  # warm the session and the per-process caches
    # (+ the approvals provider: the viewer's permissions, asked once per request, and its search; the goals',
    # the indicators' and the knowledge base's providers: the last reads the reader's spaces, then ranks with
    # its planner cost set: SET LOCAL in a savepoint, two statements more in a test's transaction)
    with django_assert_max_num_queries(21) as few:
        client.get(url, {"q": "harbour"})
    for n in range(2, 12):
        TaskFactory(responsible=org.east_rep, creator=org.east_rep, title=f"Harbour task {n}")
        UserFactory(first_name="Harbour", last_name=f"Person{n}", department=org.east)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url, {"q": "harbour"})
