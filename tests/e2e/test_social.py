"""Two people in two browsers: a chat message arrives live, the chat badge follows, a post reaches the feed.

Runs against the real ASGI server (`asgi_live_server`: HTTP and websockets in a subprocess) on the
PostgreSQL test database; everything happens through the browsers, so it works on the in-memory channel
layer as well as on Redis.
"""

from __future__ import annotations

import re

import pytest

from portal.chat import services as chat_services
from tests.people.factories import UserFactory
from tests.plugins.browser import DESKTOP, SCREENSHOT_DIR, htmx_settled

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
PASSWORD = "pass-word-123"
LIVE_TIMEOUT = 10_000
# Counts the frames of the page's live socket (/ws/live/) so that a test can wait until it is connected.
LIVE_PROBE = "document.addEventListener('lumen:live', function () { window.__lumenLive = (window.__lumenLive || 0) + 1; });"


@pytest.fixture
def second_page(browser, js_errors, csp_watch):
    """Another person's browser: a separate context (own cookies), with the same JavaScript error and
    Content-Security-Policy watch."""
    context = browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(LIVE_TIMEOUT)
    csp_watch(context)
    context.add_init_script(LIVE_PROBE)
    other = context.new_page()
    other.on("console", lambda m: m.type == "error" and js_errors.append(f"console error (B): {m.text}"))
    other.on("pageerror", lambda exc: js_errors.append(f"uncaught (B): {exc}"))
    yield other
    context.close()


def _shot(page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)


def _talk_to_the_server(page) -> None:
    """The `page` fixture answers /ws/ with a silent stand-in (for the WSGI live server); here the real
    ASGI server is there, so pass the sockets through to it (the route registered last wins)."""
    page.context.route_web_socket(re.compile(r"/ws/"), lambda socket: socket.connect_to_server())


def _wait_live(page) -> None:
    page.wait_for_function("() => (window.__lumenLive || 0) > 0", timeout=LIVE_TIMEOUT)


def test_chat_message_arrives_live_and_the_badge_follows(
    asgi_live_server, page, second_page, login, screenshot
):
    from playwright.sync_api import expect

    ann = UserFactory(email="ann@acme.test", first_name="Ann", last_name="Archer", password=PASSWORD)
    ben = UserFactory(email="ben@acme.test", first_name="Ben", last_name="Brooks", password=PASSWORD)
    chat = chat_services.chat_group_create(actor=ann, title="Launch team", members=[ben])
    chat_url = f"{asgi_live_server.url}/chat/{chat.pk}/"
    _talk_to_the_server(page)
    page.context.add_init_script(LIVE_PROBE)
    page_b = second_page

    login(page, asgi_live_server, ann.email, PASSWORD)
    login(page_b, asgi_live_server, ben.email, PASSWORD)

    # Both in the chat, both sockets open.
    page.goto(chat_url)
    page_b.goto(chat_url)
    expect(page.locator("#chat-room")).to_have_attribute("data-live", "1", timeout=LIVE_TIMEOUT)
    expect(page_b.locator("#chat-room")).to_have_attribute("data-live", "1", timeout=LIVE_TIMEOUT)

    # Ann writes; Ben sees it without reloading, and Ann sees it once (composer response and live event).
    page.locator("#chat-body").fill("Hello Ben, the launch is on Friday @ben")
    page.locator("#chat-body").press("Enter")
    b_messages = page_b.locator("#chat-messages .chat-message")
    expect(b_messages.filter(has_text="the launch is on Friday")).to_have_count(1, timeout=LIVE_TIMEOUT)
    expect(
        page.locator("#chat-messages .chat-message").filter(has_text="the launch is on Friday")
    ).to_have_count(1)
    expect(page.locator("#chat-body")).to_have_value("")

    # Ben's page read it: Ann's copy shows the receipt, live.
    expect(page.locator(".chat-mine .chat-seen").last).to_contain_text("Seen by Ben", timeout=LIVE_TIMEOUT)

    # Ben answers; Ann sees it live too.
    page_b.locator("#chat-body").fill("Great, I'll prepare the slides.")
    page_b.locator("#chat-send").click()
    expect(page.locator("#chat-messages").get_by_text("I'll prepare the slides.")).to_be_visible(
        timeout=LIVE_TIMEOUT
    )
    screenshot("chat-ann")
    _shot(page_b, "chat-ben")

    # Ben leaves for the chat list; a new message from Ann raises his Chat badge in the navigation, live.
    page_b.goto(f"{asgi_live_server.url}/chat/")
    _wait_live(page_b)
    badge = page_b.locator('#lumen-nav [data-counter-slot="chat"]')
    expect(badge).to_be_hidden()
    htmx_settled(page)  # Ann's composer was swapped in by her first message: Enter sends through htmx
    page.locator("#chat-body").fill("One more thing: bring the demo laptop.")
    page.locator("#chat-body").press("Enter")
    expect(badge).to_have_text("1", timeout=LIVE_TIMEOUT)
    expect(badge).to_be_visible()
    _shot(page_b, "chat-ben-badge")

    # Opening the chat reads it: the badge goes away again.
    page_b.goto(chat_url)
    _wait_live(page_b)
    expect(page_b.locator('#lumen-nav [data-counter-slot="chat"]')).to_be_hidden(timeout=LIVE_TIMEOUT)


def test_a_post_reaches_the_other_persons_feed(asgi_live_server, page, second_page, login, screenshot):
    from playwright.sync_api import expect

    ann = UserFactory(email="ann.post@acme.test", first_name="Ann", last_name="Poster", password=PASSWORD)
    ben = UserFactory(email="ben.post@acme.test", first_name="Ben", last_name="Reader", password=PASSWORD)
    page_b = second_page
    login(page, asgi_live_server, ann.email, PASSWORD)
    login(page_b, asgi_live_server, ben.email, PASSWORD)

    feed = f"{asgi_live_server.url}/stream/"
    page_b.goto(feed)
    page.goto(feed)
    form = page.locator("#composer-form")
    form.locator("textarea[name=body]").fill("Our new office opens on Monday!")
    # The audience picker starts with "Everyone" chosen (a chip carrying the hidden everyone field).
    expect(form.locator("[data-chip] input[name=everyone]")).to_have_count(1)
    with page.expect_navigation():
        page.locator("#composer-submit").click()
    expect(page.locator("#feed-entries")).to_contain_text("Our new office opens on Monday!")

    page_b.reload()
    expect(page_b.locator("#feed-entries")).to_contain_text("Our new office opens on Monday!")
    expect(page_b.locator("#feed-entries")).to_contain_text(re.compile(r"Ann\s+Poster"))
    _shot(page_b, "stream-ben")
