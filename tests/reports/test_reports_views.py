# ruff: noqa: F811 - the fixtures imported from reports_support are redefined as test arguments
"""Work-report pages: writing with the pre-fill, saving and sending, the detail with its rating block and
history, the supervisor's one-click inbox (htmx, without leaving the page), the settings page, and the
query budgets of the lists."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from portal.notifications.models import Notification
from reports import services
from reports.choices import Rating, ReportStatus
from reports.models import ReportSettings, WorkReport
from tests.people.factories import UserFactory
from tests.reports.factories import WorkReportFactory
from tests.reports.reports_support import (  # noqa: F401 (fixtures)
    BERLIN,
    UTC,
    WEDNESDAY,
    at,
    clock,
    commit,
    people,
)
from tests.tasks.factories import TaskFactory
from tests.utils import assert_query_budget

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def browser(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- writing -----------------------------------------------------------------------------------------


def test_write_page_prefills_facts_with_the_tasks_completed_today(people, clock):
    clock.set(at(BERLIN, 2026, 11, 25, 17, 0))
    TaskFactory(
        responsible=people.east_rep,
        creator=people.east_head,
        title="Signed the Acme contract",
        status="completed",
        completed_at=at(BERLIN, 2026, 11, 25, 10, 0),
    )
    page = browser(people.east_rep).get(reverse("reports:report_write"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "- Signed the Acme contract</textarea>" in html
    assert 'id="report-prefill"' in html and "data-prefill-task" in html
    assert "19:00" in html  # the due time, in the person's zone


def test_write_save_draft_then_send(people, clock, commit):
    clock.set(at(BERLIN, 2026, 11, 25, 17, 0))
    client = browser(people.east_rep)
    url = reverse("reports:report_write")
    data = {"facts": "Met Acme", "results": "Signed", "emotions": "", "plans": "Invoice", "save": "1"}
    response = client.post(url, data)
    assert response.status_code == 302
    report = WorkReport.objects.get(author=people.east_rep)
    assert (report.status, report.facts, report.period_start) == (ReportStatus.DRAFT, "Met Acme", WEDNESDAY)
    page = client.get(url)
    assert "Met Acme</textarea>" in page.content.decode()
    with commit():
        response = client.post(url, {**data, "send": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:report_detail", args=[report.pk])
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT
    assert Notification.objects.filter(recipient=people.east_head, kind="report_sent").exists()


def test_sending_without_facts_shows_the_error_on_the_field(people, clock):
    response = browser(people.east_rep).post(reverse("reports:report_write"), {"facts": "", "send": "1"})
    assert response.status_code == 200
    assert "Say what was done before sending the report." in response.content.decode()
    assert not WorkReport.objects.exists()


def test_write_page_of_an_earlier_day_and_a_rated_report(people, clock):
    client = browser(people.east_rep)
    url = reverse("reports:report_write") + "?date=2026-11-20"
    client.post(url, {"facts": "Friday work", "send": "1"})
    report = WorkReport.objects.get(author=people.east_rep)
    assert report.period_start == datetime.date(2026, 11, 20)
    services.report_rate(actor=people.east_head, report=report, rating=Rating.POSITIVE)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:report_detail", args=[report.pk])
    # A day in the future falls back to the current period.
    page = client.get(reverse("reports:report_write") + "?date=2027-01-01")
    assert page.status_code == 200 and page.context["span"].start == WEDNESDAY


# --- one report and the rating -----------------------------------------------------------------------


@pytest.fixture
def sent(people, clock):
    clock.set(at(BERLIN, 2026, 11, 25, 17, 0))
    return services.report_save(actor=people.east_rep, facts="Met Acme", send=True)


def test_detail_shows_the_rating_block_only_to_those_who_rate(people, sent):
    url = reverse("reports:report_detail", args=[sent.pk])
    own = browser(people.east_rep).get(url).content.decode()
    assert "Met Acme" in own and 'id="rate-form"' not in own and 'id="report-edit"' in own
    boss = browser(people.east_head).get(url).content.decode()
    assert 'id="rate-form"' in boss and 'id="return-form"' in boss


def test_rating_from_the_detail_page_with_htmx(people, sent):
    response = browser(people.east_head).post(
        reverse("reports:report_rate", args=[sent.pk]), {"rating": "negative", "comment": "Too short"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="report-rating"' in html and 'data-report-status="rated-negative"' in html
    assert "Too short" in html and 'id="rate-form"' not in html
    sent.refresh_from_db()
    assert (sent.status, sent.rating) == (ReportStatus.RATED, Rating.NEGATIVE)


def test_return_then_history_on_the_detail(people, sent):
    client = browser(people.east_head)
    response = client.post(reverse("reports:report_return", args=[sent.pk]), {"comment": "Add numbers"})
    assert response.status_code == 302
    services.report_save(actor=people.east_rep, facts="Met Acme: 3 licences", send=True)
    page = browser(people.east_rep).get(reverse("reports:report_detail", args=[sent.pk])).content.decode()
    assert 'id="report-history"' in page
    assert page.count("data-revision=") == 2
    assert "Add numbers" in page


def test_return_without_comment_changes_nothing(people, sent):
    response = browser(people.east_head).post(
        reverse("reports:report_return", args=[sent.pk]), {"comment": ""}, **HTMX
    )
    assert response.status_code == 200
    assert "Say what should change." in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == ReportStatus.SENT


# --- the inbox ---------------------------------------------------------------------------------------


def test_inbox_rates_one_row_in_place(people, sent):
    other = services.report_save(actor=people.field_rep, facts="Field visit", send=True)
    client = browser(people.east_head)
    page = client.get(reverse("reports:to_rate"))
    html = page.content.decode()
    assert f'id="report-row-{sent.pk}"' in html and f'id="report-row-{other.pk}"' in html
    response = client.post(
        reverse("reports:report_rate", args=[sent.pk]), {"rating": "positive", "from": "inbox"}, **HTMX
    )
    assert response.status_code == 200
    row = response.content.decode()
    assert row.strip().startswith(f'<div class="list-group-item" id="report-row-{sent.pk}"')
    assert "Rated positive." in row and "report-rate-form" not in row
    assert f'id="report-row-{sent.pk}"' not in client.get(reverse("reports:to_rate")).content.decode()
    # Without htmx the same button goes back to the inbox.
    response = client.post(
        reverse("reports:report_rate", args=[other.pk]),
        {"rating": "negative", "from": "inbox", "next": reverse("reports:to_rate")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("reports:to_rate")


def test_inbox_direct_and_whole_sub_tree(people, sent):
    client = browser(people.sales_head)
    direct = client.get(reverse("reports:to_rate")).content.decode()
    assert f'id="report-row-{sent.pk}"' not in direct  # sent to east_head
    everyone = client.get(reverse("reports:to_rate") + "?all=1").content.decode()
    assert f'id="report-row-{sent.pk}"' in everyone
    assert 'id="control-beat"' in everyone  # the inbox is a control page: its time is measured


def test_inbox_is_for_supervisors(people):
    assert browser(people.east_rep).get(reverse("reports:to_rate")).status_code == 403


# --- the list ----------------------------------------------------------------------------------------


def test_list_shows_mine_and_my_peoples_with_filters(people, sent):
    WorkReportFactory(author=people.developer, period_start=WEDNESDAY)
    rated = WorkReportFactory(
        author=people.field_rep, period_start=WEDNESDAY, status=ReportStatus.RATED, rating=Rating.NEGATIVE
    )
    client = browser(people.east_head)
    html = client.get(reverse("reports:report_list")).content.decode()
    assert html.count("data-report=") == 2
    filtered = client.get(reverse("reports:report_list"), {"rating": "negative"}, **HTMX).content.decode()
    assert filtered.count("data-report=") == 1 and f'data-report="{rated.pk}"' in filtered
    waiting = client.get(reverse("reports:report_list"), {"waiting": "true"}).content.decode()
    assert waiting.count("data-report=") == 1 and f'data-report="{sent.pk}"' in waiting
    mine = browser(people.east_rep).get(reverse("reports:report_list")).content.decode()
    assert mine.count("data-report=") == 1


def _grow(people, n: int):
    authors = [UserFactory(department=people.east) for _ in range(n)]
    WorkReport.objects.bulk_create(
        [
            WorkReport(
                author=a,
                supervisor=people.east_head,
                period_start=WEDNESDAY - datetime.timedelta(days=i % 5),
                period_end=WEDNESDAY - datetime.timedelta(days=i % 5),
                facts="Work",
                status=ReportStatus.SENT,
                sent_at=at(UTC, 2026, 11, 25, 12, 0),
                prefill={"worked_seconds": 3600, "closed_tasks": [{"id": 1, "title": "x"}]},
            )
            for i, a in enumerate(authors)
        ]
    )


def test_list_page_query_budget(people, sent):
    client = browser(people.east_head)
    _grow(people, 3)
    client.get(reverse("reports:report_list"))  # warm the per-process caches (content types, session)
    assert_query_budget(
        lambda: client.get(reverse("reports:report_list")), lambda: _grow(people, 40), budget=12
    )


def test_inbox_query_budget(people, sent):
    client = browser(people.east_head)
    _grow(people, 3)
    client.get(reverse("reports:to_rate"))  # warm the per-process caches (content types, session)
    assert_query_budget(lambda: client.get(reverse("reports:to_rate")), lambda: _grow(people, 40), budget=10)
    page = client.get(reverse("reports:to_rate"))
    assert page.content.decode().count('class="report-rate-form"') == 44


# --- settings ----------------------------------------------------------------------------------------


def test_settings_page_lists_my_sub_tree_and_saves(people):
    client = browser(people.sales_head)
    page = client.get(reverse("reports:report_settings"))
    assert page.status_code == 200
    rows = [row.department for row in page.context["rows"]]
    assert rows == [people.sales, people.east, people.field]
    response = client.post(
        reverse("reports:report_settings"),
        {"department": people.east.pk, "period": "week", "due_time": "17:00", "due_weekday": "4"},
    )
    assert response.status_code == 302
    assert ReportSettings.objects.get(department=people.east).period == "week"
    # A department outside the sub-tree is not a choice.
    response = client.post(
        reverse("reports:report_settings"),
        {"department": people.it.pk, "period": "week", "due_time": "17:00", "due_weekday": "4"},
    )
    assert response.status_code == 200
    assert not ReportSettings.objects.filter(department=people.it).exists()
    response = client.post(
        reverse("reports:report_settings"),
        {
            "department": people.east.pk,
            "period": "week",
            "due_time": "17:00",
            "due_weekday": "4",
            "reset": "1",
        },
    )
    assert response.status_code == 302
    assert not ReportSettings.objects.filter(department=people.east).exists()
