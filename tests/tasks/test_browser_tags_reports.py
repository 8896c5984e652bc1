"""The extra pages in a real browser: the efficiency and time charts drawn by Chart.js and redrawn after each
htmx swap of the pickers (a typed date switches the period to "Dates…"), the tags page changing tags in
place, and a task made from a line of a work report. Any JavaScript error fails the test."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from reports.choices import ReportStatus
from tasks.choices import TaskStatus
from tasks.forms.reports import period_bounds
from tasks.models import Tag, Task
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.plugins.browser import htmx_settled
from tests.reports.factories import WorkReportFactory
from tests.tasks.factories import TagFactory, TaskFactory, TaskTagFactory, TimeEntryFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"
UTC = datetime.UTC
MARCH = "period=custom&start=2025-03-01&end=2025-03-31"
CHART_LABELS = (
    "(id) => { const c = Chart.getChart(document.getElementById(id)); return c ? c.data.labels : null; }"
)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def chart_labels(page, canvas_id: str):
    return page.evaluate(CHART_LABELS, canvas_id)


def wait_for_chart(page, canvas_id: str, condition: str) -> None:
    """Wait until the chart on `canvas_id` is drawn and `condition` (JS, on its `labels`) holds."""
    page.wait_for_function(
        f"() => {{ const c = Chart.getChart(document.getElementById('{canvas_id}'));"
        f" if (!c) return false; const labels = c.data.labels; return {condition}; }}"
    )


def closed(person, day, *, late=False):
    deadline = at(2025, 3, day - 1, 12) if late else at(2025, 3, day + 1, 12)
    return TaskFactory(
        responsible=person,
        status=TaskStatus.COMPLETED,
        completed_at=at(2025, 3, day, 12),
        deadline=deadline,
        became_overdue=late,
    )


@pytest.fixture
def march(org):
    for day in (3, 5, 7, 11):
        closed(org.east_rep, day)
    closed(org.east_rep, 13, late=True)
    closed(org.field_rep, 6)
    closed(org.field_rep, 9, late=True)
    closed(org.sales_rep, 4, late=True)
    closed(org.sales_rep, 12)
    closed(org.sales_rep, 18)
    TaskFactory(responsible=org.field_rep, status=TaskStatus.IN_PROGRESS, deadline=at(2025, 3, 20, 12))


def test_the_efficiency_chart_follows_the_pickers(page, live_server, login, screenshot, org, march):
    login(page, live_server, org.sales_head.email, PASSWORD)
    page.goto(f"{live_server.url}{reverse('tasks:efficiency')}?{MARCH}&scope=subtree")
    wait_for_chart(page, "efficiency-chart", "labels.length === 4")
    expect(page.locator("#efficiency-table tbody tr")).to_have_count(4)
    screenshot("tasks-efficiency")

    page.select_option("#efficiency-department", str(org.east.pk))
    wait_for_chart(page, "efficiency-chart", "labels.length === 4 && labels[3] === 'Sales East, in all'")
    expect(page.locator("#efficiency-total")).to_contain_text("Sales East, in all")
    assert f"department={org.east.pk}" in page.url
    screenshot("tasks-efficiency-department")

    # A named period, then a typed date: the request says "custom" and keeps the date.
    page.select_option("[data-period-select]", "last_month")
    first, last = period_bounds("last_month", timezone.localdate())
    expect(page.locator("#report-start")).to_have_value(first.isoformat())  # swapped in
    htmx_settled(page)  # the new form listens for changes once htmx has settled it
    page.fill("#report-start", "2025-03-02")
    expect(page.locator("#efficiency-period")).to_contain_text("From March 2, 2025 to")
    expect(page.locator("[data-period-select]")).to_have_value("custom")
    expect(page.locator("#report-end")).to_have_value(last.isoformat())
    assert "period=custom" in page.url and "start=2025-03-02" in page.url
    wait_for_chart(page, "efficiency-chart", "labels.length === 4 && labels[3] === 'Sales East, in all'")


def test_the_time_report_regroups_in_place(page, live_server, login, screenshot, org):
    site = WorkgroupFactory(name="Website relaunch")
    MembershipFactory(group=site, user=org.east_rep)
    design = TaskFactory(
        title="Design the home page",
        creator=org.east_rep,
        responsible=org.east_rep,
        group=site,
        time_estimate=7200,
    )
    copy = TaskFactory(title="Write the copy", creator=org.east_rep, responsible=org.field_rep, group=site)
    memo = TaskFactory(title="Quarterly memo", creator=org.east_rep, responsible=org.east_rep)
    for task, user, seconds, day in [
        (design, org.east_rep, 5400, 3),
        (design, org.field_rep, 3600, 4),
        (copy, org.field_rep, 7200, 5),
        (memo, org.east_rep, 1800, 10),
    ]:
        started = at(2025, 3, day, 9)
        TimeEntryFactory(
            task=task,
            user=user,
            seconds=seconds,
            started_at=started,
            ended_at=started + datetime.timedelta(seconds=seconds),
        )
    login(page, live_server, org.east_rep.email, PASSWORD)
    page.goto(f"{live_server.url}{reverse('tasks:time_report')}?{MARCH}")
    wait_for_chart(page, "time-chart", "labels.length === 3")
    expect(page.locator("#time-total")).to_contain_text("5 h 00 min")
    expect(page.locator("[data-over-estimate]")).to_have_count(1)
    screenshot("tasks-time-by-task")

    page.click("label[for=group-by-person]")
    wait_for_chart(page, "time-chart", "labels.length === 2")
    assert "group_by=person" in page.url
    page.click("label[for=group-by-project]")
    wait_for_chart(page, "time-chart", "labels.includes('No project') && labels.includes('Website relaunch')")
    screenshot("tasks-time-by-project")


def test_the_tags_page_changes_tags_in_place(page, live_server, login, screenshot, org):
    fair = WorkgroupFactory(name="Trade fair")
    MembershipFactory(group=fair, user=org.east_rep, role="owner")
    urgent = TagFactory(owner=org.east_rep, name="urgent")
    later = TagFactory(owner=org.east_rep, name="later")
    booth = Tag.objects.create(group=fair, name="booth")
    for title in ("Call Acme", "Send the offer", "Book the hotel"):
        TaskTagFactory(
            task=TaskFactory(creator=org.east_rep, responsible=org.east_rep, title=title), tag=urgent
        )
    TaskTagFactory(task=TaskFactory(creator=org.east_rep, responsible=org.field_rep, group=fair), tag=booth)
    login(page, live_server, org.east_rep.email, PASSWORD)
    page.goto(f"{live_server.url}{reverse('tasks:tags')}")
    expect(page.locator(f'[data-tag-count="{urgent.pk}"]')).to_contain_text("3 open tasks")
    screenshot("tasks-tags")

    page.fill("#id_new-name", "Q3 goals")
    page.select_option("#id_new-group", str(fair.pk))
    page.click("#tag-create button[type=submit]")
    expect(page.locator("#tags-done")).to_contain_text("Q3 goals")
    htmx_settled(page)  # the swapped-in page posts through htmx once settled
    assert Tag.objects.filter(group=fair, name="Q3 goals").exists()

    row = page.locator(f"#tag-{later.pk}")
    row.locator("summary").click()
    row.locator("input[name=name]").fill("urgent")
    row.locator("form[data-tag-rename] button").click()
    expect(page.locator(f"#tag-{later.pk} [data-error-for=name]")).to_contain_text("merge the two tags")
    htmx_settled(page)

    page.select_option("#id_merge-source", str(later.pk))
    page.select_option("#id_merge-target", str(urgent.pk))
    page.click("#tag-merge button[type=submit]")
    expect(page.locator("#tags-done")).to_contain_text("merged into “urgent”")
    expect(page.locator(f"#tag-{later.pk}")).to_have_count(0)
    htmx_settled(page)

    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f'[data-tag-delete="{urgent.pk}"]')
    expect(page.locator("#tags-done")).to_contain_text("deleted")
    assert not Tag.objects.filter(pk=urgent.pk).exists()


def test_a_task_from_a_line_of_a_work_report(page, live_server, login, screenshot, org):
    report = WorkReportFactory(
        author=org.east_rep,
        supervisor=org.east_head,
        period_start=datetime.date(2026, 3, 4),
        facts="Met Acme about the renewal\n- Sent the offer to Globex",
        plans="Call Initech back about the pilot\nPrepare the fair booth",
        status=ReportStatus.SENT,
    )
    login(page, live_server, org.east_head.email, PASSWORD)
    page.goto(f"{live_server.url}{reverse('reports:report_detail', args=[report.pk])}")
    expect(page.locator("[data-make-task]")).to_have_count(4)
    screenshot("reports-report-make-task")
    page.click('[data-make-task="plans-1"]')
    expect(page.locator("#id_title")).to_have_value("Call Initech back about the pilot")
    expect(page.locator("#task-source")).to_contain_text("Made from a work report.")
    page.click("#task-form [type=submit]:not([name=another])")
    expect(page.locator("#task-source")).to_contain_text("Created from a work report")
    task = Task.objects.get(title="Call Initech back about the pilot")
    assert task.responsible_id == org.east_rep.pk
