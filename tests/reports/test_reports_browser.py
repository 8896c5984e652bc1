"""Work reports in a real browser: an employee writes the report from the pre-filled form and sends it; the
supervisor rates it from the inbox with one click, the row changes in place (htmx, no page load), and the
employee sees the rating. Screenshots of the form and the inbox land in var/screenshots/."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from reports import services
from reports.choices import Rating, ReportStatus
from reports.models import ReportSettings, WorkReport
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"


def test_send_then_rate_from_the_inbox(page, live_server, login, screenshot, org):
    rep, boss = org.east_rep, org.east_head
    TaskFactory(
        responsible=rep,
        creator=boss,
        title="Signed the Acme contract",
        status="completed",
        completed_at=timezone.now(),  # today's: "5 minutes ago" is yesterday's in the first minutes of a day
    )
    services.report_save(actor=org.field_rep, facts="Visited two farms", results="One order", send=True)

    login(page, live_server, rep.email, PASSWORD)
    page.goto(live_server.url + reverse("reports:report_write"))
    facts = page.locator("textarea[name=facts]")
    expect(facts).to_have_value("- Signed the Acme contract")
    expect(page.locator("#report-prefill")).to_contain_text("Signed the Acme contract")
    facts.fill("- Signed the Acme contract\n- Called Globex")
    page.locator("textarea[name=plans]").fill("Invoice Acme")
    screenshot("reports-write")
    with page.expect_navigation():
        page.locator("#report-send").click()
    expect(page.locator("#report-rating")).to_contain_text("Waiting for rating")
    report = WorkReport.objects.get(author=rep)
    assert report.status == ReportStatus.SENT

    page.goto("about:blank")  # stop the old page's scripts before the cookies go
    page.context.clear_cookies()
    login(page, live_server, boss.email, PASSWORD)
    page.goto(live_server.url + reverse("reports:to_rate"))
    row = page.locator(f"#report-row-{report.pk}")
    expect(row).to_contain_text("Called Globex")
    expect(page.locator("[data-report]")).to_have_count(2)
    screenshot("reports-inbox")

    page.evaluate("window.__same_page = true")
    row.locator("input[name=comment]").fill("Well done")
    row.locator("[data-rate=positive]").click()
    expect(row).to_contain_text("Rated positive.")
    expect(row).to_contain_text("Well done")
    expect(row.locator("form")).to_have_count(0)
    assert page.evaluate("window.__same_page") is True  # rated without leaving the page
    report.refresh_from_db()
    assert (report.status, report.rating, report.rating_comment) == (
        ReportStatus.RATED,
        Rating.POSITIVE,
        "Well done",
    )
    screenshot("reports-inbox-rated", full_page=False)

    # The head sets their department to weekly reports from the settings page.
    page.goto(live_server.url + reverse("reports:report_settings"))
    row = page.locator(f'tr[data-department="{org.east.pk}"]')
    row.locator("select[name=period]").select_option("week")
    with page.expect_navigation():
        row.get_by_role("button", name="Save").click()
    expect(page.locator(f'tr[data-department="{org.east.pk}"] .badge')).to_have_count(0)  # its own now
    assert ReportSettings.objects.get(department=org.east).period == "week"
    screenshot("reports-settings", full_page=False)

    page.goto("about:blank")  # stop the old page's scripts before the cookies go
    page.context.clear_cookies()
    login(page, live_server, rep.email, PASSWORD)
    page.goto(live_server.url + reverse("reports:report_detail", args=[report.pk]))
    expect(page.locator("#report-rating")).to_contain_text("Positive")
    expect(page.locator("#rating-comment")).to_contain_text("Well done")
    screenshot("reports-detail")
    page.goto(live_server.url + reverse("reports:report_list"))
    expect(page.locator(f'[data-report="{report.pk}"]')).to_contain_text("Positive")
    screenshot("reports-list", full_page=False)
