"""The efficiency page (tasks:efficiency) and the time report (tasks:time_report): period pickers, whose numbers
a viewer may see (themselves; a supervisor their people or a department of their sub-tree; admins any
department), the tables, the chart data, htmx swaps and query budgets."""

from __future__ import annotations

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.choices import TaskStatus
from tasks.forms.reports import period_bounds
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.people.factories import UserFactory
from tests.tasks.factories import TaskFactory, TimeEntryFactory
from tests.tasks.lists_setup import HTMX, html_of, page_client
from tests.utils import assert_query_budget

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
MARCH = {"period": "custom", "start": "2025-03-01", "end": "2025-03-31"}
EFFICIENCY_BUDGET = 12
TIME_BUDGET = 12


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def closed(person, *, completed, deadline=None, became_overdue=False):
    return TaskFactory(
        responsible=person,
        status=TaskStatus.COMPLETED,
        completed_at=completed,
        deadline=deadline,
        became_overdue=became_overdue,
    )


@pytest.fixture
def march(org):
    """In March 2025: east_rep 2 on time and 1 late, 1 open and overdue; field_rep 1 on time; sales_rep 1 late;
    the developer (IT) 1 on time."""
    closed(org.east_rep, completed=at(2025, 3, 3, 12), deadline=at(2025, 3, 4, 12))
    closed(org.east_rep, completed=at(2025, 3, 10, 12))
    closed(org.east_rep, completed=at(2025, 3, 12, 12), deadline=at(2025, 3, 5, 12), became_overdue=True)
    TaskFactory(responsible=org.east_rep, status=TaskStatus.IN_PROGRESS, deadline=at(2025, 3, 20, 12))
    closed(org.field_rep, completed=at(2025, 3, 6, 12), deadline=at(2025, 3, 7, 11))
    closed(org.sales_rep, completed=at(2025, 3, 6, 12), deadline=at(2025, 3, 6, 11))
    closed(org.developer, completed=at(2025, 3, 6, 12))


def efficiency(user, **params):
    return page_client(user).get(reverse("tasks:efficiency"), params)


def rows_of(response) -> dict:
    return {
        row["user_id"]: (row["closed"], row["on_time"], row["overdue"], row["share"])
        for row in response.context["rows"]
    }


# --- periods -----------------------------------------------------------------------------------------


def test_period_bounds():
    d = datetime.date
    assert period_bounds("this_month", d(2026, 2, 14)) == (d(2026, 2, 1), d(2026, 2, 28))
    assert period_bounds("last_month", d(2026, 1, 14)) == (d(2025, 12, 1), d(2025, 12, 31))
    assert period_bounds("quarter", d(2026, 11, 29)) == (d(2026, 10, 1), d(2026, 12, 31))
    assert period_bounds("quarter", d(2026, 3, 31)) == (d(2026, 1, 1), d(2026, 3, 31))


def test_the_default_is_this_month(org):
    TaskFactory(responsible=org.east_rep, status=TaskStatus.COMPLETED, completed_at=timezone.now())
    response = efficiency(org.east_rep)
    start, end = period_bounds("this_month", timezone.localdate())
    assert response.context["bounds"] == (start, end)
    html = html_of(response)
    assert f'value="{start:%Y-%m-%d}"' in html and f'value="{end:%Y-%m-%d}"' in html
    assert rows_of(response) == {org.east_rep.pk: (1, 1, 0, 100)}


def test_custom_dates_need_both_days_in_order(org):
    response = efficiency(org.east_rep, period="custom", start="2025-03-10")
    html = html_of(response)
    assert response.status_code == 200 and 'data-error-for="end"' in html
    assert 'id="efficiency-table"' not in html
    response = efficiency(org.east_rep, period="custom", start="2025-03-10", end="2025-03-01")
    assert "The period ends before it starts." in html_of(response)
    response = efficiency(org.east_rep, period="custom", start="soon", end="2025-03-01")
    assert 'data-error-for="start"' in html_of(response) and 'value="soon"' in html_of(response)


def test_a_named_period_ignores_the_dates(org):
    response = efficiency(org.east_rep, period="last_month", start="2025-03-01", end="2025-03-31")
    assert response.context["bounds"] == period_bounds("last_month", timezone.localdate())


# --- whose efficiency --------------------------------------------------------------------------------


def test_a_person_sees_only_themselves(org, march):
    response = efficiency(org.east_rep, **MARCH)
    assert rows_of(response) == {org.east_rep.pk: (3, 2, 1, 50)}
    html = html_of(response)
    assert 'id="efficiency-scope"' not in html and 'id="efficiency-department"' not in html
    # Asking for more changes nothing: no other switch exists.
    assert "scope" in efficiency(org.east_rep, scope="subtree", **MARCH).context["form"].errors
    assert efficiency(org.east_rep, department=org.east.pk, **MARCH).status_code == 404


def test_a_supervisor_sees_their_direct_people_by_default(org, march):
    response = efficiency(org.sales_head, **MARCH)
    # Directly: the members of Sales and the head of Sales East (whose people are east_head's).
    assert rows_of(response) == {org.sales_rep.pk: (1, 0, 0, 0), org.east_head.pk: (0, 0, 0, None)}
    html = html_of(response)
    assert 'id="efficiency-scope"' in html and 'id="efficiency-department"' in html
    assert "nothing to count" in html


def test_the_subtree_switch_and_oneself(org, march):
    rows = rows_of(efficiency(org.sales_head, scope="subtree", **MARCH))
    assert set(rows) == {org.sales_rep.pk, org.east_head.pk, org.east_rep.pk, org.field_rep.pk}
    assert rows[org.east_rep.pk] == (3, 2, 1, 50) and rows[org.field_rep.pk] == (1, 1, 0, 100)
    assert set(rows_of(efficiency(org.sales_head, scope="me", **MARCH))) == {org.sales_head.pk}


def test_a_department_of_the_subtree_with_its_total(org, march):
    response = efficiency(org.sales_head, department=org.east.pk, **MARCH)
    assert set(rows_of(response)) == {org.east_head.pk, org.east_rep.pk, org.field_rep.pk}
    total = response.context["total"]
    assert (total["name"], total["closed"], total["on_time"], total["overdue"], total["share"]) == (
        "Sales East",
        4,
        3,
        1,
        60,
    )
    html = html_of(response)
    assert 'id="efficiency-total"' in html and "Sales East, in all" in html
    assert f'<option value="{org.east.pk}" selected>' in html


def test_a_department_outside_the_subtree_answers_404(org, march):
    assert efficiency(org.it_head, department=org.east.pk, **MARCH).status_code == 404
    assert efficiency(org.east_head, department=org.sales.pk, **MARCH).status_code == 404
    assert efficiency(org.sales_head, department=999999, **MARCH).status_code == 404
    response = efficiency(org.admin, department=org.it.pk, **MARCH)
    assert response.status_code == 200 and rows_of(response) == {
        org.it_head.pk: (0, 0, 0, None),
        org.developer.pk: (1, 1, 0, 100),
    }


def test_the_rows_link_to_the_tasks_behind_the_numbers(org, march):
    html = html_of(efficiency(org.sales_head, scope="subtree", **MARCH))
    who = f"/tasks/?role=all&amp;responsible={org.east_rep.pk}"
    assert f"{who}&amp;open=false&amp;closed_after=2025-03-01&amp;closed_before=2025-03-31" in html
    assert f"{who}&amp;overdue=true" in html


def test_the_chart_data_and_its_script(org, march):
    response = efficiency(org.sales_head, department=org.east.pk, **MARCH)
    chart = response.context["chart"]
    people = [row["name"] for row in response.context["rows"]]
    assert chart["labels"] == [*people, "Sales East, in all"]
    assert chart["highlight"] == [False, False, False, True]
    assert chart["values"][-1] == 60 and chart["max"] == 100
    html = html_of(response)
    assert 'data-chart="efficiency-chart-data"' in html and 'id="efficiency-chart-data"' in html
    start = html.index('id="efficiency-chart-data"')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert data == json.loads(json.dumps(chart))
    assert "vendor/chart.js/chart.umd.js" in html and "tasks/charts.js" in html
    # Chart.js loads only on the report pages.
    assert "chart.umd.js" not in html_of(page_client(org.sales_head).get(reverse("tasks:home")))


def test_htmx_gets_the_report_part(org, march):
    response = page_client(org.sales_head).get(
        reverse("tasks:efficiency"), {"scope": "subtree", **MARCH}, **HTMX
    )
    html = html_of(response)
    assert html.lstrip().startswith('<div id="efficiency-report"') and "<html" not in html


def test_the_efficiency_page_has_a_query_budget(org, march):
    client = page_client(org.sales_head)
    url = reverse("tasks:efficiency")

    def grow():
        for _ in range(10):
            person = UserFactory(department=org.east)
            closed(person, completed=at(2025, 3, 8, 12))
            TaskFactory(responsible=person, status=TaskStatus.NEW, deadline=at(2025, 3, 9, 12))

    client.get(url, MARCH)
    for params in ({**MARCH, "department": org.sales.pk}, {**MARCH, "scope": "subtree"}, {**MARCH}):
        assert_query_budget(lambda p=params: client.get(url, p), grow, budget=EFFICIENCY_BUDGET)
        grow = lambda: None  # noqa: E731 - the rows are there for the next scopes


# --- time spent --------------------------------------------------------------------------------------


@pytest.fixture
def logged(org):
    """March 2025: "Design" (Site project, estimate 1 h) 1 h by east_rep + 30 min by field_rep; "Build" (Site)
    1 h 30 by field_rep; "Memo" (no project) 10 min by east_rep; "Budget", hidden from east_rep, 2 h 30."""
    site = WorkgroupFactory(name="Site", visibility="secret")
    MembershipFactory(group=site, user=org.east_rep)
    design = TaskFactory(
        title="Design", creator=org.east_rep, responsible=org.east_rep, group=site, time_estimate=3600
    )
    build = TaskFactory(title="Build", creator=org.east_rep, responsible=org.field_rep, group=site)
    memo = TaskFactory(title="Memo", creator=org.east_rep, responsible=org.east_rep)
    hidden = TaskFactory(title="Budget", creator=org.it_head, responsible=org.developer)

    def entry(task, user, seconds, day):
        started = at(2025, 3, day, 9)
        TimeEntryFactory(
            task=task,
            user=user,
            seconds=seconds,
            started_at=started,
            ended_at=started + datetime.timedelta(seconds=seconds),
        )

    entry(design, org.east_rep, 3600, 3)
    entry(design, org.field_rep, 1800, 4)
    entry(build, org.field_rep, 5400, 5)
    entry(memo, org.east_rep, 600, 10)
    entry(hidden, org.developer, 9000, 4)
    TimeEntryFactory(task=design, user=org.east_rep, seconds=7200, started_at=at(2025, 4, 2, 9))  # April
    return {"site": site, "design": design, "build": build, "memo": memo, "hidden": hidden}


def time_report(user, **params):
    return page_client(user).get(reverse("tasks:time_report"), params)


def test_time_by_task_in_the_period_with_totals(org, logged):
    response = time_report(org.east_rep, **MARCH)
    rows = [(r["name"], r["seconds"], r["entries"]) for r in response.context["rows"]]
    assert rows == [("Design", 5400, 2), ("Build", 5400, 1), ("Memo", 600, 1)]  # equal times: by task id
    report = response.context["report"]
    assert (report["total_seconds"], report["total_entries"]) == (11400, 4)
    html = html_of(response)
    assert 'id="time-total"' in html and 'data-seconds="11400"' in html and "3 h 10 min" in html
    assert "Budget" not in html
    assert f'href="{logged["design"].get_absolute_url()}"' in html
    # Design: 1 h 30 logged against a 1 h estimate.
    design_row = html[html.index(f'data-row="{logged["design"].pk}"') :][:900]
    assert "data-over-estimate" in design_row
    build_row = html[html.index(f'data-row="{logged["build"].pk}"') :][:700]
    assert "data-over-estimate" not in build_row


def test_time_by_person_and_by_project(org, logged):
    response = time_report(org.east_rep, group_by="person", **MARCH)
    assert [(r["id"], r["seconds"]) for r in response.context["rows"]] == [
        (org.field_rep.pk, 7200),
        (org.east_rep.pk, 4200),
    ]
    assert f'href="{org.field_rep.get_absolute_url()}"' in html_of(response)
    response = time_report(org.east_rep, group_by="project", **MARCH)
    assert [(r["id"], r["seconds"]) for r in response.context["rows"]] == [
        (logged["site"].pk, 10800),
        (None, 600),
    ]
    html = html_of(response)
    assert 'data-row="none"' in html and "No project" in html
    assert 'id="group-by-project" value="project" checked' in html


def test_time_filters_by_person_and_project(org, logged):
    response = time_report(org.east_rep, person=org.field_rep.pk, **MARCH)
    assert response.context["report"]["total_seconds"] == 7200
    response = time_report(org.east_rep, group=logged["site"].pk, **MARCH)
    assert response.context["report"]["total_seconds"] == 10800
    # A project the viewer may not see is not a choice.
    response = time_report(org.developer, group=logged["site"].pk, **MARCH)
    assert "group" in response.context["form"].errors and response.context["report"] is None


def test_the_default_period_is_this_month(org, logged):
    TimeEntryFactory(task=logged["memo"], user=org.east_rep, seconds=1200, started_at=timezone.now())
    response = time_report(org.east_rep)
    assert response.context["report"]["total_seconds"] == 1200 and response.context["group_by"] == "task"


def test_no_time_says_so(org):
    html = html_of(time_report(org.developer, **MARCH))
    assert 'id="time-empty"' in html and 'id="time-chart"' not in html


def test_the_time_chart(org, logged):
    response = time_report(org.east_rep, group_by="project", **MARCH)
    assert response.context["chart"]["labels"] == ["Site", "No project"]
    assert response.context["chart"]["values"] == [3.0, 0.17]
    assert 'data-chart="time-chart-data"' in html_of(response)


def test_time_htmx_gets_the_report_part(org, logged):
    response = page_client(org.east_rep).get(
        reverse("tasks:time_report"), {"group_by": "person", **MARCH}, **HTMX
    )
    assert html_of(response).lstrip().startswith('<div id="time-report"')


def test_the_time_page_has_a_query_budget(org, logged):
    client = page_client(org.sales_head)
    url = reverse("tasks:time_report")

    def grow():
        for i in range(10):
            person = UserFactory(department=org.east)
            task = TaskFactory(title=f"More {i}", creator=person, responsible=person, group=logged["site"])
            TimeEntryFactory(task=task, user=person, seconds=600, started_at=at(2025, 3, 12, 9))

    client.get(url, MARCH)
    for group_by in ("task", "person", "project"):
        params = {**MARCH, "group_by": group_by}
        assert_query_budget(lambda p=params: client.get(url, p), grow, budget=TIME_BUDGET)
        grow = lambda: None  # noqa: E731


def test_the_reports_are_linked_from_the_task_list(org):
    html = html_of(page_client(org.east_rep).get(reverse("tasks:home")))
    assert (
        f'href="{reverse("tasks:efficiency")}"' in html and f'href="{reverse("tasks:time_report")}"' in html
    )


def test_the_chart_keeps_the_largest_rows_and_the_total():
    from tasks.views.reports import CHART_ROWS, _efficiency_chart

    people = [
        {
            "name": f"P{i}",
            "share": i,
            "is_total": False,
            "user_id": i,
            "closed": 1,
            "on_time": 0,
            "overdue": 0,
        }
        for i in range(CHART_ROWS + 5)
    ]
    total = {"name": "Sales", "share": 50, "is_total": True, "department_id": 1}
    chart = _efficiency_chart(people, total)
    assert len(chart["labels"]) == CHART_ROWS and chart["labels"][-1] == "Sales, in all"
    assert chart["labels"][:-1] == [f"P{i}" for i in range(CHART_ROWS - 1)]
    assert len(_efficiency_chart(people, None)["labels"]) == CHART_ROWS
