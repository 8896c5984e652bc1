"""The control dashboard and the control-time heartbeat in a real browser.

The page's clock is Playwright's fake one, paused, so the test alone decides when the heartbeat's timers
fire and when the person last moved the mouse (however slow the machine): beats go out only while the tab
is visible and the person was active within the last 60 s. The dashboard is screenshotted into
var/screenshots/.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from portal.notifications.models import UserCounter
from portal.people.models import User
from reports.choices import Rating
from tests.reports.factories import WorkDayFactory, WorkReportFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"
NAMES = {
    "sales_head": ("Sam", "Seller"),
    "sales_rep": ("Rita", "Rep"),
    "east_head": ("Eric", "Eastman"),
    "east_rep": ("Erin", "Eastwood"),
    "field_rep": ("Fiona", "Fields"),
}


@pytest.fixture
def team(org):
    for key, (first, last) in NAMES.items():
        User.objects.filter(pk=getattr(org, key).pk).update(first_name=first, last_name=last)
    User.objects.update(date_joined=timezone.now() - datetime.timedelta(days=400))
    today = timezone.localdate()
    WorkDayFactory(user=org.sales_rep, date=today, started_at=timezone.now(), is_late=True)
    WorkReportFactory(
        author=org.east_rep,
        period_start=today - datetime.timedelta(days=1),
        status="rated",
        rating=Rating.NEGATIVE,
        sent_at=timezone.now(),
    )
    UserCounter.objects.create(user=org.field_rep, key="tasks.overdue", value=3)
    UserCounter.objects.create(user=org.east_head, key="tasks.no_deadline", value=2)
    return org


def beats(page) -> list:
    sent = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith(reverse("reports:control_beat")) else None)
    return sent


def pause_the_clock(page) -> None:
    """Fake the page's clock and stop it: from now on only `page.clock.run_for` moves it. (`install` alone lets
    it run on with real time, so a slow machine would fire the timers of its own accord.)"""
    page.clock.install()
    page.clock.pause_at(page.evaluate("Date.now()") + 10_000)  # a moment ahead on the browser's own clock


def beat_answered(page, milliseconds: int) -> None:
    """Let `milliseconds` pass on the page's clock, in which one beat is due, and wait until the page has shown
    its answer: only then does control.js send the next beat (one is in flight at a time)."""
    panel = page.locator("#control-time")
    panel.evaluate("panel => panel.removeAttribute('data-seconds')")
    page.clock.run_for(milliseconds)
    expect(panel).to_have_attribute("data-seconds", re.compile(r"^\d+$"))


def seen_so_far(page, sent: list) -> int:
    """How many beats the page has sent until now. Playwright reports a page's requests in the order they go
    out, so once the answer to a request made after them is in, every beat fired before it is in `sent`."""
    probe = reverse("healthz")
    with page.expect_response(lambda r: r.url.endswith(probe)):
        page.evaluate("url => { fetch(url); }", probe)
    return len(sent)


def test_the_dashboard_and_its_heartbeat(page, live_server, login, screenshot, team):
    sent = beats(page)
    pause_the_clock(page)
    login(page, live_server, team.sales_head.email, PASSWORD)
    page.goto(live_server.url + reverse("reports:home"))

    expect(page.locator("#control-summary")).to_contain_text("signal")
    expect(page.locator("#control-table tbody tr")).to_have_count(2)  # direct: Rita Rep, Eric Eastman
    expect(page.locator("#control-time [data-control-time-text]")).to_contain_text("Control today:")
    screenshot("control-dashboard-direct")

    # The switch loads the whole sub-tree in place (htmx), and the address follows.
    page.locator("#control-subtree").click()
    expect(page.locator("#control-table tbody tr")).to_have_count(4)
    assert re.search(r"[?&]subtree=1", page.url)
    expect(page.locator('#control-table td[data-signal="red"]').first).to_be_visible()
    page.clock.run_for(100)  # htmx settles the swapped buttons' classes on a (fake) timer
    expect(page.locator("#control-subtree")).to_have_class(re.compile(r"\bactive\b"))
    screenshot("control-dashboard-subtree")

    # The page beat as it opened (the start of the stretch), then beats every 20 s...
    page.mouse.move(100, 100)  # (activity, a moment after the page opened)
    assert seen_so_far(page, sent) == 1
    for _ in range(3):
        beat_answered(page, 20_000)
    assert len(sent) == 4  # at 0 s, 20 s, 40 s and 60 s: the last activity was within 60 s
    # ...and none while the person is idle for more than a minute
    page.clock.run_for(60_000)
    assert seen_so_far(page, sent) == 4
    # moving the mouse brings the beats back at once (a new stretch starts)
    panel = page.locator("#control-time")
    panel.evaluate("panel => panel.removeAttribute('data-seconds')")
    page.mouse.move(200, 300)
    page.mouse.move(240, 320)
    expect(panel).to_have_attribute("data-seconds", re.compile(r"^\d+$"))
    expect(panel.locator("[data-control-time-text]")).to_have_text(re.compile(r"Control today: \d+ (s|min)"))
    assert seen_so_far(page, sent) == 5
    # hiding the tab sends the last beat of the stretch (a beacon: the CSRF token is a form field)...
    with page.expect_request(lambda r: r.url.endswith(reverse("reports:control_beat"))) as leaving:
        page.evaluate(
            "Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});"
            "document.dispatchEvent(new Event('visibilitychange'))"
        )
    assert "csrfmiddlewaretoken" in (leaving.value.post_data or "")
    # ...and then nothing, however busy the mouse
    page.mouse.move(300, 300)
    page.clock.run_for(40_000)
    assert seen_so_far(page, sent) == 6
    assert all(r.method == "POST" for r in sent)
    assert all(r.headers.get("x-csrftoken") or "csrfmiddlewaretoken" in (r.post_data or "") for r in sent)


def test_a_page_hop_beats_on_leaving_and_on_opening(page, live_server, login, team, monkeypatch):
    from reports import services

    received = []  # what the server got (a beacon sent as a page goes is not always reported to the test)
    beat = services.control_time_beat

    def recording(**kwargs):
        row = beat(**kwargs)
        received.append(row.added)
        return row

    monkeypatch.setattr(services, "control_time_beat", recording)
    pause_the_clock(page)
    login(page, live_server, team.sales_head.email, PASSWORD)
    page.goto(live_server.url + reverse("reports:home"))
    expect(page.locator("#control-time")).to_have_attribute("data-seconds", re.compile(r"^\d+$"))
    for _ in range(50):  # the server's answer to the opening beat (the panel shows a number before it)
        if received:
            break
        page.wait_for_timeout(100)
    assert len(received) == 1  # the dashboard opened
    page.locator("#control-touch").click()  # to touch control: the dashboard is left, touch control opens
    expect(page.locator("#control-beat")).to_have_count(1)
    page.wait_for_function("window.lumenControlBeat === true")
    for _ in range(50):  # the server's answers, not the page's: wait a little for the third
        if len(received) >= 3:
            break
        page.wait_for_timeout(100)
    assert len(received) == 3  # opened, left, the next page opened: one stretch


def test_an_employee_gets_the_overview_and_no_heartbeat(page, live_server, login, screenshot, team):
    sent = beats(page)
    pause_the_clock(page)
    login(page, live_server, team.east_rep.email, PASSWORD)
    page.goto(live_server.url + reverse("reports:home"))
    expect(page.locator("#overview-today")).to_be_visible()
    expect(page.locator("#overview-reports [data-report]")).to_have_count(1)
    assert page.locator("#control-beat").count() == 0
    screenshot("control-overview")
    page.clock.run_for(90_000)  # past the first beat's time and several intervals
    assert seen_so_far(page, sent) == 0
