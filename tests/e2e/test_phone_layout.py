"""Phones (390 px wide): the compact top bar (menu and search icons that open the full controls, the portal's name in
full, labelled working-day actions), the task list's filters folded behind a button, and no page of the everyday
round (the stream, the task list, a task, the report form, the control dashboard) overflowing sideways. Each page is
screenshotted into var/screenshots/phone-*.png."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.plugins.browser import PHONE, htmx_settled
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"

NO_SIDEWAYS_OVERFLOW = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def phone_round(org):
    """Something on every page: tasks with long titles for the head and their people, one task to open."""
    long = (
        "Prepare the quarterly commercial offer for the regional distribution partners and their subsidiaries"
    )
    task = TaskFactory(responsible=org.sales_head, creator=org.sales_rep, title=long)
    TaskFactory(responsible=org.sales_rep, creator=org.sales_head, title="Call the biggest customer back")
    TaskFactory(responsible=org.east_rep, creator=org.sales_head, title="Visit the eastern warehouse")
    return {
        "stream": reverse("stream:feed"),
        "task-list": reverse("tasks:home"),
        "task-page": reverse("tasks:detail", args=[task.pk]),
        "report-form": reverse("reports:report_write"),
        "control-dashboard": reverse("reports:home"),
    }


def test_the_everyday_pages_fit_a_phone(page, live_server, login, screenshot, org, phone_round):
    page.set_viewport_size(PHONE)
    login(page, live_server, org.sales_head.email, PASSWORD)
    for name, url in phone_round.items():
        page.goto(live_server.url + url)
        expect(page.locator("#workday-widget[data-state]")).to_be_visible()  # the top bar is complete
        htmx_settled(page)
        sizes = page.evaluate(
            "() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})"
        )
        assert page.evaluate(NO_SIDEWAYS_OVERFLOW), (name, sizes)
        screenshot(f"phone-{name}")


def test_the_compact_top_bar(page, live_server, login, screenshot, org):
    page.set_viewport_size(PHONE)
    login(page, live_server, org.sales_rep.email, PASSWORD)
    page.goto(live_server.url + reverse("tasks:home"))
    bar = page.locator(".lumen-topbar")

    # The portal's name is shown in full, not cut to "…".
    name = bar.locator(".lumen-brand-name")
    expect(name).to_be_visible()
    assert name.evaluate("(el) => el.scrollWidth <= el.clientWidth"), "the portal's name is cut"

    # The search box waits behind its icon; the icon opens it across the whole bar, with the focus in it.
    search = bar.locator("#lumen-search-q")
    toggle = bar.locator("button[aria-controls=lumen-search]")
    expect(search).to_be_hidden()
    expect(toggle).to_have_accessible_name("Search")
    toggle.click()
    expect(search).to_be_visible()
    expect(search).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert search.bounding_box()["width"] > PHONE["width"] * 0.8
    screenshot("phone-topbar-search", full_page=False)
    toggle.click()
    expect(search).to_be_hidden()

    # The working day's actions carry their words.
    widget = page.locator("#workday-widget[data-state=none]")
    expect(widget).to_be_visible()
    start = widget.locator("[data-workday-action=start]")
    expect(start).to_have_accessible_name("Start")
    expect(start).to_contain_text("Start")
    expect(widget.locator("#workday-state")).to_contain_text("Not started")
    with page.expect_response(lambda r: "/workday/start/" in r.url):
        start.click()
    widget = page.locator("#workday-widget[data-state=open]")
    for action, label in (("pause", "Pause"), ("end", "End")):
        button = widget.locator(f"[data-workday-action={action}]")
        expect(button).to_be_visible()
        expect(button).to_have_accessible_name(label)
        assert button.inner_text().strip() == label  # the word is on the button, not only an icon
    assert page.evaluate(NO_SIDEWAYS_OVERFLOW)
    screenshot("phone-topbar-working", full_page=False)

    # The menu icon opens the navigation.
    bar.locator("button[aria-controls=lumen-sidebar]").click()
    expect(page.locator("#lumen-sidebar a[data-nav=company]")).to_be_visible()


def test_the_task_filters_fold_behind_a_button_on_a_phone(page, live_server, login, screenshot, org):
    TaskFactory(responsible=org.sales_rep, creator=org.sales_rep, title="Something to do")
    page.set_viewport_size(PHONE)
    login(page, live_server, org.sales_rep.email, PASSWORD)
    page.goto(live_server.url + reverse("tasks:home"))

    filters = page.locator("#task-filters")
    toggle = page.locator("#task-filters-toggle")
    expect(filters).to_be_hidden()
    expect(page.locator("#task-results")).to_contain_text("Something to do")
    # The first screen shows tasks, not filters.
    assert page.locator("#task-results").bounding_box()["y"] < PHONE["height"]
    toggle.click()
    expect(filters).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    screenshot("phone-task-filters-open")

    # On a wide screen the filters are always there and the button is not.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    expect(page.locator("#task-filters")).to_be_visible()
    expect(page.locator("#task-filters-toggle")).to_be_hidden()
