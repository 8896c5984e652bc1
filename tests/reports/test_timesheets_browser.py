"""Timesheets in a real browser: a supervisor opens the department's month, steps through months (htmx, the
address follows), opens a subordinate's month with its red and amber marks and confirms it."""

from __future__ import annotations

import pytest

from tests.plugins.browser import htmx_settled
from tests.reports.timesheets_support import lay_berlin_march

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"


def test_supervisor_reviews_and_confirms_a_month(page, live_server, login, screenshot, org):
    from reports.models import TimesheetConfirmation

    lay_berlin_march(org.east_rep)
    login(page, live_server, org.sales_head.email, PASSWORD)

    page.goto(f"{live_server.url}/reports/timesheet/department/?department={org.east.pk}&month=2026-03")
    rows = page.locator("#timesheet-people tbody tr")
    assert rows.count() == 3
    assert page.locator(f'tr[data-person="{org.east_rep.pk}"]').get_attribute("data-signal") == "red"
    screenshot("timesheet-department")

    page.evaluate("window.__same_page = true")
    page.click("#month-previous")
    page.wait_for_function(
        "() => document.getElementById('timesheet-month').textContent.includes('February')"
    )
    assert "month=2026-02" in page.url
    htmx_settled(page)  # the arrows came with the swapped month: htmx binds them once it has settled
    page.click("#month-next")
    page.wait_for_function("() => document.getElementById('timesheet-month').textContent.includes('March')")
    htmx_settled(page)
    assert page.evaluate("window.__same_page") is True  # both months came in place, without a page load

    with page.expect_navigation():
        page.click(f'tr[data-person="{org.east_rep.pk}"] a')
    assert page.locator('tr[data-date="2026-03-03"]').get_attribute("data-signal") == "amber"
    assert page.locator('tr[data-date="2026-03-04"]').get_attribute("data-signal") == "red"
    assert "09:20" in page.locator('tr[data-date="2026-03-30"]').inner_text()
    assert page.locator('[data-total="late"]').inner_text() == "3"
    screenshot("timesheet-person")

    with page.expect_navigation():
        page.click('#timesheet-confirmation [data-action="timesheet-confirm"]')
    assert page.locator('#timesheet-confirmation [data-mark="confirmed"]').is_visible()
    assert "is confirmed" in page.locator(".lumen-messages").inner_text()
    assert TimesheetConfirmation.objects.get(user=org.east_rep).confirmed_by == org.sales_head
    screenshot("timesheet-person-confirmed")
