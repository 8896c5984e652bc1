"""The Kanban in a real browser at a laptop's width: the board scrolls sideways inside itself (the page does not),
every column keeps its width, a long column loads its next cards, and a project board shows swimlanes."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tasks.choices import TaskStatus
from tasks.selectors import boards as board_selectors
from tests.groups.factories import MembershipFactory, ProjectFactory
from tests.plugins.browser import htmx_settled
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"
LAPTOP = {"width": 1400, "height": 900}


def test_the_board_scrolls_inside_itself_and_loads_long_columns(
    page, live_server, login, screenshot, org, monkeypatch
):
    monkeypatch.setattr(board_selectors, "KANBAN_COLUMN_CAP", 4)
    me = org.east_rep
    for status in board_selectors.KANBAN_STATUSES:
        TaskFactory(responsible=me, creator=me, status=status, title=f"A task that is {status}")
    for n in range(6):
        TaskFactory(responsible=me, creator=me, status=TaskStatus.PENDING, title=f"Pending number {n}")
    for n in range(12):
        TaskFactory(responsible=me, creator=me, status=TaskStatus.NEW, title=f"New number {n}")
    page.set_viewport_size(LAPTOP)
    login(page, live_server, me.email, PASSWORD)
    page.goto(live_server.url + reverse("tasks:kanban"))

    board = page.locator("#kanban-board")
    expect(board.locator(".board-column")).to_have_count(len(board_selectors.KANBAN_STATUSES))
    sizes = page.evaluate(
        """() => {
        const board = document.getElementById('kanban-board');
        const widths = [...board.querySelectorAll('.board-column')].map((c) => Math.round(c.getBoundingClientRect().width));
        return {page: document.scrollingElement.scrollWidth, inner: window.innerWidth,
                board: board.scrollWidth, visible: board.clientWidth, right: board.getBoundingClientRect().right, widths,
                bottom: board.getBoundingClientRect().bottom, height: window.innerHeight};
        }"""
    )
    assert sizes["page"] <= sizes["inner"], sizes  # the page itself does not scroll sideways
    assert sizes["right"] <= sizes["inner"], sizes  # the board ends inside the window
    assert sizes["board"] > sizes["visible"], sizes  # the columns scroll inside the board
    assert len(set(sizes["widths"])) == 1, sizes  # fixed column widths
    # The board's own scrollbar is on the screen, not under the fold of a long column.
    assert sizes["bottom"] <= sizes["height"], sizes
    screenshot("kanban-1400", full_page=False)

    # The last column can be scrolled into view inside the board.
    board.evaluate("(b) => { b.scrollLeft = b.scrollWidth; }")
    last = board.locator(".board-column").last
    box, frame = last.bounding_box(), board.bounding_box()
    assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 1

    pending = page.locator("#kanban-cards-pending")
    board.evaluate("(b) => { b.scrollLeft = 0; }")
    expect(pending.locator(".board-card")).to_have_count(4)
    page.locator("#kanban-more-pending button").click()
    expect(pending.locator(".board-card")).to_have_count(7)
    htmx_settled(page)
    expect(page.locator("#kanban-more-pending button")).to_have_count(0)
    expect(page.locator('.board-column[data-status="pending"] .board-count')).to_have_text("7")


def test_a_project_board_with_swimlanes(page, live_server, login, screenshot, org):
    project = ProjectFactory(name="Launch")
    for person in (org.sales_rep, org.east_rep):
        MembershipFactory(group=project, user=person)
    for person, status in [(org.sales_rep, "new"), (org.east_rep, "in_progress"), (org.east_rep, "new")]:
        TaskFactory(
            group=project,
            responsible=person,
            creator=org.sales_rep,
            status=status,
            title=f"{person.first_name} {status}",
        )
    page.set_viewport_size(LAPTOP)
    login(page, live_server, org.sales_rep.email, PASSWORD)
    page.goto(live_server.url + reverse("tasks:kanban") + f"?group={project.pk}&swimlanes=responsible")

    expect(page.locator(".board-lane")).to_have_count(2)
    expect(page.locator("#board-swimlanes")).to_be_checked()
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    screenshot("kanban-swimlanes", full_page=False)

    # A drop changes the status and the card stays in its person's row.
    lane = page.locator(f'.board-lane[data-lane="{org.sales_rep.pk}"]')
    card = lane.locator(".board-card", has_text=f"{org.sales_rep.first_name} new")
    with page.expect_response(lambda r: "/status/" in r.url and r.status == 200):
        card.drag_to(lane.locator('.board-cards[data-status="pending"]'))
    expect(lane.locator('.board-cards[data-status="pending"] .board-card')).to_have_count(1)
    other = page.locator(f'.board-lane[data-lane="{org.east_rep.pk}"]')
    expect(other.locator('.board-cards[data-status="pending"] .board-card')).to_have_count(0)

    # Without the switch the project's board is one row of columns again (htmx swaps the board).
    page.locator("label[for=board-swimlanes]").click()
    expect(page.locator(".board-lane")).to_have_count(0)
    expect(page.locator("#kanban-board .board-column")).to_have_count(len(board_selectors.KANBAN_STATUSES))


def test_a_head_switches_to_my_team(page, live_server, login, screenshot, org):
    TaskFactory(responsible=org.east_rep, creator=org.east_rep, title="East visit")
    TaskFactory(responsible=org.developer, creator=org.developer, title="Server upgrade")
    TaskFactory(responsible=org.sales_head, creator=org.sales_head, title="My own plan")
    page.set_viewport_size(LAPTOP)
    login(page, live_server, org.sales_head.email, PASSWORD)
    page.goto(live_server.url + reverse("tasks:kanban"))
    board = page.locator("#kanban-board")
    expect(board).to_contain_text("My own plan")

    page.locator("label[for=role-team]").click()

    expect(board).to_contain_text("East visit")
    expect(board).not_to_contain_text("My own plan")
    expect(board).not_to_contain_text("Server upgrade")
    assert "role=team" in page.url
    screenshot("kanban-my-team", full_page=False)
