"""The boards in a real browser: a Kanban drop (and a refused one going back), a "my plan" drag, a Gantt
bar dragged by two days shifting its dependant. Any unexpected JavaScript error fails the test."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tasks.choices import LinkKind, TaskStatus
from tasks.models import PlanCard, Task
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.people.factories import UserFactory
from tests.tasks.factories import TaskFactory, TaskLinkFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"


# frappe-gantt grows each bar (and its progress) in with an SVG <animate> from width 0, starting 0.1 s
# after the chart is drawn: the bars are settled once no animation is pending or running and every bar is
# drawn at its own width. A redraw (a view mode change, a saved drag) starts the animations again.
BARS_SETTLED = """() => {
    const bars = [...document.querySelectorAll('.gantt-container .bar-wrapper rect.bar')];
    const running = [...document.querySelectorAll('.gantt-container animate')].some((animation) => {
        let start;
        try { start = animation.getStartTime(); } catch (e) { return false; }  // no interval left: ended
        return animation.ownerSVGElement.getCurrentTime() < start + animation.getSimpleDuration();
    });
    return bars.length > 0 && !running && bars.every((bar) => bar.width.animVal.value === bar.width.baseVal.value);
}"""


def wait_for_bars(page) -> None:
    """Wait until the Gantt bars have grown to their final width."""
    page.wait_for_function(BARS_SETTLED)


def drawn_width(page, title: str) -> tuple[float, float]:
    """The width a bar shows on screen and the width it is meant to have."""
    return (
        page.locator(".bar-wrapper", has_text=title)
        .locator("rect.bar")
        .evaluate("(bar) => [bar.getBoundingClientRect().width, bar.width.baseVal.value]")
    )


@pytest.fixture
def me(db):
    return UserFactory(email="anna@acme.test", first_name="Anna", last_name="Berg")


def test_kanban_drop_changes_the_status_and_a_refused_drop_goes_back(
    page, live_server, login, screenshot, me, js_errors
):
    TaskFactory(responsible=me, creator=me, title="Move me", status=TaskStatus.PENDING)
    TaskFactory(responsible=me, creator=me, title="Stay new", status=TaskStatus.NEW)
    login(page, live_server, me.email, PASSWORD)
    page.goto(live_server.url + reverse("tasks:kanban"))

    card = page.locator(".board-card", has_text="Move me")
    with page.expect_response(lambda r: "/status/" in r.url and r.status == 200):
        card.drag_to(page.locator('.board-cards[data-status="in_progress"]'))
    expect(
        page.locator('.board-cards[data-status="in_progress"] .board-card', has_text="Move me")
    ).to_have_count(1)
    assert Task.objects.get(title="Move me").status == TaskStatus.IN_PROGRESS

    # New -> awaiting control is no transition: the server refuses, the card goes back, a toast says why.
    card = page.locator(".board-card", has_text="Stay new")
    with page.expect_response(lambda r: "/status/" in r.url and r.status == 400):
        card.drag_to(page.locator('.board-cards[data-status="awaiting_control"]'))
    expect(page.locator('.board-cards[data-status="new"] .board-card', has_text="Stay new")).to_have_count(1)
    expect(page.locator("[data-board-toast]")).to_contain_text("cannot go from")
    assert Task.objects.get(title="Stay new").status == TaskStatus.NEW
    screenshot("tasks-kanban")
    js_errors.clear()  # the browser logs the refused request (400) as a console error


def test_plan_drag_places_a_card(page, live_server, login, me):
    TaskFactory(responsible=me, title="Plan me")
    login(page, live_server, me.email, PASSWORD)
    page.goto(live_server.url + reverse("tasks:plan"))

    columns = page.locator(".plan-column")
    expect(columns).to_have_count(4)
    today = page.locator(".plan-column", has_text="Today").locator(".plan-cards")
    with page.expect_response(lambda r: "/move/" in r.url and r.status == 200):
        page.locator(".board-card", has_text="Plan me").drag_to(today)
    card = PlanCard.objects.get(user=me)
    assert card.column.name == "Today" and card.position == 0
    expect(today.locator('.board-card[data-placed="1"]')).to_have_count(1)


def test_gantt_drag_moves_the_task_by_days_and_shifts_its_dependant(page, live_server, login, screenshot, me):
    group = WorkgroupFactory(name="Launch")
    MembershipFactory(group=group, user=me)
    nine = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    first = TaskFactory(
        creator=me,
        responsible=me,
        group=group,
        title="Design",
        planned_start=nine,
        planned_end=nine + datetime.timedelta(days=3),
    )
    second = TaskFactory(
        creator=me,
        responsible=me,
        group=group,
        title="Build",
        planned_start=nine + datetime.timedelta(days=3),
        planned_end=nine + datetime.timedelta(days=5),
    )
    TaskLinkFactory(predecessor=first, successor=second, kind=LinkKind.FINISH_TO_START)
    login(page, live_server, me.email, PASSWORD)
    page.goto(live_server.url + reverse("tasks:gantt") + f"?group={group.pk}")
    expect(page.locator("#gantt-frame[data-loaded='1']")).to_have_count(1)
    page.locator('#gantt-modes [data-mode="Day"]').click()
    expect(page.locator(".gantt-name")).to_have_count(2)
    wait_for_bars(page)

    bar = page.locator(".bar-wrapper", has_text="Design").locator(".bar").bounding_box()
    column = page.evaluate(
        "() => document.querySelector('.gantt-container').style.getPropertyValue('--gv-column-width')"
    )
    step = float(column.replace("px", ""))
    x, y = bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2
    with page.expect_response(lambda r: "/reschedule/" in r.url and r.status == 200):
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + step, y, steps=5)
        page.mouse.move(x + 2 * step, y, steps=5)
        page.mouse.up()
    expect(page.locator("#gantt-frame[data-saved='1']")).to_have_count(1)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.planned_start == nine + datetime.timedelta(days=2)  # whole days, the time of day kept
    assert first.planned_end == nine + datetime.timedelta(days=5)
    assert second.planned_start == nine + datetime.timedelta(days=5)  # shifted after it
    # Saving redraws the chart, and the bars grow in again: the screenshot waits for their final width.
    wait_for_bars(page)
    shown, meant = drawn_width(page, "Build")
    assert meant > 0 and shown == pytest.approx(meant, abs=0.5)
    screenshot("tasks-gantt")
