"""Orphan work: the share of closed tasks and logged time not traceable to any goal (directly, through a parent
task or through a project), per person and department; the page, the dashboard column and the metric."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.core.registry import registry
from strategy.choices import GoalStatus
from strategy.models import GoalTaskLink
from strategy.selectors import orphans as selectors
from tests.groups.factories import ProjectFactory
from tests.strategy.factories import GoalFactory, GoalProjectLinkFactory
from tests.tasks.factories import TaskFactory, TimeEntryFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db


def _closed(person, **kw):
    return TaskFactory(
        responsible=person, creator=person, status="completed", completed_at=timezone.now(), **kw
    )


@pytest.fixture
def work(org):
    goal = GoalFactory(owner=org.ceo)
    dropped = GoalFactory(owner=org.ceo, status=GoalStatus.DROPPED)
    project = ProjectFactory()
    GoalProjectLinkFactory(goal=goal, project=project)
    parent = TaskFactory(responsible=org.ceo, creator=org.ceo)
    GoalTaskLink.objects.create(goal=goal, task_id=parent.pk)
    rep = org.east_rep
    direct = _closed(rep)
    GoalTaskLink.objects.create(goal=goal, task_id=direct.pk)
    _closed(rep, parent=parent)  # traced through its parent
    _closed(rep, group=project)  # traced through its project
    orphan_a = _closed(rep, title="Orphan A")
    orphan_b = _closed(rep, title="Orphan B")
    on_dropped = _closed(rep, title="On a dropped goal")
    GoalTaskLink.objects.create(goal=dropped, task_id=on_dropped.pk)
    TaskFactory(
        responsible=rep,
        creator=rep,
        status="completed",
        completed_at=timezone.now() - datetime.timedelta(days=90),
    )
    TimeEntryFactory(task=direct, user=rep, seconds=3600)
    TimeEntryFactory(task=orphan_a, user=rep, seconds=1800)
    return {"orphans": {orphan_a.pk, orphan_b.pk, on_dropped.pk}}


def test_orphan_share_per_person(org, work):
    today = timezone.localdate()
    shares = selectors.work_shares(
        person_ids=[org.east_rep.pk, org.developer.pk], start=today.replace(day=1), end=today
    )
    rep = shares[org.east_rep.pk]
    assert (rep.closed, rep.closed_untraced) == (6, 3)
    # A long period finds the traced tasks by another plan (a hash of them all): the same figures, and the
    # task closed 90 days ago on top.
    year = selectors.work_shares(
        person_ids=[org.east_rep.pk], start=today - datetime.timedelta(days=200), end=today
    )
    assert (year[org.east_rep.pk].closed, year[org.east_rep.pk].closed_untraced) == (7, 4)
    assert (rep.seconds, rep.seconds_untraced) == (5400, 1800)
    assert org.developer.pk not in shares


def test_orphan_figure_for_a_department_is_one_query(org, work):
    today = timezone.localdate()
    ids = list(org.sales.__class__.objects.none())  # noqa: F841 - keep the department model loaded
    people = [org.east_rep.pk, org.sales_rep.pk, org.field_rep.pk, org.sales_head.pk]
    with CaptureQueriesContext(connection) as queries:
        selectors.work_shares(person_ids=people, start=today.replace(day=1), end=today)
    assert len(queries) == 1


def test_orphan_tasks_list(org, work):
    today = timezone.localdate()
    listed = selectors.orphan_tasks(
        user=org.sales_head, person_ids=[org.east_rep.pk], start=today.replace(day=1), end=today
    )
    assert {pk for pk, _t, _u in listed} == work["orphans"]
    # Someone who sees none of these tasks gets none of them.
    assert (
        selectors.orphan_tasks(
            user=org.developer, person_ids=[org.east_rep.pk], start=today.replace(day=1), end=today
        )
        == []
    )


def test_orphan_page_of_a_department_and_its_click(org, work):
    client = client_as(org.sales_head)
    page = client.get(reverse("strategy:orphan_work") + f"?department={org.sales.pk}").content.decode()
    assert 'id="orphan-closed-share">50%' in page  # 3 of 6
    listed = client.get(
        reverse("strategy:orphan_tasks") + f"?department={org.sales.pk}&person={org.east_rep.pk}"
    )
    assert "Orphan A" in listed.content.decode() and "Orphan B" in listed.content.decode()
    # Not a person of the department: 404.
    assert (
        client.get(
            reverse("strategy:orphan_tasks") + f"?department={org.sales.pk}&person={org.developer.pk}"
        ).status_code
        == 404
    )


def test_the_most_orphan_work_comes_first_a_page_at_a_time_on_the_page_and_in_the_api(org, work, monkeypatch):
    monkeypatch.setattr("strategy.views.orphans.PAGE_SIZE", 1)
    client = client_as(org.sales_head)
    url = reverse("strategy:orphan_work") + f"?department={org.sales.pk}"
    first = client.get(url).content.decode()
    assert org.east_rep.full_name in first and 'id="orphan-pages"' in first and "page=2" in first
    assert 'id="orphan-closed-share">50%' in first  # the total is everyone's, whatever the page
    assert org.east_rep.full_name not in client.get(url + "&page=2").content.decode()
    people = client.get(f"/api/v1/strategy/orphan-work/?department={org.sales.pk}").json()["people"]
    assert people[0]["person"] == org.east_rep.pk and len(people) > 1


def test_dashboard_column(org, work):
    column = registry.dashboard_columns["strategy.orphan_work"]
    cells = column.compute([org.east_rep.pk, org.developer.pk], timezone.localdate())
    assert cells[org.east_rep.pk].value == 50
    # informative, never red or amber (the dashboard's SQL ranking skips it: `never_signals`)
    assert cells[org.east_rep.pk].signal == "green" and column.compute.never_signals
    assert "person=" in cells[org.east_rep.pk].url
    assert cells[org.developer.pk].value is None


def test_metric(org, work):
    metric = registry.metrics["strategy.orphan_work_share"]
    today = timezone.localdate()
    values = metric.compute(
        [(org.east_rep.pk, None), (None, org.sales.pk), (org.developer.pk, None)], today.replace(day=1), today
    )
    assert values[(org.east_rep.pk, None)] == Decimal("0.5")
    assert values[(None, org.sales.pk)] == Decimal("0.5")
    assert values[(org.developer.pk, None)] is None
    rows = metric.drill_down((org.east_rep.pk, None), today.replace(day=1), today, org.sales_head)
    assert len(rows) == 3
