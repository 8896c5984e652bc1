"""The stream in a real browser: an announcement with a poll, seen, answered, liked, commented, confirmed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.people.factories import UserFactory
from tests.plugins.browser import htmx_settled

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"


@pytest.fixture
def people(transactional_db):
    from tests.people.factories import DepartmentFactory

    root = DepartmentFactory(name="Acme")
    author = UserFactory(
        email="olga.author@acme.test", first_name="Olga", last_name="Author", department=root
    )
    reader = UserFactory(
        email="rick.reader@acme.test", first_name="Rick", last_name="Reader", department=root
    )
    return author, reader


def test_announcement_with_poll_is_read_voted_liked_and_commented(
    page, live_server, login, screenshot, people
):
    from portal.stream.models import Comment, Entry, EntryRead, Like, PollBallot

    author, reader = people
    login(page, live_server, author.email, PASSWORD)
    page.goto(live_server.url + "/stream/")
    page.fill("#id_body", "All hands on Friday at 15:00 in the big hall. Please confirm you have read this.")
    page.check("#id_is_important")
    page.click("label[for=attach-1]")  # attach a poll
    page.fill("#id_poll_question", "Which snacks shall we order?")
    page.fill("#id_poll_options", "Fruit\nPastries\nBoth")
    screenshot("stream-composer")
    with page.expect_navigation():
        page.click("#composer-submit")
    assert page.locator(".alert-success").first.is_visible()
    entry = Entry.objects.get()
    assert entry.is_important and entry.poll.options.count() == 3
    screenshot("stream-author-feed")

    page.goto("about:blank")  # stop the old page's scripts before the cookies go
    page.context.clear_cookies()
    login(page, live_server, reader.email, PASSWORD)
    page.goto(live_server.url + "/stream/")
    page.reload()
    card = page.locator(f"#entry-{entry.pk}")
    assert page.locator("#feed-pinned").is_visible()
    assert "All hands on Friday" in card.inner_text()

    page.evaluate("window.__same_page = true")
    card.locator("label", has_text="Pastries").click()
    card.locator("[data-vote-button]").click()
    card.locator("[data-poll-results]").wait_for()
    assert "Pastries" in card.locator("[data-poll-results]").inner_text()

    card.locator("[data-like-button]").click()
    page.locator(f"#like-{entry.pk} [aria-pressed=true]").wait_for()

    card.locator("textarea[name=body]").fill("Pastries, please!")
    card.locator("[data-comment-submit]").click()
    page.locator(f"#entry-{entry.pk} .stream-comment", has_text="Pastries, please!").wait_for()
    expect(card.locator("a.btn", has_text="1")).to_have_count(1)  # the comment counter follows
    # The comment came back as the whole entry, read button included: htmx binds it once it has settled.
    htmx_settled(page)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot("stream-reader-before-read")

    page.locator(f"#entry-{entry.pk} [data-read-button]").click()
    page.locator(f"#entry-{entry.pk}", has_text="You have confirmed reading this.").wait_for()
    assert page.evaluate("window.__same_page") is True  # voted, liked, commented and read in place
    screenshot("stream-reader-after-read")

    assert PollBallot.objects.filter(user=reader).count() == 1
    assert Like.objects.filter(entry=entry, user=reader).exists()
    assert Comment.objects.filter(entry=entry, author=reader, body="Pastries, please!").exists()
    assert EntryRead.objects.filter(entry=entry, user=reader).exists()

    page.reload()
    assert page.locator("#feed-pinned").count() == 0  # no longer pinned for the reader
    screenshot("stream-reader-reloaded")
