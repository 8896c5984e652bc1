"""Approvals in Chromium.

An employee requests leave in the browser; their supervisor's "Approvals" badge counts it live, they open
"waiting for me" from it and approve in one click; the badge goes down live and the absence is on the chart.
Runs against the real ASGI server (`asgi_live_server`: HTTP and websockets) on the PostgreSQL test database.

Also the screenshots (desktop and phone) of a request's page with its route picture, of the approvals home page
and of the payment register, each checked for no sideways scrolling at phone width.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from playwright.sync_api import expect

from portal.workflows.models import Absence, AbsenceType, Process, ProcessRole, ProcessTemplate
from portal.workflows.services.processes import process_act, process_start
from tests.people.factories import UserFactory
from tests.plugins.browser import DESKTOP, PHONE, htmx_settled
from tests.workflows.factories import process_laid

pytestmark = [pytest.mark.browser]
PASSWORD = "pass-word-123"
LIVE_TIMEOUT = 10_000
# Counts the frames of the page's live socket (/ws/live/) so that a test can wait until it is connected.
LIVE_PROBE = "document.addEventListener('lumen:live', function () { window.__lumenLive = (window.__lumenLive || 0) + 1; });"


@pytest.fixture
def boss_page(browser, js_errors, csp_watch):
    """The supervisor's browser: a context of its own (own cookies) whose live socket reaches the server."""
    context = browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(LIVE_TIMEOUT)
    csp_watch(context)
    context.add_init_script(LIVE_PROBE)
    other = context.new_page()
    other.on("console", lambda m: m.type == "error" and js_errors.append(f"console error (boss): {m.text}"))
    other.on("pageerror", lambda exc: js_errors.append(f"uncaught (boss): {exc}"))
    yield other
    context.close()


def _wait_live(page) -> None:
    page.wait_for_function("() => (window.__lumenLive || 0) > 0", timeout=LIVE_TIMEOUT)


def _next_monday(days: int) -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


@pytest.mark.postgres
def test_a_leave_request_is_approved_from_the_live_counter(
    asgi_live_server, page, boss_page, login, screenshot, org
):
    leave = ProcessTemplate.objects.get(key="leave")
    vacation = AbsenceType.objects.get(key="vacation")
    start = _next_monday(21)
    end = start + datetime.timedelta(days=4)
    # The employee's page talks to the real server's socket too (the fixture's stand-in is for WSGI).
    page.context.route_web_socket(re.compile(r"/ws/"), lambda socket: socket.connect_to_server())

    login(boss_page, asgi_live_server, org.east_head.email, PASSWORD)
    boss_page.goto(f"{asgi_live_server.url}{reverse('workflows:home')}")
    _wait_live(boss_page)
    badge = boss_page.locator('#lumen-nav [data-counter-slot="workflows"]')
    expect(badge).to_be_hidden()
    expect(boss_page.locator("#wf-waiting-empty")).to_be_visible()

    # The employee asks for a week off.
    login(page, asgi_live_server, org.east_rep.email, PASSWORD)
    page.goto(f"{asgi_live_server.url}{reverse('workflows:home')}")
    page.locator(f'.wf-start-card[data-template="{leave.pk}"]').click()
    expect(page.locator("#wf-balance")).to_contain_text("Vacation left")
    page.locator("#wf-field-absence_type").select_option(str(vacation.pk))
    page.locator("#wf-field-period_0").fill(start.isoformat())
    page.locator("#wf-field-period_1").fill(end.isoformat())
    expect(page.locator("#wf-balance")).to_contain_text("this request: 5 working days")
    page.locator("#wf-field-comment").fill("Family trip")
    page.locator("#wf-submit").click()
    expect(page.locator("#wf-route")).to_be_visible()
    process = Process.objects.get(requester=org.east_rep, kind="leave")
    current = page.locator('#wf-route [data-state="current"]')
    expect(current).to_contain_text(str(org.east_head))
    expect(current).to_contain_text("Waiting for:")

    # The supervisor's badge counts it, live; it leads to "waiting for me".
    expect(badge).to_have_text("1", timeout=LIVE_TIMEOUT)
    expect(boss_page.locator("#wf-waiting-count")).to_have_text("1")
    boss_page.locator('#lumen-nav [data-nav="workflows"]').click()
    row = boss_page.locator(f"#wf-waiting-{process.pk}")
    expect(row).to_contain_text(str(org.east_rep))
    _wait_live(boss_page)
    htmx_settled(boss_page)
    row.locator("[data-approve]").click()
    expect(boss_page.locator(f'#wf-waiting-{process.pk} [data-act-done="approve"]')).to_be_visible()
    expect(badge).to_be_hidden(timeout=LIVE_TIMEOUT)

    process.refresh_from_db()
    assert process.status == "approved"
    absence = Absence.objects.get(process=process)
    assert (absence.user, absence.type, absence.start, absence.end) == (org.east_rep, vacation, start, end)

    # The requester's page shows the route done; the absence is on the chart.
    page.reload()
    expect(page.locator('#wf-route [data-state="done"]')).to_have_count(1)  # the supervisor's step
    expect(page.locator('#wf-route [data-state="informed"]')).to_have_count(1)  # HR, for information
    expect(page.locator('#wf-route [data-state="end"]')).to_contain_text("Approved")
    try:
        chart = reverse("workflows:absence_chart")
    except NoReverseMatch:
        return
    boss_page.goto(f"{asgi_live_server.url}{chart}?month={start:%Y-%m}")
    expect(boss_page.locator(f'a.wf-bar[data-absence="{absence.pk}"]')).to_be_visible()

    # And in the person's timesheet of that month, as their supervisor reads it: the days away are marked.
    timesheet = reverse("reports:timesheet")
    boss_page.goto(f"{asgi_live_server.url}{timesheet}?person={org.east_rep.pk}&month={start:%Y-%m}")
    marks = boss_page.locator('[data-mark="absence"]')
    expect(marks.first).to_contain_text("Vacation")
    in_month = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    assert marks.count() == sum(1 for day in in_month if day.month == start.month)


# --- screenshots -------------------------------------------------------------------------------------------


def _pdf(name):
    return SimpleUploadedFile(name, b"%PDF-1.4\n% test\n", content_type="application/pdf")


def _fits_the_phone(page) -> bool:
    return page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth + 1")


def test_screenshots_of_the_route_the_home_page_and_the_register(live_server, page, login, screenshot, org):
    accountant = UserFactory(
        email="books@acme.test", first_name="Bella", last_name="Books", department=org.it
    )
    ProcessRole.objects.get(key="accountant").members.add(accountant)
    cfo = UserFactory(email="cfo@acme.test", first_name="Carl", last_name="Finch", department=org.root)
    ProcessRole.objects.get(key="cfo").members.add(cfo)
    payment = ProcessTemplate.objects.get(key="payment")
    big = process_start(
        actor=org.east_rep,
        template=payment,
        data={
            "counterparty": "Steel Works Ltd",
            "amount": {"amount": "250000", "currency": "EUR"},
            "purpose": "Steel for the new warehouse",
            "due_date": "2030-03-31",
        },
        uploads={"invoice": [_pdf("invoice-2030-017.pdf")]},
    )
    process_act(actor=org.east_head, process=big, action="approve", comment="Agreed with the plan.")
    small = process_start(
        actor=org.field_rep,
        template=payment,
        data={
            "counterparty": "Paper & Co",
            "amount": {"amount": "1200", "currency": "USD"},
            "purpose": "Paper",
            "due_date": "2030-02-28",
        },
        uploads={"invoice": [_pdf("paper.pdf")]},
    )
    # the waiting list of east_head, and two approved payments for the register
    process_start(
        actor=org.east_rep,
        template=ProcessTemplate.objects.get(key="leave"),
        data={
            "absence_type": AbsenceType.objects.get(key="vacation").pk,
            "period": {"start": "2030-07-01", "end": "2030-07-12"},
        },
    )
    for amount, currency, who in (
        ("980.00", "USD", "Cloud Hosting"),
        ("45000.00", "EUR", "Office Rent GmbH"),
    ):
        laid = process_laid(
            requester=org.east_rep,
            template=payment,
            status="approved",
            counterparty=who,
            title=f"{payment.name}: {who}",
        )
        Process.objects.filter(pk=laid.pk).update(
            amount=Decimal(amount), amount_currency=currency, due_date="2030-02-15", current_step=None
        )

    login(page, live_server, org.east_rep.email, PASSWORD)
    page.goto(live_server.url + big.get_absolute_url())
    expect(page.locator('#wf-route [data-state="current"]')).to_contain_text(str(cfo))
    expect(page.locator('#wf-route [data-state="done"]')).to_have_count(1)
    screenshot("workflows-route")
    page.set_viewport_size(PHONE)
    page.reload()
    screenshot("workflows-route-phone")
    assert _fits_the_phone(page)

    # The expense report's lines: a row added in place, their total counted into the amount.
    page.set_viewport_size(DESKTOP)
    page.goto(
        live_server.url
        + reverse("workflows:process_start", args=[ProcessTemplate.objects.get(key="expense").pk])
    )
    lines = page.locator('[data-lines="lines"]')
    lines.locator("[data-add-line]").click()
    expect(lines.locator("[data-line]")).to_have_count(2)
    for n, (day, what, amount) in enumerate(
        (("2030-01-10", "Taxi to the airport", "12.30"), ("2030-01-11", "Hotel", "2"))
    ):
        page.locator(f"#id_lines-{n}-date").fill(day)
        page.locator(f"#id_lines-{n}-description").fill(what)
        page.locator(f"#id_lines-{n}-amount").fill(amount)
        page.locator(f"#id_lines-{n}-currency").select_option("EUR")
    expect(lines.locator("[data-lines-sum]")).to_have_text("14.30 EUR")
    expect(page.locator("#wf-field-amount_0")).to_have_value("14.30")
    screenshot("workflows-expense-form")
    page.set_viewport_size(PHONE)
    screenshot("workflows-expense-form-phone")
    assert _fits_the_phone(page)
    page.set_viewport_size(DESKTOP)
    page.locator("#wf-submit").click()
    expect(page.locator("#wf-route")).to_be_visible()
    expense = Process.objects.get(kind="expense")
    assert str(expense.amount.amount) == "14.30" and len(expense.data["lines"]) == 2

    page.context.clear_cookies()
    login(page, live_server, org.east_head.email, PASSWORD)
    page.goto(live_server.url + reverse("workflows:home"))
    expect(page.locator(f"#wf-waiting-{small.pk}")).to_be_visible()
    page.locator(f"#wf-waiting-{small.pk} [data-open-decline]").click()
    expect(page.locator(f"#wf-decide-{small.pk}")).to_have_class(re.compile(r"\bcollapse show\b"))
    expect(page.locator(f"#wf-decide-{small.pk} textarea")).to_be_visible()
    screenshot("workflows-home")
    page.set_viewport_size(PHONE)
    page.reload()
    screenshot("workflows-home-phone")
    assert _fits_the_phone(page)
    page.goto(live_server.url + reverse("workflows:process_list") + "?scope=all")
    expect(page.locator(f'#wf-process-table [data-process="{big.pk}"]')).to_be_visible()
    screenshot("workflows-list-phone")
    assert _fits_the_phone(page)
    page.set_viewport_size(DESKTOP)
    page.locator("#wf-q").fill("steel")
    expect(page.locator("#wf-process-table [data-process]")).to_have_count(1)
    screenshot("workflows-list")

    page.set_viewport_size(DESKTOP)
    page.context.clear_cookies()
    login(page, live_server, accountant.email, PASSWORD)
    page.goto(live_server.url + reverse("workflows:payment_register"))
    expect(page.locator("#wf-totals [data-total]")).to_have_count(2)
    screenshot("workflows-register")
    page.set_viewport_size(PHONE)
    page.reload()
    screenshot("workflows-register-phone")
    assert _fits_the_phone(page)
    # mark one paid from the register (htmx), the row says so
    first = page.locator("#wf-register-table [data-payment]").first
    first.locator("[data-mark-paid]").click()
    expect(first.locator("[data-paid-at]")).to_be_visible()
