"""The Gantt chart in a real browser (issue 13, bug 4): week columns start on the language's first day of the
week whatever the tasks' dates, and a bar dragged past its task's deadline is saved with a visible warning
naming the deadline and drawn in the "ends after the deadline" style that the legend explains."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from tasks.models import Task
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.people.factories import UserFactory
from tests.tasks.factories import TaskFactory
from tests.tasks.test_browser_boards import PASSWORD, wait_for_bars

pytestmark = pytest.mark.browser

SUNDAY, MONDAY = 6, 0  # Python's weekday()


def _month_before(day: datetime.date) -> datetime.date:
    """What frappe-gantt takes as its padding start: the same day number one month earlier."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    try:
        return day.replace(year=year, month=month)
    except ValueError:  # 31 March -> "31 February" rolls over as JavaScript's Date does
        return datetime.date(year, month, 1) + datetime.timedelta(days=day.day - 1)


def _awkward_start(after: datetime.date) -> datetime.date:
    """A day whose month-before falls on neither a Sunday nor a Monday: without aligning, the chart's week
    columns would start there."""
    day = after
    while _month_before(day).weekday() in (SUNDAY, MONDAY):
        day += datetime.timedelta(days=1)
    return day


def _chart(page, live_server, group) -> datetime.date:
    page.goto(live_server.url + reverse("tasks:gantt") + f"?group={group.pk}")
    expect(page.locator("#gantt-frame[data-loaded='1']")).to_have_count(1)
    expect(page.locator("#gantt-modes [data-mode='Week'].active")).to_have_count(1)
    start = datetime.date.fromisoformat(page.locator("#gantt-frame").get_attribute("data-chart-start"))
    # The first week column is labelled from that day.
    first_label = page.locator(".gantt-container .lower-text").first.inner_text()
    assert int(first_label.split()[0]) == start.day, first_label
    return start


def _task(me, group, title: str, start: datetime.date, days: int = 3, **kwargs) -> Task:
    moment = datetime.datetime.combine(start, datetime.time(9), tzinfo=datetime.UTC)
    return TaskFactory(
        creator=me,
        responsible=me,
        group=group,
        title=title,
        planned_start=moment,
        planned_end=moment + datetime.timedelta(days=days),
        **kwargs,
    )


@pytest.fixture
def me(db):
    return UserFactory(email="weeks@acme.test", first_name="Vera", last_name="Week", language="en")


@pytest.fixture
def launch(me):
    group = WorkgroupFactory(name="Launch")
    MembershipFactory(group=group, user=me)
    return group


def test_weeks_start_on_the_languages_first_day_whatever_the_data(
    page, live_server, login, screenshot, me, launch, js_errors
):
    today = timezone.now().date()
    first = _awkward_start(today + datetime.timedelta(days=2))
    _task(me, launch, "Survey", first)
    login(page, live_server, me.email, PASSWORD)

    # English (en-US): weeks start on Sunday.
    start = _chart(page, live_server, launch)
    assert start.weekday() == SUNDAY and start <= first - datetime.timedelta(days=28)
    # An earlier task on another weekday moves the chart's start, never the weekday the weeks start on.
    earlier = _awkward_start(first - datetime.timedelta(days=5))
    if earlier >= first:
        earlier = first - datetime.timedelta(days=3)
    _task(me, launch, "Kick-off", earlier, days=1)
    again = _chart(page, live_server, launch)
    assert again.weekday() == SUNDAY and again <= earlier
    # The same data loaded twice gives the same columns.
    assert _chart(page, live_server, launch) == again
    screenshot("tasks-gantt-weeks-en")

    # Russian (like German and British English): weeks start on Monday.
    me.language = "ru"
    me.save(update_fields=["language"])
    start = _chart(page, live_server, launch)
    assert start.weekday() == MONDAY and start <= earlier
    screenshot("tasks-gantt-weeks-ru")
    assert js_errors == []


def test_dragging_a_bar_past_its_deadline_warns_and_marks_the_bar(
    page, live_server, login, screenshot, me, launch, js_errors
):
    day = timezone.now().date() + datetime.timedelta(days=3)
    task = _task(me, launch, "Print the flyers", day, days=2)
    deadline = task.planned_end + datetime.timedelta(days=1)
    Task.objects.filter(pk=task.pk).update(deadline=deadline)
    _task(me, launch, "Book the hall", day, days=1, deadline=task.planned_end + datetime.timedelta(days=5))
    login(page, live_server, me.email, PASSWORD)
    page.goto(live_server.url + reverse("tasks:gantt") + f"?group={launch.pk}")
    expect(page.locator("#gantt-frame[data-loaded='1']")).to_have_count(1)
    page.locator('#gantt-modes [data-mode="Day"]').click()
    wait_for_bars(page)
    expect(page.locator("#gantt-legend-late")).to_be_visible()
    expect(page.locator("#gantt-deadline-warning")).to_be_hidden()
    expect(page.locator(".bar-wrapper.lumen-bar-late")).to_have_count(0)

    bar = page.locator(".bar-wrapper", has_text="Print the flyers").locator(".bar").bounding_box()
    column = page.evaluate(
        "() => document.querySelector('.gantt-container').style.getPropertyValue('--gv-column-width')"
    )
    step = float(column.replace("px", ""))
    x, y = bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2
    with page.expect_response(lambda r: "/reschedule/" in r.url and r.status == 200):
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 1.5 * step, y, steps=5)
        page.mouse.move(x + 3 * step, y, steps=5)
        page.mouse.up()
    expect(page.locator("#gantt-frame[data-saved='1']")).to_have_count(1)

    task.refresh_from_db()
    assert task.planned_end == deadline + datetime.timedelta(days=2)  # saved: the warning does not block
    with translation.override("en"):
        shown_deadline = formats.date_format(timezone.localtime(deadline), "SHORT_DATETIME_FORMAT")
    warning = page.locator("#gantt-deadline-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("after the task's deadline")
    expect(warning).to_contain_text(shown_deadline)
    expect(page.locator(".bar-wrapper.lumen-bar-late", has_text="Print the flyers")).to_have_count(1)
    expect(page.locator(".bar-wrapper.lumen-bar-late", has_text="Book the hall")).to_have_count(0)
    wait_for_bars(page)
    screenshot("tasks-gantt-past-deadline")

    # Loaded afresh, the bar keeps its mark (the server sends it).
    page.reload()
    expect(page.locator("#gantt-frame[data-loaded='1']")).to_have_count(1)
    expect(page.locator(".bar-wrapper.lumen-bar-late", has_text="Print the flyers")).to_have_count(1)
    assert js_errors == []
