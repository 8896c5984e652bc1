"""A task's whole life in a real browser, the way people use it.

A head of department sets a task for a subordinate through the form (with control after completion, a
deadline and planned dates), adds a subtask and a finish-to-start link on the task page; the subordinate
sees the task counters in the navigation, completes the subtask and then the task, which goes to "awaiting
control"; the head's badge goes up, the head accepts the result and the badge goes down; then the head
drags the task on the Gantt chart (its dependant shifts) and a card on the Kanban. Screenshots of the list,
the task page, the Kanban and the Gantt land in var/screenshots/tasks-flow-*.png.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.plugins.browser import htmx_settled, login
from tests.tasks.test_browser_boards import wait_for_bars

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"
MINUTE_FORMAT = "%Y-%m-%dT%H:%M"  # what a datetime-local input takes


@pytest.fixture
def company(transactional_db):
    """Sales (head: Sarah) with Rick in it; each already has one task, so the badges start above zero."""
    from portal.notifications.counters import counters_rebuild_all
    from tasks.choices import TaskStatus
    from tests.people.factories import DepartmentFactory, UserFactory
    from tests.tasks.factories import TaskFactory

    root = DepartmentFactory(name="Acme")
    sales = DepartmentFactory(name="Sales", parent=root)
    head = UserFactory(
        email="sarah.head@acme.test", first_name="Sarah", last_name="Head", department=sales, position="Head"
    )
    sales.head = head
    sales.save(update_fields=["head"])
    rep = UserFactory(email="rick.rep@acme.test", first_name="Rick", last_name="Rep", department=sales)

    day = timezone.localdate() + datetime.timedelta(days=5)
    at = lambda days, hour: timezone.make_aware(  # noqa: E731
        datetime.datetime.combine(day + datetime.timedelta(days=days), datetime.time(hour))
    )
    # Linked later after the new task (finish-to-start); it starts right after the new task's planned end.
    publish = TaskFactory(
        creator=head,
        responsible=rep,
        title="Publish the price list",
        planned_start=at(3, 9),
        planned_end=at(4, 17),
        deadline=at(6, 18),
    )
    # Rick's overdue report (one on his badge) and Sarah's own task without a deadline (one on hers).
    TaskFactory(
        creator=rep,
        responsible=rep,
        title="Send the March report",
        status=TaskStatus.IN_PROGRESS,
        deadline=timezone.now() - datetime.timedelta(days=1),
    )
    TaskFactory(creator=head, responsible=head, title="Plan the sales meeting")
    counters_rebuild_all()  # the nightly rebuild: stored counters match the data laid above
    return SimpleNamespace(
        head=head,
        rep=rep,
        publish=publish,
        start=at(0, 9),  # the new task's planned start
        end=at(2, 17),  # its planned end
        deadline=at(2, 18),
    )


# --- helpers -------------------------------------------------------------------------------------------


def sign_in(page, live_server, person) -> None:
    """Sign out whoever was signed in (a new session) and sign in as `person` through the login form."""
    page.goto("about:blank")  # stop the old page's scripts before the cookies go
    page.context.clear_cookies()
    login(page, live_server, person.email, PASSWORD)


def tasks_badge(page) -> int:
    """The number on the "Tasks" item of the left navigation (empty and hidden when it is zero)."""
    badge = page.locator('#lumen-nav [data-counter-slot="tasks"]')
    expect(badge).to_have_count(1)
    text = badge.inner_text().strip()
    return int(text) if text else 0


def stored_counters(person) -> dict[str, int]:
    from portal.notifications.counters import counters_get

    return {key: value for key, value in counters_get(person).items() if key.startswith("tasks.")}


def pick_person(page, box: str, person) -> None:
    """Type the start of `person`'s last name into the chip picker's box `#box` and pick them."""
    page.fill(f"#{box}", person.last_name[:3])
    page.locator(f'#{box}-listbox [role=option][data-value="{person.pk}"]').click()
    chip = page.locator(f'[data-chip-picker]:has(#{box}) [data-chip][data-value="{person.pk}"]')
    expect(chip).to_have_count(1)


def fill_moment(page, selector: str, moment: datetime.datetime) -> None:
    page.fill(selector, timezone.localtime(moment).strftime(MINUTE_FORMAT))


def take_action(page, action: str) -> None:
    """Press a status button of the task page (an htmx swap of the header)."""
    with page.expect_response(lambda r: r.url.endswith("/transition/") and r.request.method == "POST"):
        page.locator(f'#task-actions [data-action="{action}"]').click()


def expect_status(page, status: str) -> None:
    expect(page.locator(f'#task-status [data-status="{status}"]')).to_have_count(1)


def drag_gantt_bar(page, title: str, columns: int) -> None:
    """Drag the bar of `title` by `columns` grid columns to the right, like a mouse would, and wait until
    the chart says the new dates are saved."""
    saved = int(page.locator("#gantt-frame").get_attribute("data-saved") or "0")
    bar = page.locator(".bar-wrapper", has_text=title).locator(".bar")
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    width = page.evaluate(
        "() => document.querySelector('.gantt-container').style.getPropertyValue('--gv-column-width')"
    )
    step = float(width.replace("px", ""))
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with page.expect_response(lambda r: "/reschedule/" in r.url and r.status == 200):
        page.mouse.move(x, y)
        page.mouse.down()
        for column in range(1, columns + 1):
            page.mouse.move(x + column * step, y, steps=5)
        page.mouse.up()
    expect(page.locator(f"#gantt-frame[data-saved='{saved + 1}']")).to_have_count(1)


# --- the path ------------------------------------------------------------------------------------------


def test_task_set_done_controlled_and_rescheduled_on_the_boards(
    page, live_server, screenshot, company, js_errors
):
    from tasks.choices import LinkKind, TaskStatus
    from tasks.models import Task, TaskLink

    head, rep, publish = company.head, company.rep, company.publish

    # 1. Sarah sets the task for Rick through the form, with control after completion and planned dates.
    sign_in(page, live_server, head)
    assert tasks_badge(page) == 1  # her own task without a deadline
    page.goto(live_server.url + reverse("tasks:home"))
    with page.expect_navigation():
        page.click("#task-create")
    page.fill("#id_title", "Prepare the Q3 price list")
    page.fill("#id_description", "New prices for **all** product lines, checked with the suppliers.")
    pick_person(page, "id_responsible", rep)
    fill_moment(page, "#id_deadline", company.deadline)
    fill_moment(page, "#id_planned_start", company.start)
    fill_moment(page, "#id_planned_end", company.end)
    page.check("#id_requires_control")
    with page.expect_navigation():
        page.locator("#task-form button[type=submit]").first.click()
    task = Task.objects.get(title="Prepare the Q3 price list")
    assert page.url.endswith(task.get_absolute_url())
    assert (task.creator, task.responsible, task.requires_control) == (head, rep, True)
    assert (task.planned_start, task.planned_end, task.deadline) == (
        company.start,
        company.end,
        company.deadline,
    )
    expect(page.locator("#task-title")).to_contain_text("Prepare the Q3 price list")

    # A subtask from the task page: the form comes with the parent filled in.
    with page.expect_navigation():
        page.click("#task-add-subtask")
    expect(page.locator('[data-chip-picker]:has(#id_parent) input[name="parent"]')).to_have_value(
        str(task.pk)
    )
    page.fill("#id_title", "Collect the supplier prices")
    pick_person(page, "id_responsible", rep)
    with page.expect_navigation():
        page.locator("#task-form button[type=submit]").first.click()
    subtask = Task.objects.get(title="Collect the supplier prices")
    assert (subtask.parent_id, subtask.responsible) == (task.pk, rep)
    with page.expect_navigation():
        page.click(f'#task-breadcrumbs [data-ancestor="{task.pk}"]')
    expect(page.locator(f'#task-subtask-list [data-subtask="{subtask.pk}"]')).to_have_count(1)

    # A finish-to-start link: "Publish the price list" comes after this task, found by its title.
    links = page.locator("#task-links")
    links.locator("summary", has_text="Add a link").click()
    links.locator("#task-link-other").fill("Publish")
    links.locator(f'#task-link-other-listbox [role=option][data-value="{publish.pk}"]').click()
    expect(links.locator('[data-chip] input[name="other"]')).to_have_value(str(publish.pk))
    links.locator("#task-link-direction").select_option("after")
    expect(links.locator("#task-link-kind")).to_have_value(LinkKind.FINISH_TO_START)
    with page.expect_response(lambda r: r.url.endswith("/links/") and r.request.method == "POST"):
        links.locator("button[type=submit]", has_text="Link").click()
    expect(
        page.locator('#task-links [data-links="after"] [data-link]', has_text=publish.title)
    ).to_have_count(1)
    link = TaskLink.objects.get()
    assert (link.predecessor_id, link.successor_id, link.kind) == (
        task.pk,
        publish.pk,
        LinkKind.FINISH_TO_START,
    )

    # 2. Rick: the overdue report and the new subtask without a deadline are on his badge.
    sign_in(page, live_server, rep)
    assert stored_counters(rep)["tasks.overdue"] == 1
    assert stored_counters(rep)["tasks.no_deadline"] == 1
    assert tasks_badge(page) == 2
    page.goto(live_server.url + reverse("tasks:home"))
    expect(page.locator("#task-table tbody tr")).to_have_count(4)  # the task, its subtask, publish, report
    screenshot("tasks-flow-list")
    with page.expect_navigation():
        page.locator("#task-table tbody a", has_text="Prepare the Q3 price list").first.click()
    expect_status(page, TaskStatus.NEW)

    with page.expect_navigation():
        page.locator(f'#task-subtask-list [data-subtask="{subtask.pk}"] a').first.click()
    take_action(page, "complete")
    expect_status(page, TaskStatus.COMPLETED)  # no control asked for the subtask
    with page.expect_navigation():
        page.click(f'#task-breadcrumbs [data-ancestor="{task.pk}"]')
    expect(
        page.locator(f'#task-subtask-list [data-subtask="{subtask.pk}"] [data-status="completed"]')
    ).to_have_count(1)

    take_action(page, "complete")
    question = page.locator("#task-open-subtasks")
    page.locator("#task-open-subtasks, #task-status [data-status=awaiting_control]").first.wait_for()
    if question.count():  # open subtasks left: complete them too
        htmx_settled(page)
        with page.expect_response(lambda r: r.url.endswith("/transition/")):
            question.locator('[data-open-subtasks="complete"]').click()
    expect_status(page, TaskStatus.AWAITING_CONTROL)
    expect(page.locator("#task-control-warning")).to_contain_text("waits for Sarah Head")
    assert not page.locator('#task-actions [data-action="approve"]').count()  # his creator's decision
    task.refresh_from_db()
    assert task.status == TaskStatus.AWAITING_CONTROL
    page.reload()
    assert tasks_badge(page) == 1  # the subtask is closed: only the overdue report is left

    # 3. Sarah: "awaiting my control" raised her badge; she accepts the result and it comes down.
    sign_in(page, live_server, head)
    assert stored_counters(head)["tasks.awaiting_control"] == 1
    assert tasks_badge(page) == 2
    page.goto(live_server.url + task.get_absolute_url())
    expect(page.locator("#task-control-warning")).to_contain_text("waits for your control")
    take_action(page, "approve")
    expect_status(page, TaskStatus.COMPLETED)
    expect(page.locator("#task-control-warning")).to_have_count(0)
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED and task.completed_at is not None
    page.reload()
    assert stored_counters(head)["tasks.awaiting_control"] == 0
    assert tasks_badge(page) == 1
    expect(page.locator('#task-links [data-links="after"] [data-link]')).to_have_count(1)
    screenshot("tasks-flow-task")

    # 4. The Gantt of the tasks she set: the task moves two days later, "Publish" shifts after it.
    page.goto(live_server.url + reverse("tasks:home"))
    with page.expect_navigation():
        page.click('[data-view="gantt"]')
    with page.expect_navigation():
        page.click('label[for="role-set"]')  # the filter form reloads the chart with the new role
    # The chart leaves closed tasks out; the switch brings the completed one back.
    expect(page.locator(".gantt-name", has_text="Prepare the Q3 price list")).to_have_count(0)
    with page.expect_navigation():
        page.click('label[for="board-closed"]')
    expect(page.locator("#gantt-frame[data-loaded='1']")).to_have_count(1)
    page.locator('#gantt-modes [data-mode="Day"]').click()
    expect(page.locator(".gantt-name", has_text="Prepare the Q3 price list")).to_have_count(1)
    expect(
        page.locator("#gantt-unscheduled [data-id]", has_text="Collect the supplier prices")
    ).to_have_count(1)
    wait_for_bars(page)  # frappe-gantt grows the bars in with an animation
    drag_gantt_bar(page, "Prepare the Q3 price list", 2)
    task.refresh_from_db()
    publish.refresh_from_db()
    two_days = datetime.timedelta(days=2)
    assert (task.planned_start, task.planned_end) == (company.start + two_days, company.end + two_days)
    assert publish.planned_start == task.planned_end  # finish-to-start holds again
    assert publish.planned_end - publish.planned_start == datetime.timedelta(days=1, hours=8)  # same length
    assert not publish.schedule_conflict
    wait_for_bars(page)  # the redrawn bars grow in again: let them finish before the picture
    screenshot("tasks-flow-gantt")

    # 5. The Kanban keeps the filter: "Publish" is dragged from New to In progress.
    with page.expect_navigation():
        page.click('#board-views [data-view="kanban"]')
    card = page.locator('.board-cards[data-status="new"] .board-card', has_text=publish.title)
    expect(card).to_have_count(1)
    with page.expect_response(lambda r: "/status/" in r.url and r.status == 200):
        card.drag_to(page.locator('.board-cards[data-status="in_progress"]'))
    expect(
        page.locator('.board-cards[data-status="in_progress"] .board-card', has_text=publish.title)
    ).to_have_count(1)
    publish.refresh_from_db()
    assert publish.status == TaskStatus.IN_PROGRESS
    emptied = page.locator('.board-cards[data-status="new"]')
    expect(emptied.locator(".board-card")).to_have_count(0)
    assert emptied.evaluate("el => getComputedStyle(el, '::before').content") == '"No tasks"'
    screenshot("tasks-flow-kanban")
    assert not js_errors
