"""The start page as "my day" in a real browser: a sales rep with tasks due today and overdue, a task waiting
for her control, an important post to read and her report to write opens `/`, sees what needs doing first,
starts her working day from the card and follows a card to its list. Screenshots at 1400 px and at 390 px
land in var/screenshots/home-day-*.png."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.plugins.browser import PHONE, htmx_settled

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"
WIDE = {"width": 1400, "height": 900}


@pytest.fixture
def erin(org):
    """Erin Eastwood of Sales East, on an ordinary morning."""
    from portal.people.models import User
    from tasks.choices import TaskStatus
    from tasks.selectors.home import end_of_today
    from tests.stream.factories import post
    from tests.tasks.factories import TaskFactory

    names = {"ceo": ("Clara", "Chief"), "east_head": ("Eric", "Eastman"), "east_rep": ("Erin", "Eastwood"),
             "field_rep": ("Fiona", "Fields"), "developer": ("Grace", "Hopperfield")}  # fmt: skip
    for key, (first, last) in names.items():
        User.objects.filter(pk=getattr(org, key).pk).update(first_name=first, last_name=last)
    for key in names:
        getattr(org, key).refresh_from_db()

    now = timezone.now()
    tonight = end_of_today(org.east_rep, now) - datetime.timedelta(minutes=1)
    TaskFactory(title="Send the signed contract to Northwind", creator=org.east_head, responsible=org.east_rep,
                deadline=now - datetime.timedelta(days=1, hours=2))  # fmt: skip
    TaskFactory(title="Call Contoso about the renewal", creator=org.east_head, responsible=org.east_rep,
                deadline=tonight)  # fmt: skip
    TaskFactory(title="Update the pipeline before the weekly call", creator=org.east_rep,
                responsible=org.east_rep, deadline=tonight)  # fmt: skip
    TaskFactory(title="Prepare the trade fair stand", creator=org.east_rep, responsible=org.east_rep,
                deadline=now + datetime.timedelta(days=6))  # fmt: skip
    TaskFactory(title="Visit the Fabrikam warehouse", creator=org.east_rep, responsible=org.field_rep,
                status=TaskStatus.AWAITING_CONTROL, completed_at=now - datetime.timedelta(hours=3))  # fmt: skip
    # Hidden from Erin: IT's own task due today and IT's announcement.
    TaskFactory(title="Rotate the VPN certificates", creator=org.it_head, responsible=org.developer,
                deadline=tonight)  # fmt: skip
    post(org.it_head, "IT only: the VPN moves tonight", departments=[org.it], is_important=True)
    post(org.ceo, "Office closed on Friday\nThe heating is being repaired.", everyone=True, is_important=True)
    return org


def test_my_day_shows_what_needs_doing_first(page, live_server, erin, login, screenshot):
    page.set_viewport_size(WIDE)
    login(page, live_server, erin.east_rep.email, PASSWORD)
    assert page.url == live_server.url + reverse("home")
    htmx_settled(page)

    day = page.locator("#home-day")
    expect(day.get_by_role("heading", name="My day")).to_be_visible()
    expect(page.locator("#home-nothing-due")).to_have_count(0)

    due = page.locator("#home-tasks-due-today")
    expect(due.locator("[data-home-count]")).to_have_text("3")
    rows = due.locator("li")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Send the signed contract to Northwind")  # the most overdue first
    expect(rows.nth(0)).to_contain_text("overdue")
    expect(due).not_to_contain_text("Prepare the trade fair stand")
    expect(page.locator("body")).not_to_contain_text("Rotate the VPN certificates")

    control = page.locator("#home-tasks-awaiting-control")
    expect(control).to_contain_text("Visit the Fabrikam warehouse")
    expect(control).to_contain_text("Fiona Fields")

    posts = page.locator("#home-stream-important-unread")
    expect(posts).to_contain_text("Office closed on Friday")
    expect(page.locator("body")).not_to_contain_text("the VPN moves tonight")

    expect(page.locator("#home-reports-my-report")).to_contain_text("Not written yet")
    expect(page.locator('[data-home-card="reports.to_rate"]')).to_have_count(0)  # Erin rates nobody's

    # What needs doing comes first: the working day to start, then the tasks.
    order = page.locator("#home-day [data-home-card]").evaluate_all(
        "cards => cards.map(c => c.dataset.homeCard)"
    )
    assert order[:2] == ["reports.workday", "tasks.due_today"], order
    wide_shot = screenshot("home-day-1400")

    # Start the day from the card: back on the start page, the card shows the running day.
    page.locator("#home-reports-workday").get_by_role("button", name="Start the working day").click()
    page.wait_for_url(live_server.url + reverse("home"))
    expect(page.locator("#home-reports-workday")).to_contain_text("Working since")
    expect(page.locator("#home-reports-workday").get_by_role("button", name="Pause")).to_be_visible()

    # On a phone the cards stack in one column, the most urgent on top, nothing wider than the screen.
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("home"))
    htmx_settled(page)
    first = page.locator("#home-day [data-home-card]").first
    expect(first).to_have_attribute("data-home-card", "tasks.due_today")
    box = first.bounding_box()
    assert box["width"] <= PHONE["width"] and box["x"] >= 0, box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone_shot = screenshot("home-day-390")
    assert wide_shot.exists() and phone_shot.exists()

    # A card leads to its full list, which holds the same tasks.
    page.set_viewport_size(WIDE)
    page.locator("#home-tasks-due-today").get_by_role(
        "link", name="All: My tasks due today and overdue"
    ).click()
    expect(page.locator("body")).to_contain_text("Call Contoso about the renewal")
    expect(page.locator("body")).not_to_contain_text("Prepare the trade fair stand")


def test_an_empty_day_says_nothing_is_due(page, live_server, erin, login, screenshot):
    from reports.choices import ReportStatus
    from tests.reports.factories import WorkDayFactory, WorkReportFactory

    # Grace has started her day and sent her report; no task of hers is due and she read what is important.
    grace = erin.developer
    WorkDayFactory(user=grace)
    WorkReportFactory(author=grace, supervisor=erin.it_head, status=ReportStatus.SENT, sent_at=timezone.now())
    from portal.stream.models import Entry, EntryRead
    from tasks.models import Task

    Task.objects.filter(responsible=grace).delete()
    for entry in Entry.objects.filter(is_important=True):
        EntryRead.objects.create(entry=entry, user=grace)

    page.set_viewport_size(WIDE)
    login(page, live_server, grace.email, PASSWORD)
    htmx_settled(page)
    expect(page.locator("#home-nothing-due")).to_contain_text("Nothing due today")
    expect(page.locator("#home-tasks-due-today [data-home-empty]")).to_contain_text(
        "No task of yours is due today."
    )
    expect(page.locator("#home-tasks-due-today [data-home-count]")).to_have_count(0)
    expect(page.locator("#home-reports-my-report")).to_contain_text("waiting for the rating")
    screenshot("home-day-empty-1400")
