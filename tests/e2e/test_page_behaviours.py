"""The page behaviours that the Content-Security-Policy moved out of the markup into static/lumen/lumen.js, in a
real browser: data-confirm asks (Cancel keeps, OK goes on), data-autosubmit submits on a change, data-width sizes
progress bars on load and in content htmx swaps in; htmx evaluates nothing and injects no <style>. Like every
browser test, each fails on any policy violation a page reports (the `page` fixture)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.stream.services import PollSpec
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.people.factories import UserFactory
from tests.plugins.browser import htmx_settled
from tests.stream.factories import post

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"


@pytest.fixture
def olga(transactional_db):
    return UserFactory(
        email="olga.author@acme.test", first_name="Olga", last_name="Author", password=PASSWORD
    )


def test_the_policy_is_enforced_and_htmx_is_set_up_for_it(page, live_server, login, olga):
    login(page, live_server, olga.email, PASSWORD)
    response = page.goto(live_server.url + "/stream/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe" not in policy
    config = page.evaluate(
        "() => ({eval: htmx.config.allowEval, indicators: htmx.config.includeIndicatorStyles,"
        " settle: htmx.config.attributesToSettle, styles: document.querySelectorAll('style').length})"
    )
    assert config == {"eval": False, "indicators": False, "settle": ["class", "width", "height"], "styles": 0}
    # Indicators still hide and show: their rules come from lumen.css now.
    hidden = page.evaluate(
        "() => { const el = document.createElement('span'); el.className = 'htmx-indicator';"
        " document.body.appendChild(el); const o = getComputedStyle(el).opacity; el.remove(); return o; }"
    )
    assert hidden == "0"


def test_a_delete_asks_first_and_cancel_keeps_the_post(page, live_server, login, olga):
    from portal.stream.models import Entry

    entry = post(olga, "A post that is nearly deleted")
    login(page, live_server, olga.email, PASSWORD)
    page.goto(live_server.url + "/stream/")
    card = page.locator(f"#entry-{entry.pk}")
    delete = card.locator("form[data-confirm] button[type=submit]")

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.evaluate("window.__same_page = true")
    card.locator("[data-bs-toggle=dropdown]").click()
    delete.click()
    assert asked == ["Delete this post?"]
    assert page.evaluate("window.__same_page") is True  # Cancel: the form was not sent
    assert Entry.objects.filter(pk=entry.pk).exists()

    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    card.locator("[data-bs-toggle=dropdown]").click()
    with page.expect_navigation():
        delete.click()
    assert len(asked) == 2
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator(f"#entry-{entry.pk}")).to_have_count(0)


def test_choosing_a_group_submits_the_filter(page, live_server, login, olga):
    group = WorkgroupFactory(name="Launch team")
    MembershipFactory(group=group, user=olga)
    post(olga, "For the launch team only", everyone=False, groups=[group])
    login(page, live_server, olga.email, PASSWORD)
    page.goto(live_server.url + "/stream/")

    with page.expect_navigation():
        page.select_option("#feed-group", str(group.pk))
    assert f"group={group.pk}" in page.url
    expect(page.locator("#feed-group")).to_have_value(str(group.pk))


def test_progress_bars_take_their_width_on_load_and_after_a_swap(page, live_server, login, olga):
    voter = UserFactory(email="vic.voter@acme.test", first_name="Vic", last_name="Voter", password=PASSWORD)
    entry = post(olga, "Lunch?", poll=PollSpec(question="Where?", options=["Canteen", "Park", "Desk"]))
    poll = entry.poll
    from portal.stream.services import poll_vote

    options = list(poll.options.order_by("pk"))
    poll_vote(actor=olga, poll=poll, option_ids=[options[0].pk])

    # The author has voted: the results, with their bars, come with the page.
    login(page, live_server, olga.email, PASSWORD)
    page.goto(live_server.url + "/stream/")
    bars = page.locator(f"#poll-{poll.pk} .progress-bar")
    expect(bars).to_have_count(3)
    assert bars.evaluate_all("bars => bars.map(b => b.style.width)") == ["100%", "0%", "0%"]

    # Another person votes in place: htmx swaps the results in, and their bars are sized too.
    page.goto("about:blank")
    page.context.clear_cookies()
    login(page, live_server, voter.email, PASSWORD)
    page.goto(live_server.url + "/stream/")
    card = page.locator(f"#entry-{entry.pk}")
    card.locator("label", has_text="Park").click()
    card.locator("[data-vote-button]").click()
    expect(card.locator("[data-poll-results]")).to_be_visible()
    htmx_settled(page)
    bars = card.locator("[data-poll-results] .progress-bar")
    assert bars.evaluate_all("bars => bars.map(b => b.style.width)") == ["50%", "50%", "0%"]
    assert bars.nth(1).bounding_box()["width"] > 0


def test_going_back_to_a_filtered_list_brings_its_bars_back(page, live_server, login, olga):
    """htmx keeps a copy of the page for the back button; the sizes set through the CSSOM must not come back as
    style attributes (which the policy refuses), and the bars must still show their widths."""
    from tests.tasks.factories import TaskFactory

    TaskFactory(creator=olga, responsible=olga, title="Fit out the stand", subtasks_count=4, subtasks_done=1)
    TaskFactory(creator=olga, responsible=olga, title="Order the flyers")
    login(page, live_server, olga.email, PASSWORD)
    page.goto(live_server.url + "/tasks/")
    bar = page.locator("#task-results .progress-bar")
    expect(bar).to_have_count(1)
    assert bar.evaluate("b => b.style.width") == "25%"

    page.fill("#filter-q", "flyers")
    expect(page.locator("#task-results tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=flyers"))
    htmx_settled(page)
    # The copy htmx keeps of the unfiltered list: the bar is in it, its CSSOM width is not.
    cache = page.evaluate("sessionStorage.getItem('htmx-history-cache')")
    assert "Fit out the stand" in cache and 'data-width=\\"25\\"' in cache and " style=" not in cache

    page.go_back()
    expect(page.locator("#task-results tbody tr")).to_have_count(2)
    htmx_settled(page)
    assert page.locator("#task-results .progress-bar").evaluate("b => b.style.width") == "25%"
