"""The absence chart in Chromium: a department of twelve people with overlapping vacations, a sick leave, a trip
and a holiday this month; the bars sit on their days of the grid drawn once behind the rows, in their types'
colours; a click on a bar opens its details; the department filter swaps the chart in place; at phone width the
chart scrolls inside its box and the page does not widen. Takes the screenshots of the chart (desktop and 375 px)
and of a bar's details."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from portal.workflows.models import Absence
from tests.people.factories import DepartmentFactory, UserFactory
from tests.workflows.factories import AbsenceFactory, HolidayFactory
from tests.workflows.test_absences import absence_types

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"
NAMES = [
    ("Anna", "Berg"), ("Boris", "Chen"), ("Clara", "Diaz"), ("Daniel", "Evans"), ("Elena", "Fischer"),
    ("Farid", "Garcia"), ("Greta", "Holm"), ("Hugo", "Ivanov"), ("Irina", "Jones"), ("Jonas", "Klein"),
    ("Kira", "Lopez"), ("Leo", "Martin"),
]  # fmt: skip


def _day(month_start: datetime.date, day: int) -> datetime.date:
    return month_start.replace(day=min(day, 28))


@pytest.fixture
def design(org):
    """The Design department (12 people) with this month's absences, some overlapping in time."""
    kinds = absence_types()
    first = timezone.localdate().replace(day=1)
    design = DepartmentFactory(name="Design", parent=org.root)
    people = [
        UserFactory(
            first_name=first_name,
            last_name=last_name,
            department=design,
            email=f"{first_name.lower()}@acme.test",
        )
        for first_name, last_name in NAMES
    ]
    HolidayFactory(date=_day(first, 12), name="Company day")
    plan = [
        (0, "vacation", 3, 14, "Sea"),
        (1, "vacation", 10, 21, ""),
        (2, "vacation", 12, 25, ""),
        (3, "sick", 5, 8, "flu"),
        (5, "trip", 17, 19, "Client visit in Oslo"),
        (6, "vacation", 1, 9, ""),
        (8, "dayoff", 15, 15, ""),
        (9, "vacation", 20, 28, ""),
        (11, "trip", 2, 4, ""),
    ]
    for index, key, start, end, comment in plan:
        AbsenceFactory(
            user=people[index],
            type=kinds[key],
            start=_day(first, start),
            end=_day(first, end),
            comment=comment,
        )
    return design, people


def _shot(screenshot, name: str, **kwargs) -> Path:
    """A screenshot under var/screenshots/ (the browser plugin's folder) to look at."""
    return screenshot(name, **kwargs)


def test_open_the_chart_and_a_bars_details(page, live_server, login, screenshot, org, design):
    department, people = design
    login(page, live_server, people[4].email, PASSWORD)
    page.goto(f"{live_server.url}{reverse('workflows:absence_chart')}?department={department.pk}")
    rows = page.locator("#wf-chart .wf-rows > li")
    expect(rows).to_have_count(12)
    bar_count = Absence.objects.filter(user__department=department).count()
    expect(page.locator("#wf-chart .wf-bar")).to_have_count(bar_count)
    # The bars took their types' colours (one rule per type set by absence_chart.js: no style attributes under
    # the policy), white text on the dark green, dark text on a light colour.
    vacation = Absence.objects.get(user=people[0])
    vacation_bar = page.locator(f'.wf-bar[data-absence="{vacation.pk}"]')
    assert vacation_bar.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(25, 135, 84)"
    assert vacation_bar.evaluate("el => getComputedStyle(el).color") == "rgb(255, 255, 255)"
    sick_bar = page.locator(f'.wf-bar[data-absence="{Absence.objects.get(user=people[3]).pk}"]')
    assert sick_bar.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(173, 181, 189)"
    assert sick_bar.evaluate("el => getComputedStyle(el).color") == "rgb(33, 37, 41)"
    expect(page.locator("#wf-chart .wf-head .wf-today")).to_have_count(1)
    # Each bar starts and ends on its days' columns (the header's and the layer's), in its person's row.
    first = timezone.localdate().replace(day=1)
    geometry = page.evaluate(
        """([pk, start, end]) => {
            const box = (el) => el.getBoundingClientRect();
            const days = document.querySelectorAll('#wf-chart .wf-head .wf-day');
            const layer = document.querySelectorAll('#wf-chart .wf-layer .wf-day');
            const bar = document.querySelector(`.wf-bar[data-absence="${pk}"]`);
            const row = bar.closest('li');
            return {bar: box(bar), from: box(days[start]), to: box(days[end]), under: box(layer[start]),
                    row: box(row), body: box(document.querySelector('#wf-chart .wf-body'))};
        }""",
        [vacation.pk, (vacation.start - first).days, (vacation.end - first).days],
    )
    bar, start_day, end_day = geometry["bar"], geometry["from"], geometry["to"]
    assert (
        abs(bar["x"] - start_day["x"]) <= 2
        and abs(bar["x"] + bar["width"] - end_day["x"] - end_day["width"]) <= 2
    )
    assert (
        abs(geometry["under"]["x"] - start_day["x"]) < 1
        and abs(geometry["under"]["width"] - start_day["width"]) < 1
    )
    assert (
        geometry["row"]["y"] <= bar["y"]
        and bar["y"] + bar["height"] <= geometry["row"]["y"] + geometry["row"]["height"]
    )
    assert abs(geometry["under"]["height"] - geometry["body"]["height"]) < 1  # the layer spans every row
    _shot(screenshot, "workflows-absence-chart", full_page=False)

    trip = Absence.objects.get(user=people[5])
    with page.expect_response(lambda r: f"/absences/{trip.pk}/" in r.url and r.status == 200):
        page.locator(f'.wf-bar[data-absence="{trip.pk}"]').click()
    modal = page.locator("#wf-absence-modal")
    expect(modal).to_be_visible()
    expect(modal.locator("#wf-absence-detail-title")).to_contain_text("Business trip")
    expect(modal).to_contain_text("Farid Garcia")
    expect(modal).not_to_contain_text("Client visit in Oslo")  # a colleague does not see the comment
    page.wait_for_function(
        "() => getComputedStyle(document.getElementById('wf-absence-modal')).opacity === '1'"
    )
    _shot(screenshot, "workflows-absence-detail", full_page=False)
    modal.locator(".btn-close").click()
    expect(modal).to_be_hidden()

    # A colleague sees the sick leave as "Absent".
    sick = Absence.objects.get(user=people[3])
    expect(page.locator(f'.wf-bar[data-absence="{sick.pk}"]')).to_have_text("Absent")

    # The quarter view: three months of narrower days, the same rows and bars.
    with page.expect_response(lambda r: "view=quarter" in r.url and r.status == 200):
        page.locator("#id_view").select_option("quarter")
    expect(page.locator("#wf-chart .wf-head .wf-month")).to_have_count(3)
    expect(rows).to_have_count(12)
    expect(page.locator("#wf-chart .wf-bar")).to_have_count(bar_count)
    assert page.locator("#wf-chart .wf-layer .wf-day").count() in (90, 91, 92)
    _shot(screenshot, "workflows-absence-chart-quarter", full_page=False)
    with page.expect_response(lambda r: "view=month" in r.url and r.status == 200):
        page.locator("#id_view").select_option("month")

    # The department filter swaps the chart in place (Sales: its five people, with its sub-departments).
    with page.expect_response(lambda r: "/workflows/absences/" in r.url and r.status == 200):
        page.locator("#id_department").select_option(str(org.sales.pk))
    expect(rows).to_have_count(5)
    assert f"department={org.sales.pk}" in page.url


def test_the_chart_at_phone_width(page, live_server, login, screenshot, org, design):
    department, people = design
    page.set_viewport_size({"width": 375, "height": 812})
    login(page, live_server, people[0].email, PASSWORD)
    page.goto(f"{live_server.url}{reverse('workflows:absence_chart')}?department={department.pk}")
    expect(page.locator("#wf-chart .wf-rows > li")).to_have_count(12)
    # The page keeps the phone's width; the chart scrolls sideways in its own box, the names stay in view.
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth + 1")
    scroller = page.locator(".wf-chart-scroll")
    assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
    scroller.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    name = page.locator("#wf-chart .wf-rows .wf-name").first
    box, frame = name.bounding_box(), scroller.bounding_box()
    assert abs(box["x"] - frame["x"]) < 3  # sticky: still at the left edge after scrolling
    scroller.evaluate("el => { el.scrollLeft = 0; }")
    _shot(screenshot, "workflows-absence-chart-phone", full_page=False)


@pytest.mark.parametrize(
    "name, url",
    [
        ("list", "workflows:absence_list"),
        ("add", "workflows:absence_create"),
        ("allowances", "workflows:allowance_list"),
        ("holidays", "workflows:holiday_list"),
        ("deputies", "workflows:deputy_list"),
        ("types", "workflows:absence_types"),
    ],
)
def test_the_other_absence_pages_fit_a_phone(page, live_server, login, screenshot, org, design, name, url):
    from portal.workflows.models import ProcessRole

    ProcessRole.objects.get_or_create(key="hr", defaults={"name": "HR"})[0].members.add(org.admin)
    page.set_viewport_size({"width": 375, "height": 812})
    login(page, live_server, org.admin.email, PASSWORD)
    page.goto(live_server.url + reverse(url))
    expect(page.locator("main h1")).to_be_visible()
    _shot(screenshot, f"workflows-absences-{name}-phone")
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth + 1"), name
