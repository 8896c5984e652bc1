"""Every goal, project and orphan-work route (pages and API), called as every role.

The member owns the goal under test and is responsible for the task and owner of the project; the
supervisor heads the member's department (Sales, above Sales East); the outsider works in IT; the admin is a
strategy manager by being an admin. A restricted goal shown to Sales answers 404 to the outsider everywhere.
"""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.urls import reverse

from portal.groups.choices import MemberRole
from strategy.choices import GoalAudience, GoalHorizon
from strategy.models import (
    Goal,
    GoalGrant,
    GoalLink,
    GoalPageLink,
    GoalProjectLink,
    GoalTaskLink,
    ProjectStatusNote,
    StrategyText,
)
from tests.groups.factories import MembershipFactory, ProjectFactory
from tests.strategy.factories import YEAR, GoalFactory
from tests.tasks.factories import TaskFactory
from tests.utils import ROLES, Endpoint, assert_matrix, rows

pytestmark = pytest.mark.django_db

LOGIN = 302
API_ANON = (401, 403)
_n = itertools.count()


def _all(status, anonymous=LOGIN) -> dict:
    return {role: anonymous if role == "anonymous" else status for role in ROLES}


def _by(anonymous=LOGIN, **statuses) -> dict:
    return {"anonymous": anonymous, **statuses}


@pytest.fixture
def world(org):
    annual = GoalFactory(owner=org.east_rep, horizon=GoalHorizon.ANNUAL, title="Grow")
    hidden = GoalFactory(owner=org.ceo, title="Sales only", audience=GoalAudience.RESTRICTED)
    GoalGrant.objects.create(content_object=hidden, department=org.sales, include_subdepartments=True)
    project = ProjectFactory(start_date=datetime.date(YEAR, 1, 1), end_date=datetime.date(YEAR, 12, 31))
    MembershipFactory(group=project, user=org.east_rep, role=MemberRole.OWNER)
    return {"annual": annual, "hidden": hidden, "project": project}


@pytest.fixture
def goal_endpoints(org, world):
    annual, hidden, project = world["annual"], world["hidden"], world["project"]

    def target(role=None):
        return GoalFactory(owner=org.ceo, title=f"Target {next(_n)}")

    def link(role=None):
        return GoalLink.objects.create(source=annual, target=target(), kind="supports")

    def project_link(role=None):
        return GoalProjectLink.objects.create(goal=annual, project=ProjectFactory(
            start_date=datetime.date(YEAR, 1, 1), end_date=datetime.date(YEAR, 12, 31)
        ))  # fmt: skip

    def task(role=None):
        return TaskFactory(responsible=org.east_rep, creator=org.east_rep)

    def page(role=None):
        return GoalPageLink.objects.create(
            goal=annual, source="kb_pages", object_id=str(next(_n)), title="Page"
        )

    quarter = {
        "title": "Q1 push",
        "horizon": GoalHorizon.QUARTERLY,
        "period_start": f"{YEAR}-01-01",
        "period_end": f"{YEAR}-03-31",
        "parent": annual.pk,
        "department": org.sales.pk,
        "status": "active",
        "weight": "1",
        "progress_rule": "auto",
        "audience": "company",
    }
    edit = {
        **quarter,
        "horizon": GoalHorizon.ANNUAL,
        "period_end": f"{YEAR}-12-31",
        "parent": "",
        "department": "",
    }
    owner_writes = _by(outsider=403, member=302, supervisor=403, admin=302)
    goal_url = f"/api/v1/strategy/goals/{annual.pk}/"
    return [
        Endpoint("home", "GET", reverse("strategy:home"), _all(200)),
        Endpoint("mission form", "GET", reverse("strategy:text_edit"), _by(outsider=403, member=403, supervisor=403, admin=200)),
        Endpoint(
            "mission save", "POST", reverse("strategy:text_edit"), _by(outsider=403, member=403, supervisor=403, admin=302),
            lambda role: {"mission": f"By {role}", "vision": "v"}, "form", changed=rows(StrategyText, "mission"),
        ),
        Endpoint("register", "GET", reverse("strategy:goal_register"), _all(200)),
        Endpoint("map", "GET", reverse("strategy:goal_map"), _all(200)),
        Endpoint("detail", "GET", reverse("strategy:goal_detail", args=[annual.pk]), _all(200)),
        Endpoint(
            "detail hidden", "GET", reverse("strategy:goal_detail", args=[hidden.pk]),
            _by(outsider=404, member=200, supervisor=200, admin=200),
        ),
        Endpoint("new form", "GET", reverse("strategy:goal_create"), _by(outsider=403, member=403, supervisor=200, admin=200)),
        Endpoint(
            "create", "POST", reverse("strategy:goal_create"), _by(outsider=403, member=403, supervisor=302, admin=302),
            lambda role: {**quarter, "title": f"Q1 by {role}"}, "form", changed=rows(Goal),
        ),
        Endpoint("edit form", "GET", reverse("strategy:goal_edit", args=[annual.pk]), _by(outsider=403, member=200, supervisor=403, admin=200)),
        Endpoint(
            "edit hidden", "GET", reverse("strategy:goal_edit", args=[hidden.pk]),
            _by(outsider=404, member=403, supervisor=403, admin=200),
        ),
        Endpoint(
            "edit", "POST", reverse("strategy:goal_edit", args=[annual.pk]), owner_writes,
            lambda role: {**edit, "title": f"Grow by {role}"}, "form", changed=rows(Goal, "title"),
        ),
        Endpoint(
            "link add", "POST", reverse("strategy:goal_link_add", args=[annual.pk]), owner_writes,
            lambda role: {"kind": "supports", "target": target().pk}, "form", changed=rows(GoalLink),
        ),
        Endpoint(
            "link remove", "POST", lambda role: reverse("strategy:goal_link_remove", args=[annual.pk, link().pk]),
            owner_writes, {}, "form", changed=rows(GoalLink),
        ),
        Endpoint(
            "project add", "POST", reverse("strategy:goal_project_add", args=[annual.pk]), owner_writes,
            lambda role: {"project": ProjectFactory(start_date=datetime.date(YEAR, 1, 1), end_date=datetime.date(YEAR, 2, 1)).pk, "weight": "2"},
            "form", changed=rows(GoalProjectLink),
        ),
        Endpoint(
            "project remove", "POST", lambda role: reverse("strategy:goal_project_remove", args=[annual.pk, project_link().pk]),
            owner_writes, {}, "form", changed=rows(GoalProjectLink),
        ),
        Endpoint(
            # The supervisor sees the member's task but is not its responsible person; the outsider does not see it.
            "task link", "POST", reverse("strategy:goal_task_add", args=[annual.pk]),
            _by(outsider=404, member=302, supervisor=403, admin=302),
            lambda role: {"task": task().pk}, "form", changed=rows(GoalTaskLink),
        ),
        Endpoint(
            # The knowledge base's page source answers 404 for a page nobody sees; the others may not link at all.
            "page add", "POST", reverse("strategy:goal_page_add", args=[annual.pk]), _by(outsider=403, member=404, supervisor=403, admin=404),
            {"page": "999999"}, "form", changed=rows(GoalPageLink),
        ),
        Endpoint(
            "page remove", "POST", lambda role: reverse("strategy:goal_page_remove", args=[annual.pk, page().pk]),
            owner_writes, {}, "form", changed=rows(GoalPageLink),
        ),
        Endpoint(
            "task goal set", "POST", lambda role: reverse("strategy:task_goal_set", args=[task().pk]),
            _by(outsider=404, member=302, supervisor=403, admin=302), {"goal": annual.pk}, "form", changed=rows(GoalTaskLink),
        ),
        Endpoint(
            "task goal panel", "GET", lambda role: reverse("strategy:task_goal_panel", args=[task().pk]),
            _by(outsider=404, member=200, supervisor=200, admin=200),
        ),
        Endpoint("projects", "GET", reverse("strategy:project_register"), _all(200)),
        Endpoint("notes", "GET", reverse("strategy:project_notes", args=[project.pk]), _all(200)),
        Endpoint(
            "note add", "POST", reverse("strategy:project_notes", args=[project.pk]), owner_writes,
            lambda role: {"rag": "amber", "text": f"By {role}"}, "form", changed=rows(ProjectStatusNote, "text"),
        ),
        Endpoint("orphans", "GET", reverse("strategy:orphan_work"), _all(200)),
        Endpoint(
            "orphans of a department", "GET", reverse("strategy:orphan_work") + f"?department={org.east.pk}",
            _by(outsider=404, member=404, supervisor=200, admin=200),
        ),
        Endpoint("orphan tasks", "GET", reverse("strategy:orphan_tasks"), _all(200)),
        # --- API
        Endpoint("api goals", "GET", "/api/v1/strategy/goals/?horizon=annual", _all(200, API_ANON)),
        Endpoint("api goal", "GET", goal_url, _all(200, API_ANON)),
        Endpoint(
            "api hidden goal", "GET", f"/api/v1/strategy/goals/{hidden.pk}/",
            _by(API_ANON, outsider=404, member=200, supervisor=200, admin=200),
        ),
        Endpoint(
            "api create", "POST", "/api/v1/strategy/goals/", _by(API_ANON, outsider=403, member=403, supervisor=201, admin=201),
            lambda role: {**quarter, "title": f"API Q1 by {role}"}, changed=rows(Goal),
        ),
        Endpoint(
            "api change", "PATCH", goal_url, _by(API_ANON, outsider=403, member=200, supervisor=403, admin=200),
            lambda role: {"title": f"API by {role}"}, changed=rows(Goal, "title"),
        ),
        Endpoint("api links", "GET", goal_url + "links/", _all(200, API_ANON)),
        Endpoint(
            "api link add", "POST", goal_url + "links/", _by(API_ANON, outsider=403, member=201, supervisor=403, admin=201),
            lambda role: {"kind": "depends_on", "target": target().pk}, changed=rows(GoalLink),
        ),
        Endpoint(
            "api link remove", "DELETE", lambda role: f"/api/v1/strategy/goal-links/{link().pk}/",
            _by(API_ANON, outsider=403, member=204, supervisor=403, admin=204), changed=rows(GoalLink),
        ),
        Endpoint("api goal projects", "GET", goal_url + "projects/", _all(200, API_ANON)),
        Endpoint(
            "api project link", "POST", goal_url + "projects/", _by(API_ANON, outsider=403, member=201, supervisor=403, admin=201),
            lambda role: {"project": ProjectFactory(start_date=datetime.date(YEAR, 1, 1), end_date=datetime.date(YEAR, 2, 1)).pk, "weight": "1.5"},
            changed=rows(GoalProjectLink),
        ),
        Endpoint(
            "api project unlink", "DELETE", lambda role: f"/api/v1/strategy/project-links/{project_link().pk}/",
            _by(API_ANON, outsider=403, member=204, supervisor=403, admin=204), changed=rows(GoalProjectLink),
        ),
        Endpoint(
            "api task goal", "GET", lambda role: f"/api/v1/strategy/tasks/{task().pk}/goal/",
            _by(API_ANON, outsider=404, member=200, supervisor=200, admin=200),
        ),
        Endpoint(
            "api task goal set", "PUT", lambda role: f"/api/v1/strategy/tasks/{task().pk}/goal/",
            _by(API_ANON, outsider=404, member=200, supervisor=403, admin=200), {"goal": annual.pk}, changed=rows(GoalTaskLink),
        ),
        Endpoint("api projects", "GET", "/api/v1/strategy/projects/?status=active", _all(200, API_ANON)),
        Endpoint("api notes", "GET", f"/api/v1/strategy/projects/{project.pk}/notes/", _all(200, API_ANON)),
        Endpoint(
            "api note add", "POST", f"/api/v1/strategy/projects/{project.pk}/notes/",
            _by(API_ANON, outsider=403, member=201, supervisor=403, admin=201),
            lambda role: {"rag": "red", "text": f"API by {role}"}, changed=rows(ProjectStatusNote, "text"),
        ),
        Endpoint("api orphan work", "GET", "/api/v1/strategy/orphan-work/", _all(200, API_ANON)),
        Endpoint(
            "api orphan work of a department", "GET", f"/api/v1/strategy/orphan-work/?department={org.east.pk}",
            _by(API_ANON, outsider=404, member=404, supervisor=200, admin=200),
        ),
    ]  # fmt: skip


def test_goals_matrix(roles, goal_endpoints):
    assert_matrix(roles, goal_endpoints)
