# ruff: noqa: F811 - the fixtures imported from reports_support are redefined as test arguments
"""The pre-fill stored with a sent report is read by the supervisor and HR: a line naming a task the reader
may not see shows "a task you cannot see" and its time, never the title (page and API); the author reads all
of their own lines. Filtering costs one query for the whole report (or page of reports)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.core.registry import PrefillSource, registry
from reports import selectors
from reports.choices import ReportStatus
from tests.people.factories import UserFactory
from tests.reports.factories import WorkReportFactory
from tests.reports.reports_support import WEDNESDAY, people  # noqa: F401 (fixtures)
from tests.tasks.factories import TaskFactory
from tests.utils import assert_query_budget, client_as

pytestmark = pytest.mark.django_db

LIST = "/api/v1/reports/reports/"
SECRET = "Secret merger talks"
OWN = "Quote for Acme"


def _prefill(own, secret) -> dict:
    """What report_prefill stores: east_rep closed `own` and logged time on `secret` and `own`."""
    return {
        "period_start": WEDNESDAY.isoformat(),
        "period_end": WEDNESDAY.isoformat(),
        "closed_tasks": [
            {"id": own.pk, "title": OWN, "completed_at": "2026-11-25T10:00:00+00:00"},
        ],
        "time_by_task": [
            {"task_id": secret.pk, "title": SECRET, "seconds": 7200},
            {"task_id": own.pk, "title": OWN, "seconds": 1800},
        ],
        "time_seconds": 9000,
        "worked_seconds": 28800,
        "workdays": [],
        "late_starts": [],
        "extra": {},
    }


@pytest.fixture
def laid(people):
    """`own` is east_rep's task (east_head and sales_head, heading their departments, see it); `secret` is
    a task east_rep set the developer in IT: east_rep sees it, their heads do not. HR (reports.view_all)
    reads every report but sees only the tasks they take part in."""
    own = TaskFactory(creator=people.east_head, responsible=people.east_rep, title=OWN)
    secret = TaskFactory(creator=people.east_rep, responsible=people.developer, title=SECRET)
    report = WorkReportFactory(
        author=people.east_rep,
        period_start=WEDNESDAY,
        status=ReportStatus.SENT,
        supervisor=people.east_head,
        prefill=_prefill(own, secret),
    )
    hr = UserFactory(department=people.it)
    hr.user_permissions.add(Permission.objects.get(codename="view_all", content_type__app_label="reports"))
    return own, secret, report, hr


def _page(user, report) -> str:
    response = client_as(user).get(reverse("reports:report_detail", args=[report.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_supervisor_reads_hidden_tasks_without_their_title(people, laid):
    own, secret, report, _hr = laid
    page = _page(people.east_head, report)
    assert OWN in page and f'data-prefill-task="{own.pk}"' in page
    assert SECRET not in page
    assert reverse("tasks:detail", args=[secret.pk]) not in page
    assert page.count("a task you cannot see") == 1
    assert "2:00" in page  # the hidden line keeps its time


def test_hr_reads_no_title_of_tasks_they_cannot_see(people, laid):
    _own, _secret, report, hr = laid
    page = _page(hr, report)
    assert OWN not in page and SECRET not in page
    assert page.count("a task you cannot see") == 3  # the closed task and both time lines


def test_the_author_reads_all_their_lines(people, laid):
    _own, secret, report, _hr = laid
    page = _page(people.east_rep, report)
    assert OWN in page and SECRET in page and "a task you cannot see" not in page
    body = client_as(people.east_rep).get(f"{LIST}{report.pk}/").json()
    assert [line["title"] for line in body["prefill"]["time_by_task"]] == [SECRET, OWN]


def test_the_api_hides_the_same_lines(people, laid):
    own, secret, report, _hr = laid
    client = client_as(people.east_head)
    for response in (client.get(f"{LIST}{report.pk}/"), client.get(LIST), client.get(f"{LIST}to-rate/")):
        assert response.status_code == 200
        assert SECRET not in response.content.decode()
    prefill = client.get(f"{LIST}{report.pk}/").json()["prefill"]
    assert prefill["closed_tasks"] == [
        {"id": own.pk, "title": OWN, "completed_at": "2026-11-25T10:00:00+00:00", "hidden": False}
    ]
    assert prefill["time_by_task"] == [
        {"task_id": None, "title": "", "seconds": 7200, "hidden": True},
        {"task_id": own.pk, "title": OWN, "seconds": 1800, "hidden": False},
    ]
    assert prefill["time_seconds"] == 9000
    listed = client.get(LIST).json()["results"][0]["prefill"]
    assert listed == prefill
    report.refresh_from_db()
    assert report.prefill["time_by_task"][0]["title"] == SECRET  # stored as it was, filtered when read


def test_hr_gets_no_title_over_the_api(people, laid):
    _own, _secret, report, hr = laid
    prefill = client_as(hr).get(f"{LIST}{report.pk}/").json()["prefill"]
    assert prefill["closed_tasks"] == [
        {"id": None, "title": "", "completed_at": "2026-11-25T10:00:00+00:00", "hidden": True}
    ]
    assert [line["hidden"] for line in prefill["time_by_task"]] == [True, True]


def test_one_query_for_the_lines_of_all_the_reports(people, laid, django_assert_num_queries):
    own, secret, report, hr = laid
    more = [
        WorkReportFactory(
            author=UserFactory(department=people.east),
            period_start=WEDNESDAY,
            status=ReportStatus.SENT,
            prefill=_prefill(own, secret),
        )
        for _ in range(5)
    ]
    with CaptureQueriesContext(connection) as ctx:
        shown = selectors.report_prefills_shown(user=people.east_head, reports=[report, *more])
    # One query on the tasks (plus the reader's headed department, which the visibility rule reads).
    assert len([q for q in ctx.captured_queries if "tasks_task" in q["sql"]]) == 1
    assert len(ctx.captured_queries) <= 2
    assert all(shown[r.pk]["time_by_task"][0]["hidden"] for r in [report, *more])
    with django_assert_num_queries(0):  # the author's own report needs no check
        selectors.report_prefills_shown(user=people.east_rep, reports=[report])


def test_the_list_api_costs_the_same_whatever_the_lines(people, laid):
    own, secret, _report, _hr = laid
    client = client_as(people.sales_head)

    def grow():
        for _ in range(20):
            WorkReportFactory(
                author=UserFactory(department=people.east),
                period_start=WEDNESDAY,
                status=ReportStatus.SENT,
                supervisor=people.east_head,
                prefill=_prefill(own, secret),
            )

    grow()
    client.get(LIST)
    assert_query_budget(lambda: client.get(LIST), grow, budget=9)


@pytest.fixture
def crm_source():
    source = PrefillSource(
        "crm", "Deals", compute=lambda *args: [], visible=lambda reader, ids: {1} & set(ids)
    )
    with registry.report_prefill.override(source):
        yield source


def test_registered_sources_say_what_the_reader_may_see(people, laid, crm_source):
    _own, _secret, report, _hr = laid
    report.prefill["extra"] = {
        "crm": {
            "label": "Deals",
            "items": [{"id": 1, "title": "Acme deal"}, {"id": 2, "title": "Rival deal"}],
        },
        "calendar": {"label": "Meetings", "items": [{"title": "Board meeting", "url": "/cal/1"}]},
    }
    report.save(update_fields=["prefill"])

    shown = selectors.report_prefills_shown(user=people.east_head, reports=[report])[report.pk]["extra"]
    assert shown["crm"]["items"] == [
        {"id": 1, "title": "Acme deal", "hidden": False},
        {"hidden": True},
    ]
    # A source that cannot say who may see its items (or is gone) shows them to the author only.
    assert shown["calendar"]["items"] == [{"hidden": True}]
    page = _page(people.east_head, report)
    assert "Acme deal" in page and "Rival deal" not in page and "Board meeting" not in page
    assert "an item you cannot see" in page
    own_view = selectors.report_prefills_shown(user=people.east_rep, reports=[report])[report.pk]["extra"]
    assert own_view["calendar"]["items"][0]["title"] == "Board meeting"
