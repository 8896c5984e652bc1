"""The working-day widget in a real browser: an employee starts the day from the top bar, pauses with a
comment, sees the state change in place, and another tab's change arrives live. Screenshots of the widget
and of the month page land in var/screenshots/."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reports import services
from reports.choices import DayEventKind, DayState
from reports.models import WorkDay
from tests.plugins.browser import htmx_settled

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"


def test_an_employee_runs_the_day_from_the_top_bar(page, live_server, login, screenshot, org):
    rep = org.east_rep
    login(page, live_server, rep.email, PASSWORD)
    page.goto(live_server.url + reverse("reports:days"))
    widget = page.locator("#workday-widget")
    expect(widget).to_have_attribute("data-state", "none")
    expect(widget).to_contain_text("Not started")
    htmx_settled(page)  # htmx swapped the widget in: its buttons post through htmx once it has settled
    page.evaluate("window.__same_page = true")
    screenshot("workday-widget-not-started", full_page=False)

    widget.locator("[data-workday-action=start]").click()
    expect(widget).to_have_attribute("data-state", "open")
    expect(widget).to_contain_text("Working since")
    assert WorkDay.objects.get(user=rep).state == DayState.OPEN
    htmx_settled(page)

    widget.get_by_label("Add a comment").click()
    widget.locator("input[name=comment]").fill("Lunch")
    widget.locator("[data-workday-action=pause]").click()
    expect(widget).to_have_attribute("data-state", "paused")
    expect(widget).to_contain_text("On a break")
    event = WorkDay.objects.get(user=rep).events.get(kind=DayEventKind.PAUSE)
    assert event.comment == "Lunch" and event.ip
    screenshot("workday-widget-on-a-break", full_page=False)

    # Another tab resumes the day: the live event arrives and this tab's widget follows.
    day = services.workday_resume(actor=rep)
    page.evaluate(
        "state => document.dispatchEvent(new CustomEvent('lumen:live', {detail: {event: 'workday', state}}))",
        {"state": "open", "day": day.pk},
    )
    expect(widget).to_have_attribute("data-state", "open")
    htmx_settled(page)

    widget.locator("[data-workday-action=end]").click()
    expect(widget).to_have_attribute("data-state", "closed")
    expect(widget).to_contain_text("Finished")
    assert page.evaluate("window.__same_page") is True  # every change in place, never a page load

    page.goto(live_server.url + reverse("reports:my_days"))
    expect(page.locator(f'#workday-month tr[data-day="{day.pk}"]')).to_be_visible()
    screenshot("workday-my-days")
