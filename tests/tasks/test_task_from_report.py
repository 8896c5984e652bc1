"""A task from a line of a work report: the "Make a task" links on the report's page (for those who rate it),
the new-task form pre-filled from ?from_report=&part=&line=, the task created with the report as its source
(shown on the task page as "Created from a work report"), and 404 for a report the user may not see."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from reports.choices import ReportStatus
from reports.models import WorkReport
from tasks.forms.tasks import report_initial, report_line
from tasks.models import Task
from tests.reports.factories import WorkReportFactory
from tests.tasks.lists_setup import html_of, page_client
from tests.utils import count_queries

pytestmark = pytest.mark.django_db

FACTS = "Met Acme about the renewal\n\n- Sent the offer to Globex\n   "
PLANS = "1. Call Initech back\nPrepare the fair booth"


@pytest.fixture
def report(org):
    """east_rep's report, sent to east_head (head of Sales East): visible to east_head, sales_head, ceo and
    admins; not to sales_rep or the developer."""
    return WorkReportFactory(
        author=org.east_rep,
        supervisor=org.east_head,
        period_start=datetime.date(2026, 3, 4),
        facts=FACTS,
        plans=PLANS,
        status=ReportStatus.SENT,
    )


def create_url(report, part, line) -> str:
    return f"{reverse('tasks:create')}?from_report={report.pk}&part={part}&line={line}"


# --- the links on the report's page ------------------------------------------------------------------


def test_raters_see_a_link_next_to_each_non_empty_line(org, report):
    html = html_of(page_client(org.east_head).get(reverse("reports:report_detail", args=[report.pk])))
    links = {"facts-1", "facts-3", "plans-1", "plans-2"}
    for key in links:
        assert f'data-make-task="{key}"' in html
    assert html.count("data-make-task=") == len(links)  # not for the empty lines
    assert f'href="{create_url(report, "facts", 3).replace("&", "&amp;")}"' in html
    assert "- Sent the offer to Globex" in html


def test_the_author_and_readers_who_do_not_rate_see_no_links(org, report):
    url = reverse("reports:report_detail", args=[report.pk])
    own = html_of(page_client(org.east_rep).get(url))
    assert "Met Acme about the renewal" in own and "data-make-task" not in own
    assert "Call Initech back" in own
    # The head above rates too (anyone who supervises the author); an admin as well.
    assert "data-make-task" in html_of(page_client(org.sales_head).get(url))
    assert "data-make-task" in html_of(page_client(org.admin).get(url))


def test_the_links_cost_no_query(org, report):
    client = page_client(org.east_head)
    url = reverse("reports:report_detail", args=[report.pk])
    client.get(url)
    with_lines = count_queries(lambda: client.get(url))
    report.facts, report.plans = "one line", ""
    report.save(update_fields=["facts", "plans"])
    assert count_queries(lambda: client.get(url)) == with_lines


# --- the form and the task ---------------------------------------------------------------------------


def test_the_form_is_pre_filled_from_the_line(org, report):
    response = page_client(org.east_head).get(create_url(report, "facts", 3))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["title"].value() == "Sent the offer to Globex"  # without the list bullet
    description = form["description"].value()
    assert "> - Sent the offer to Globex" in description
    assert org.east_rep.full_name in description and "What was done" in description
    assert reverse("reports:report_detail", args=[report.pk]) in description
    assert form["responsible"].value() == org.east_rep.pk
    assert "Made from a work report." in html_of(response)


def test_a_line_of_the_plans(org, report):
    initial = report_initial(report, part="plans", line="1")
    assert initial["title"] == "Call Initech back" and "Plans" in initial["description"]
    assert report_line(report, part="plans", line=2) == "Prepare the fair booth"


def test_a_long_line_is_trimmed_to_the_title_length(org, report):
    report.facts = "x" * 400
    report.save(update_fields=["facts"])
    assert len(report_initial(report, part="facts", line=1)["title"]) == 250


def test_the_task_is_created_with_the_report_as_its_source(org, report):
    client = page_client(org.east_head)
    url = create_url(report, "plans", 2)
    response = client.post(
        url, {"title": "Prepare the fair booth", "responsible": org.east_rep.pk, "priority": "normal"}
    )
    assert response.status_code == 302
    task = Task.objects.get(title="Prepare the fair booth")
    assert (task.source_type.model_class(), task.source_id) == (WorkReport, str(report.pk))
    assert (task.creator_id, task.responsible_id) == (org.east_head.pk, org.east_rep.pk)
    page = html_of(client.get(task.get_absolute_url()))
    detail = page[page.index('id="task-source"') :][:400]
    assert "Created from a work report" in detail
    assert reverse("reports:report_detail", args=[report.pk]) in detail


@pytest.mark.parametrize(
    ("part", "line"),
    [("results", 1), ("facts", 2), ("facts", 4), ("facts", 0), ("plans", "x"), ("facts", "")],
)
def test_a_line_that_is_not_there_answers_404(org, report, part, line):
    assert page_client(org.east_head).get(create_url(report, part, line)).status_code == 404


def test_a_report_the_user_may_not_see_answers_404(org, report):
    url = create_url(report, "facts", 1)
    assert page_client(org.developer).get(url).status_code == 404
    assert page_client(org.sales_rep).get(url).status_code == 404
    response = page_client(org.developer).post(url, {"title": "Steal", "responsible": org.developer.pk})
    assert response.status_code == 404
    assert not Task.objects.filter(title="Steal").exists()
    assert page_client(org.east_head).get(f"{reverse('tasks:create')}?from_report=999999").status_code == 404


def test_the_author_may_make_a_task_of_their_own_plans(org, report):
    response = page_client(org.east_rep).get(create_url(report, "plans", 1))
    assert response.status_code == 200
    assert response.context["form"]["title"].value() == "Call Initech back"
