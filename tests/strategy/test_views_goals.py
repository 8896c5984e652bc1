"""Goal pages: the register's filters, the detail, the map, the search and the profile, the task page's panel
and the task form's goal."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from portal.core.registry import registry
from strategy.choices import GoalAudience, GoalHorizon
from strategy.models import GoalGrant, GoalTaskLink
from tests.strategy.factories import YEAR, GoalFactory
from tests.tasks.factories import TaskFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db


def test_register_filters_by_horizon_department_and_status(org):
    GoalFactory(owner=org.ceo, title="Annual one")
    GoalFactory(
        owner=org.sales_head, title="Sales quarter", horizon=GoalHorizon.QUARTERLY, department=org.east
    )
    GoalFactory(owner=org.it_head, title="IT quarter", horizon=GoalHorizon.QUARTERLY, department=org.it)
    GoalFactory(owner=org.ceo, title="Dropped one", status="dropped")
    client = client_as(org.developer)
    page = client.get(
        reverse("strategy:goal_register") + f"?horizon=quarterly&department={org.sales.pk}"
    ).content.decode()
    assert "Sales quarter" in page and "IT quarter" not in page and "Annual one" not in page
    page = client.get(reverse("strategy:goal_register") + "?status=dropped").content.decode()
    assert "Dropped one" in page and "Annual one" not in page
    api = client.get("/api/v1/strategy/goals/?horizon=quarterly&department=" + str(org.it.pk)).json()
    assert [g["title"] for g in api["results"]] == ["IT quarter"]


def test_hidden_goal_absent_from_register_map_search_and_lookup(org):
    hidden = GoalFactory(owner=org.ceo, title="Secret merger", audience=GoalAudience.RESTRICTED)
    GoalGrant.objects.create(content_object=hidden, department=org.sales, include_subdepartments=True)
    for user, seen in ((org.developer, False), (org.east_rep, True)):
        client = client_as(user)
        assert ("Secret merger" in client.get(reverse("strategy:goal_register")).content.decode()) is seen
        assert ("Secret merger" in client.get(reverse("strategy:goal_map")).content.decode()) is seen
        hits = registry.search["goals"].func(user=user, query="merger", limit=5)
        assert bool(hits) is seen
        items = registry.lookup_sources["goals"].resolve(user=user, values=[str(hidden.pk)])
        assert bool(items) is seen


def test_task_panel_shows_the_inherited_goal_and_sets_it(org):
    goal = GoalFactory(owner=org.ceo, title="Win the east")
    parent = TaskFactory(responsible=org.east_rep, creator=org.east_rep)
    child = TaskFactory(parent=parent, responsible=org.east_rep, creator=org.east_rep)
    GoalTaskLink.objects.create(goal=goal, task_id=parent.pk)
    client = client_as(org.east_rep)
    task_page = client.get(child.get_absolute_url()).content.decode()
    assert reverse("strategy:task_goal_panel", args=[child.pk]) in task_page
    panel = client.get(reverse("strategy:task_goal_panel", args=[child.pk])).content.decode()
    assert "Win the east" in panel and "from the parent task" in panel
    other = GoalFactory(owner=org.ceo, title="Other aim")
    response = client.post(
        reverse("strategy:task_goal_set", args=[child.pk]),
        {"goal": other.pk},
        format="multipart",
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Other aim" in response.content.decode()
    assert GoalTaskLink.objects.get(task_id=child.pk).goal == other


def test_task_form_links_the_goal(org):
    goal = GoalFactory(owner=org.ceo, title="Form goal")
    client = client_as(org.east_rep)
    form = client.get(reverse("tasks:create")).content.decode()
    assert 'name="strategy_goal"' in form and "Form goal" in form
    response = client.post(
        reverse("tasks:create"),
        {
            "title": "With a goal",
            "responsible": org.east_rep.pk,
            "priority": "normal",
            "strategy_goal": goal.pk,
        },
        format="multipart",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from tasks.models import Task

    task = Task.objects.get(title="With a goal")
    assert GoalTaskLink.objects.get(task_id=task.pk).goal == goal


def test_profile_shows_owned_and_served_goals(org):
    owned = GoalFactory(owner=org.east_rep, title="Mine to own")
    served = GoalFactory(owner=org.ceo, title="Served by my task")
    task = TaskFactory(responsible=org.east_rep, creator=org.east_rep)
    GoalTaskLink.objects.create(goal=served, task_id=task.pk)
    section = registry.profile_sections["strategy.goals"]

    class Request:
        user = org.sales_head

    data = section.context(Request(), org.east_rep)
    assert owned in data["owned"] and served in data["served"]


def test_goal_form_creates_a_quarterly_goal_under_annual(org):
    annual = GoalFactory(owner=org.ceo, title="Annual")
    client = client_as(org.sales_head)
    form = client.get(reverse("strategy:goal_create") + f"?parent={annual.pk}")
    assert form.status_code == 200
    response = client.post(
        reverse("strategy:goal_create") + f"?parent={annual.pk}",
        {
            "title": "Q2 pipeline",
            "horizon": "quarterly",
            "period_start": f"{YEAR}-04-01",
            "period_end": f"{YEAR}-06-30",
            "parent": annual.pk,
            "department": org.sales.pk,
            "status": "active",
            "weight": "2",
            "progress_rule": "tasks",
            "audience": "company",
            "tags": "sales, q2",
        },
        format="multipart",
    )
    assert response.status_code == 302
    goal = annual.children.get()
    assert goal.tags == ["sales", "q2"] and goal.owner == org.sales_head
    bad = client.post(
        reverse("strategy:goal_create"),
        {"title": "x", "horizon": "quarterly", "period_start": f"{YEAR}-06-01", "period_end": f"{YEAR}-01-01",
         "parent": annual.pk, "status": "active", "weight": "1", "progress_rule": "auto", "audience": "company"},
        format="multipart",
    )  # fmt: skip
    assert bad.status_code == 400 and "The period ends before it starts." in bad.content.decode()
    assert datetime.date(YEAR, 4, 1) == goal.period_start
