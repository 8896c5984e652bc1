"""The feeds in Chromium, with real Absence and Holiday rows: choosing a responsible person who is away on the
deadline warns on the task form (htmx, no inline script), and the warning goes when the deadline moves past
their return; the directory, the control dashboard and the timesheet show who is away and the holiday. Takes
the screenshots of those pages at desktop and phone width."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.plugins.browser import PHONE, htmx_settled
from tests.workflows.factories import AbsenceFactory, AbsenceTypeFactory, HolidayFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"


@pytest.fixture
def away(org):
    """field_rep is on vacation from today for five days; the 1st of next month is a public holiday."""
    today = timezone.localdate()
    kind = AbsenceTypeFactory(key="vacation", name="Vacation", counts_allowance=True)
    absence = AbsenceFactory(
        user=org.field_rep, type=kind, start=today, end=today + datetime.timedelta(days=4)
    )
    first = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    HolidayFactory(date=first, name="Founders' day", kind="holiday")
    return absence


def pick_person(page, box: str, person) -> None:
    page.fill(f"#{box}", person.last_name[:3])
    page.locator(f'#{box}-listbox [role=option][data-value="{person.pk}"]').click()
    expect(
        page.locator(f'[data-chip-picker]:has(#{box}) [data-chip][data-value="{person.pk}"]')
    ).to_have_count(1)


def test_the_task_form_warns_about_an_absent_responsible(page, live_server, login, screenshot, org, away):
    login(page, live_server, org.east_rep.email, PASSWORD)
    page.goto(live_server.url + reverse("tasks:create"))
    warning = page.locator("#task-away [data-away]")
    expect(warning).to_have_count(0)  # the author is the responsible person by default, and not away
    pick_person(page, "id_responsible", org.field_rep)
    expect(warning).to_have_attribute("data-away", str(org.field_rep.pk))
    until = away.end.strftime("%-d %b")
    expect(warning).to_contain_text(f"is away (vacation) until {until}")
    htmx_settled(page)
    screenshot("feeds-task-form")
    # A deadline after their return: no warning; back within the absence: the warning again.
    later = timezone.localtime() + datetime.timedelta(days=10)
    page.fill("#id_deadline", later.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_deadline").dispatch_event("change")
    expect(warning).to_have_count(0)
    sooner = timezone.localtime() + datetime.timedelta(days=2)
    page.fill("#id_deadline", sooner.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_deadline").dispatch_event("change")
    expect(warning).to_have_count(1)
    htmx_settled(page)
    page.set_viewport_size(PHONE)
    page.locator("#task-away").scroll_into_view_if_needed()
    screenshot("feeds-task-form-phone", full_page=False)


def test_the_directory_dashboard_and_timesheet_show_absences_and_holidays(
    page, live_server, login, screenshot, org, away
):
    login(page, live_server, org.sales_head.email, PASSWORD)
    page.goto(live_server.url + reverse("people:directory"))
    expect(page.locator(f'[data-away="{org.field_rep.pk}"]')).to_contain_text("Vacation until")
    screenshot("feeds-directory")
    page.goto(live_server.url + reverse("reports:home") + "?subtree=1")
    row = page.locator(f'#control-table tr[data-person="{org.field_rep.pk}"]')
    today = row.locator("td").first  # the "Today" column comes first
    expect(today).to_contain_text("Absent (Vacation) until")
    expect(today).to_have_attribute("data-signal", "green")
    screenshot("feeds-dashboard")
    month = HolidayFactory._meta.model.objects.get().date.strftime("%Y-%m")
    page.goto(live_server.url + reverse("reports:timesheet") + f"?person={org.field_rep.pk}&month={month}")
    expect(page.locator('[data-mark="holiday"]')).to_have_count(1)
    screenshot("feeds-timesheet")
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("people:profile", args=[org.field_rep.pk]))
    expect(page.locator("#profile-away")).to_contain_text("Vacation until")
    screenshot("feeds-profile-phone", full_page=False)
