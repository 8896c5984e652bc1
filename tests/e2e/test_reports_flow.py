"""A day of work control in a real browser, the way people use it.

Rick (Sales, whose head is Sarah) signs in, starts his working day with the top-bar widget, opens "Write
my report" from Reports, finds the task he completed today already in the form, writes facts, results,
emotions and plans and sends the report. Sarah signs in: the Reports badge in the navigation shows the
report waiting for her; on the control dashboard Rick's row shows today's working day and the report to
rate; she goes from the "To rate" cell to the list behind it, then to her inbox and the report, and rates it
positive with a comment; after a reload her badge is down. Rick signs in again: the bell shows the rating,
the dropdown lists it, the notifications page too, and the report it opens says "Positive".

Time is real "now": both work in a zone far from the server's UTC (so their local date is often not the
server's) on a schedule of every day, 00:00–23:59, so the test passes at any hour and on weekends.
Screenshots land in var/screenshots/reports-flow-*.png.
"""

from __future__ import annotations

import datetime
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.plugins.browser import htmx_settled, login

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"
ZONE = "America/Los_Angeles"
EVERY_DAY = list(range(7))


@pytest.fixture
def company(transactional_db):
    """Acme (no head) > Sales (head: Sarah) with Rick; Sales works every day, 00:00–23:59; Sarah set Rick a
    task that he completed today."""
    from portal.notifications.counters import counters_rebuild_all
    from reports import services as reports_services
    from tasks import services as tasks_services
    from tests.people.factories import DepartmentFactory, UserFactory

    root = DepartmentFactory(name="Acme")
    sales = DepartmentFactory(name="Sales", parent=root)
    people = {"time_zone": ZONE, "department": sales}
    head = UserFactory(
        email="sarah.head@acme.test", first_name="Sarah", last_name="Head", position="Head", **people
    )
    sales.head = head
    sales.save(update_fields=["head"])
    rep = UserFactory(email="rick.rep@acme.test", first_name="Rick", last_name="Rep", **people)
    reports_services.schedule_save(
        actor=head,
        name="Sales: every day",
        department=sales,
        working_days=EVERY_DAY,
        start=datetime.time(0, 0),
        end=datetime.time(23, 59),
        allowed_lateness=240,
        break_minutes=60,
    )
    task = tasks_services.task_create(actor=head, title="Sign the Globex contract", responsible=rep)
    tasks_services.task_transition(actor=rep, task=task, action="complete")
    counters_rebuild_all()  # the nightly rebuild: stored counters match the data laid above
    return SimpleNamespace(head=head, rep=rep, sales=sales, task=task)


# --- helpers -------------------------------------------------------------------------------------------


def sign_in(page, live_server, person) -> None:
    """Sign out whoever was signed in (a new session) and sign in as `person` through the login form."""
    page.goto("about:blank")  # stop the old page's scripts before the cookies go
    page.context.clear_cookies()
    login(page, live_server, person.email, PASSWORD)


def badge(page, selector: str) -> int:
    """The number on a counter badge (empty and hidden when it is zero)."""
    element = page.locator(selector)
    expect(element).to_have_count(1)
    text = element.inner_text().strip()
    if not text:
        expect(element).to_be_hidden()
        return 0
    expect(element).to_be_visible()
    return int(text)


def reports_badge(page) -> int:
    return badge(page, '#lumen-nav [data-counter-slot="reports"]')


def bell_badge(page) -> int:
    return badge(page, '#bell-badge[data-counter-slot="notifications"]')


def unread(person) -> int:
    from portal.notifications.models import Notification

    return Notification.objects.filter(recipient=person, read_at__isnull=True).count()


def local_hhmm(moment: datetime.datetime) -> str:
    return moment.astimezone(ZoneInfo(ZONE)).strftime("%H:%M")


def dashboard_cell(page, person, column: str):
    """The cell of `column` (its data-column key) in the dashboard row of `person`."""
    keys = page.locator("#control-table thead th[data-column]").evaluate_all(
        "cells => cells.map(cell => cell.dataset.column)"
    )
    assert column in keys, keys
    return page.locator(f'#control-table tbody tr[data-person="{person.pk}"] td').nth(keys.index(column))


# --- the path ------------------------------------------------------------------------------------------


def test_a_day_reported_controlled_and_rated(page, live_server, screenshot, company, js_errors):
    from reports.choices import DayState, Rating, ReportStatus
    from reports.models import WorkDay, WorkReport

    head, rep, task = company.head, company.rep, company.task
    today = timezone.localtime(timezone.now(), ZoneInfo(ZONE)).date()

    # 1. Rick starts his day from the top bar, wherever he is.
    sign_in(page, live_server, rep)
    bell_before = bell_badge(page)
    assert bell_before == unread(rep) == 1  # Sarah set him the task
    widget = page.locator("#workday-widget")
    expect(widget).to_have_attribute("data-state", "none")
    expect(widget).to_contain_text("Not started")
    htmx_settled(page)  # the widget is swapped in after the page: its button posts through htmx once settled
    with page.expect_response(lambda r: "/start/" in r.url and r.request.method == "POST"):
        widget.locator("[data-workday-action=start]").click()
    expect(widget).to_have_attribute("data-state", DayState.OPEN)
    day = WorkDay.objects.get(user=rep)
    assert (day.date, day.state) == (today, DayState.OPEN)
    expect(widget).to_contain_text(f"Working since {local_hhmm(day.started_at)}")

    # Reports (his own overview: he controls nobody) > "Write my report": the form knows his day.
    with page.expect_navigation():
        page.locator('#lumen-nav [data-nav="reports"]').click()
    assert page.url.endswith(reverse("reports:home"))
    expect(page.locator("#overview-today [data-state]")).to_have_attribute("data-state", DayState.OPEN)
    with page.expect_navigation():
        page.locator("#overview-reports").get_by_role("link", name="Write my report").click()
    assert page.url.endswith(reverse("reports:report_write"))
    expect(page.locator("h1")).to_contain_text(f"My report for {today:%A}")
    prefill = page.locator("#report-prefill")
    expect(prefill.locator(f'[data-prefill-task="{task.pk}"]')).to_have_text("Sign the Globex contract")
    expect(prefill.locator("#prefill-days")).to_contain_text(f"{local_hhmm(day.started_at)}–…")
    facts = page.locator("textarea[name=facts]")
    expect(facts).to_have_value("- Sign the Globex contract")
    facts.fill("- Sign the Globex contract\n- Called Initech about the renewal")
    page.locator("textarea[name=results]").fill("Globex signed for two years")
    page.locator("textarea[name=emotions]").fill("Glad the long talks paid off")
    page.locator("textarea[name=plans]").fill("Send Globex the first invoice")
    screenshot("reports-flow-form")
    with page.expect_navigation():
        page.locator("#report-send").click()
    report = WorkReport.objects.get(author=rep)
    assert page.url.endswith(reverse("reports:report_detail", args=[report.pk]))
    assert (report.status, report.period_start, report.supervisor) == (ReportStatus.SENT, today, head)
    assert report.prefill["closed_tasks"][0]["id"] == task.pk
    expect(page.locator("#report-rating")).to_contain_text("Waiting for rating")
    expect(page.locator("#report-facts")).to_contain_text("Called Initech about the renewal")
    assert reports_badge(page) == 0  # nothing of his own is left to send today

    # 2. Sarah: the report waits for her, on the badge and on the dashboard.
    sign_in(page, live_server, head)
    assert reports_badge(page) == 1
    with page.expect_navigation():
        page.locator('#lumen-nav [data-nav="reports"]').click()
    assert page.url.endswith(reverse("reports:home"))
    expect(page.locator("#control-table tbody tr")).to_have_count(1)  # Rick, her only person
    today_cell = dashboard_cell(page, rep, "workday")
    expect(today_cell).to_contain_text(f"{local_hhmm(day.started_at)} · Working")
    expect(today_cell).to_have_attribute("data-signal", "amber" if day.is_late else "green")
    last_cell = dashboard_cell(page, rep, "last_report")
    expect(last_cell).to_contain_text("not rated")
    expect(last_cell).to_have_attribute("data-signal", "green")
    to_rate_cell = dashboard_cell(page, rep, "reports_waiting")
    expect(to_rate_cell).to_have_text("1")
    expect(to_rate_cell).to_have_attribute("data-signal", "amber")
    expect(page.locator("#control-summary")).to_contain_text("signal")  # at least the report to rate
    screenshot("reports-flow-dashboard")

    # One click on the cell opens the cause in place: Rick's report, with the rating buttons beside it...
    to_rate_cell.locator("a").click()
    detail = page.locator(f"tr.control-detail-row[data-for='{rep.pk}'] .control-detail")
    expect(detail.locator(f'[data-report="{report.pk}"]')).to_be_visible()
    expect(detail.locator("[data-rate='positive']")).to_be_visible()
    screenshot("reports-flow-dashboard-detail")
    # ...and the cell's link is the list behind it (a modifier click, or without JavaScript).
    page.goto(live_server.url + to_rate_cell.locator("a").get_attribute("href"))
    assert f"author={rep.pk}" in page.url and "status=sent" in page.url
    expect(page.locator("#report-results [data-report]")).to_have_count(1)
    expect(page.locator(f'#report-results [data-report="{report.pk}"]')).to_contain_text("Waiting for rating")

    # Her inbox lists it with the figures of his day; she opens the report itself to rate it.
    with page.expect_navigation():
        page.locator("#report-nav-to-rate").click()
    expect(page.locator("#to-rate-count")).to_have_text("1")
    row = page.locator(f"#report-row-{report.pk}")
    expect(row).to_contain_text("Rick Rep")
    expect(row).to_contain_text("Called Initech about the renewal")
    screenshot("reports-flow-inbox")
    with page.expect_navigation():
        row.get_by_role("link", name="Rick Rep").click()
    rating = page.locator("#report-rating")
    rating.locator("input[name=comment]").fill("Well done, Rick: a two-year contract!")
    with page.expect_response(lambda r: r.url.endswith("/rate/") and r.request.method == "POST"):
        rating.locator("#rate-positive").click()
    expect(rating).to_contain_text("Rated positive.")
    expect(rating.locator('[data-report-status="rated-positive"]')).to_have_text("Positive")
    expect(page.locator("#rate-form")).to_have_count(0)
    report.refresh_from_db()
    assert (report.status, report.rating, report.rated_by) == (ReportStatus.RATED, Rating.POSITIVE, head)
    assert report.rating_comment == "Well done, Rick: a two-year contract!"
    page.reload()
    assert reports_badge(page) == 0
    page.goto(live_server.url + reverse("reports:home"))
    expect(dashboard_cell(page, rep, "reports_waiting")).to_have_text("0")
    expect(dashboard_cell(page, rep, "last_report")).to_contain_text("Positive")

    # 3. Rick: the bell tells him, and the notification leads to the rated report.
    sign_in(page, live_server, rep)
    assert bell_badge(page) == bell_before + 1 == unread(rep)
    page.locator("#bell-toggle").click()
    first = page.locator("#bell-dropdown [data-notification]").first
    expect(first).to_contain_text("is rated positive")
    expect(first).to_contain_text("Well done, Rick")
    expect(first).to_have_class(re.compile(r"\blumen-notification-unread\b"))
    page.goto(live_server.url + reverse("notifications:list"))
    listed = page.locator("[data-notification]", has_text="is rated positive")
    expect(listed).to_have_count(1)
    with page.expect_navigation():
        listed.click()
    assert page.url.endswith(reverse("reports:report_detail", args=[report.pk]))
    expect(page.locator("#report-rating")).to_contain_text("Positive")
    expect(page.locator("#rating-comment")).to_contain_text("Well done, Rick: a two-year contract!")
    expect(page.locator("#report-edit")).to_have_count(0)  # rated: locked
    assert bell_badge(page) == bell_before  # opening it marked it read
    screenshot("reports-flow-rated")
    assert not js_errors
