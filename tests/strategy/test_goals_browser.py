"""Goals in Chromium.

The head of Sales creates a quarterly goal under the company's annual one (progress from the linked tasks),
opens one of their tasks, picks the goal in its "serves goal" panel, completes the task, and sees the goal's
progress move. Also the screenshots (desktop and phone) of the goal register, the strategy map and the project
register, each checked for no sideways scrolling at phone width.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from portal.groups.choices import MemberRole
from strategy.choices import GoalHorizon
from strategy.models import Goal, GoalProjectLink, GoalTaskLink, ProjectStatusNote
from tests.groups.factories import MembershipFactory, ProjectFactory
from tests.plugins.browser import DESKTOP, PHONE, htmx_settled
from tests.strategy.factories import YEAR, GoalFactory
from tests.tasks.factories import TaskFactory

pytestmark = [pytest.mark.browser]
PASSWORD = "pass-word-123"


def _fits_the_phone(page) -> bool:
    return page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth + 1")


def test_a_head_sets_a_quarterly_goal_links_a_task_and_sees_progress(live_server, page, login, org):
    annual = GoalFactory(owner=org.ceo, title="Grow revenue by 30%", horizon=GoalHorizon.ANNUAL)
    task = TaskFactory(
        title="Call the ten biggest prospects",
        responsible=org.sales_head,
        creator=org.sales_head,
        status="in_progress",
        deadline=timezone.now() + datetime.timedelta(days=3),
    )
    login(page, live_server, org.sales_head.email, PASSWORD)
    page.goto(live_server.url + annual.get_absolute_url())
    page.locator("#goal-add-child").click()
    page.locator("#id_title").fill("Close 40 new deals this quarter")
    expect(page.locator("#id_horizon")).to_have_value("quarterly")
    page.locator("#id_progress_rule").select_option("tasks")
    page.locator("#goal-save").click()
    expect(page.locator("#goal-title")).to_have_text("Close 40 new deals this quarter")
    goal = Goal.objects.get(title="Close 40 new deals this quarter")
    assert goal.parent == annual and goal.horizon == GoalHorizon.QUARTERLY and goal.department == org.sales
    expect(page.locator("#goal-progress")).to_have_attribute("data-progress", "0")

    # The task's page: the "serves goal" panel loads after the page; the head picks the new goal.
    page.goto(live_server.url + task.get_absolute_url())
    panel = page.locator("#task-goal-panel")
    expect(panel.locator("select[name=goal]")).to_be_visible()
    panel.locator("select[name=goal]").select_option(str(goal.pk))
    panel.locator("button[type=submit]").click()
    expect(page.locator("#task-goal")).to_contain_text("Close 40 new deals this quarter")
    assert GoalTaskLink.objects.get(task_id=task.pk).goal == goal

    # Completing the task moves the goal's progress (recomputed after commit).
    page.locator('button[data-action="complete"]').click()
    htmx_settled(page)
    page.goto(live_server.url + goal.get_absolute_url())
    expect(page.locator("#goal-progress")).to_have_attribute("data-progress", "100")
    expect(page.locator("#goal-tasks")).to_contain_text("Call the ten biggest prospects")
    goal.refresh_from_db()
    annual.refresh_from_db()
    assert goal.progress == 1 and annual.progress > 0  # the roll-up climbed to the annual goal


def test_screenshots_of_the_register_the_map_and_the_projects(live_server, page, login, screenshot, org):
    strategic = GoalFactory(
        owner=org.ceo,
        title="Become the regional leader",
        horizon=GoalHorizon.STRATEGIC,
        period_end=datetime.date(YEAR + 2, 12, 31),
    )
    growth = GoalFactory(owner=org.sales_head, title="Grow revenue by 30%", parent=strategic, progress=0.55)
    product = GoalFactory(
        owner=org.it_head, title="Ship the platform customers love", parent=strategic, progress=0.2
    )
    quarter = GoalFactory(
        owner=org.sales_head,
        title="Close 40 new deals this quarter",
        horizon=GoalHorizon.QUARTERLY,
        parent=growth,
        department=org.sales,
        progress=0.8,
    )
    GoalFactory(
        owner=org.it_head,
        title="Halve the page load time",
        horizon=GoalHorizon.QUARTERLY,
        parent=product,
        department=org.it,
    )
    for name, goal, weight, rag, note in (
        ("Website relaunch", quarter, 3, "amber", "Design approved; the store integration slipped a week."),
        ("ERP migration", product, 1, "red", "Data migration blocked."),
    ):
        project = ProjectFactory(
            name=name,
            start_date=datetime.date(YEAR, 1, 1),
            end_date=datetime.date(YEAR, 12, 31),
            department=org.sales,
        )
        MembershipFactory(group=project, user=org.sales_head, role=MemberRole.OWNER)
        GoalProjectLink.objects.create(goal=goal, project=project, weight=weight)
        ProjectStatusNote.objects.create(
            project=project, author=org.sales_head, week=datetime.date.today(), rag=rag, text=note
        )
        TaskFactory(
            group=project, responsible=org.sales_rep, deadline=timezone.now() - datetime.timedelta(days=1)
        )
    login(page, live_server, org.sales_head.email, PASSWORD)
    for name, url in (
        ("strategy-register", reverse("strategy:goal_register")),
        ("strategy-map", reverse("strategy:goal_map")),
        ("strategy-projects", reverse("strategy:project_register")),
        ("strategy-home", reverse("strategy:home")),
    ):
        page.set_viewport_size(DESKTOP)
        page.goto(live_server.url + url)
        screenshot(name)
        page.set_viewport_size(PHONE)
        page.reload()
        screenshot(f"{name}-phone")
        assert _fits_the_phone(page), name
    # The map is zoomable (static JS) and each node is a link.
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + reverse("strategy:goal_map"))
    svg = page.locator("#strategy-map svg")
    before = float(svg.get_attribute("width"))
    page.locator('[data-map-zoom="in"]').click()
    assert float(svg.get_attribute("width")) > before
    page.locator(f'#strategy-map a[data-kind="goal"][data-id="{quarter.pk}"]').click()
    expect(page.locator("#goal-title")).to_have_text("Close 40 new deals this quarter")
    screenshot("strategy-goal")
    page.set_viewport_size(PHONE)
    page.reload()
    screenshot("strategy-goal-phone")
    assert _fits_the_phone(page)
