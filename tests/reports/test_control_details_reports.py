# ruff: noqa: F811 - the fixtures imported from reports_support are redefined as test arguments
"""The reports a supervisor opens in place on the control dashboard: the fragment (reports waiting for a
rating, the facts of a day whose report is missing, the last rated one), rating from it, "Remind" once a day,
and the inbox's one-person filter and "Rate all shown as positive". Time: Wednesday 25 November 2026, 12:00
UTC (`clock`); east_rep works in Berlin, reports daily by 19:00 and reports to east_head.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from portal.core.errors import Invalid, NotAllowed
from portal.notifications.models import Notification, Reminder
from reports import selectors, services
from reports.choices import DayState, Rating, ReportStatus
from reports.models import WorkReport
from tests.people.factories import UserFactory
from tests.reports.factories import WorkDayFactory, WorkReportFactory
from tests.reports.reports_support import (  # noqa: F401 (fixtures)
    BERLIN,
    MONDAY,
    UTC,
    WEDNESDAY,
    at,
    clock,
    commit,
    people,
)
from tests.tasks.factories import TaskFactory
from tests.utils import assert_query_budget, count_queries

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
TUESDAY = datetime.date(2026, 11, 24)
FRIDAY = datetime.date(2026, 11, 20)


def browser(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def sent(author, day, *, supervisor=None, **fields) -> WorkReport:
    return WorkReportFactory(
        author=author,
        period_start=day,
        status=ReportStatus.SENT,
        supervisor=supervisor,
        sent_at=at(UTC, day.year, day.month, day.day, 17, 0),
        **fields,
    )


def detail_url(person, date: datetime.date | None = None) -> str:
    url = reverse("reports:control_reports", args=[person.pk])
    return f"{url}?date={date.isoformat()}" if date else url


def rate_url(report) -> str:
    return reverse("reports:control_report_rate", args=[report.pk])


def remind_url(person) -> str:
    return reverse("reports:control_report_remind", args=[person.pk])


@pytest.fixture
def waiting(people, clock):
    """Two reports of east_rep waiting for east_head's rating (Friday's and Monday's)."""
    return [
        sent(
            people.east_rep,
            FRIDAY,
            supervisor=people.east_head,
            facts="Called Acme",
            results="A meeting on Monday",
            emotions="Glad",
            plans="Prepare the offer",
        ),
        sent(people.east_rep, MONDAY, supervisor=people.east_head, facts="Met Acme", plans="Send the offer"),
    ]


# --- the fragment ------------------------------------------------------------------------------------


def test_fragment_lists_waiting_reports_newest_first_with_their_text_and_rating_forms(people, waiting):
    friday, monday = waiting
    response = browser(people.east_head).get(detail_url(people.east_rep), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(
        f'<div class="control-detail py-2" id="control-detail-reports-{people.east_rep.pk}"'
    )
    assert "<html" not in html and "Back to the dashboard" not in html
    assert html.index(f'data-report="{monday.pk}"') < html.index(f'data-report="{friday.pk}"')
    for text in ("Called Acme", "A meeting on Monday", "Glad", "Prepare the offer", "Met Acme"):
        assert text in html
    assert html.count('name="rating" value="positive"') == 2
    assert f'hx-post="{rate_url(monday)}"' in html and 'hx-target="closest .control-detail"' in html
    assert f"{reverse('reports:report_list')}?author={people.east_rep.pk}" in html
    assert f"{reverse('reports:to_rate')}?author={people.east_rep.pk}" in html
    assert "onclick" not in html and "<script" not in html


def test_fragment_without_htmx_is_a_small_page_back_to_the_dashboard(people, waiting):
    html = browser(people.east_head).get(detail_url(people.east_rep)).content.decode()
    assert "<html" in html and 'id="control-back"' in html and reverse("reports:home") in html
    assert f'id="control-detail-reports-{people.east_rep.pk}"' in html


def test_fragment_shows_what_the_viewer_may_rate_only(people, waiting):
    """The inbox's rule: a head of the sub-tree above (sales_head) rates too; a report still a draft or
    returned does not wait."""
    WorkReportFactory(author=people.east_rep, period_start=TUESDAY, status=ReportStatus.RETURNED)
    html = browser(people.sales_head).get(detail_url(people.east_rep), **HTMX).content.decode()
    assert html.count("data-report=") == 2


def test_fragment_shows_the_last_rated_report_when_nothing_waits(people, clock):
    old = WorkReportFactory(
        author=people.east_rep, period_start=FRIDAY, status=ReportStatus.RATED, rating=Rating.NEGATIVE
    )
    WorkReportFactory(
        author=people.east_rep,
        period_start=FRIDAY - datetime.timedelta(days=1),
        status=ReportStatus.RATED,
        rating=Rating.POSITIVE,
    )
    html = browser(people.east_head).get(detail_url(people.east_rep), **HTMX).content.decode()
    assert "Nothing waits for your rating." in html
    assert f'data-last-rated="{old.pk}"' in html and 'data-report-status="rated-negative"' in html
    assert "data-report=" not in html


def test_fragment_of_nobody_rated_is_never_empty(people, clock):
    html = browser(people.east_head).get(detail_url(people.east_rep), **HTMX).content.decode()
    assert "Nothing waits for your rating." in html and "No rated report yet." in html


# --- rating from the fragment ------------------------------------------------------------------------


def test_rating_answers_the_fragment_with_the_rated_line_and_the_next_report(people, waiting, commit):
    friday, monday = waiting
    client = browser(people.east_head)
    with commit():
        response = client.post(
            rate_url(monday), {"rating": "positive", "comment": "Good", "date": "2026-11-24"}, **HTMX
        )
    assert response.status_code == 200 and response["HX-Trigger"] == "controlChanged"
    html = response.content.decode()
    assert f'id="control-detail-reports-{people.east_rep.pk}"' in html
    assert f'data-rated="{monday.pk}"' in html and "Rated positive." in html and 'role="status"' in html
    assert f'data-report="{friday.pk}"' in html and f'data-report="{monday.pk}"' not in html
    assert 'data-missing="2026-11-24"' in html  # the day the dashboard asked about stays shown
    monday.refresh_from_db()
    assert (monday.status, monday.rating, monday.rating_comment, monday.rated_by) == (
        ReportStatus.RATED,
        Rating.POSITIVE,
        "Good",
        people.east_head,
    )
    assert Notification.objects.filter(recipient=people.east_rep, kind="report_rated").count() == 1


def test_rating_negative_from_the_fragment(people, waiting):
    friday, _monday = waiting
    response = browser(people.east_head).post(rate_url(friday), {"rating": "negative"}, **HTMX)
    assert "Rated negative." in response.content.decode()
    friday.refresh_from_db()
    assert (friday.status, friday.rating) == (ReportStatus.RATED, Rating.NEGATIVE)


@pytest.mark.parametrize(
    "data",
    [{}, {"rating": "meh"}, {"rating": "positive", "comment": "x" * 5001}],
    ids=["no rating", "unknown rating", "comment too long"],
)
def test_rating_bad_input_shows_the_error_and_changes_nothing(people, waiting, data):
    _friday, monday = waiting
    before = list(WorkReport.objects.order_by("pk").values_list())
    response = browser(people.east_head).post(rate_url(monday), data, **HTMX)
    assert response.status_code == 200 and "HX-Trigger" not in response
    html = response.content.decode()
    assert "data-detail-error" in html and f'data-report="{monday.pk}"' in html
    assert list(WorkReport.objects.order_by("pk").values_list()) == before


def test_rating_a_report_rated_meanwhile_says_so(people, waiting):
    _friday, monday = waiting
    services.report_rate(actor=people.sales_head, report=monday, rating=Rating.NEGATIVE)
    response = browser(people.east_head).post(rate_url(monday), {"rating": "positive"}, **HTMX)
    assert response.status_code == 200 and "This report is already rated." in response.content.decode()
    monday.refresh_from_db()
    assert (monday.rating, monday.rated_by) == (Rating.NEGATIVE, people.sales_head)


def test_rating_without_htmx_flashes_and_goes_back_to_the_dashboard(people, waiting):
    _friday, monday = waiting
    client = browser(people.east_head)
    response = client.post(rate_url(monday), {"rating": "positive"})
    assert response.status_code == 302 and response["Location"] == reverse("reports:home")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Rated positive."]
    response = client.post(rate_url(monday), {"rating": "positive"})
    assert [str(m) for m in response.wsgi_request._messages][-1] == "This report is already rated."


# --- a missing report --------------------------------------------------------------------------------


def test_missing_day_shows_the_draft_the_working_day_and_the_tasks_closed(people, clock):
    WorkReportFactory(author=people.east_rep, period_start=TUESDAY, facts="Half of the offer")
    WorkDayFactory(
        user=people.east_rep,
        date=TUESDAY,
        started_at=at(BERLIN, 2026, 11, 24, 9, 5),
        ended_at=at(BERLIN, 2026, 11, 24, 17, 35),
        state=DayState.CLOSED,
        worked_seconds=8 * 3600,
        is_late=False,
    )
    TaskFactory(
        responsible=people.east_rep,
        creator=people.east_head,
        title="Sent the price list",
        status="completed",
        completed_at=at(BERLIN, 2026, 11, 24, 11, 0),
    )
    TaskFactory(
        responsible=people.east_rep,
        creator=people.east_head,
        title="Done on Monday",
        status="completed",
        completed_at=at(BERLIN, 2026, 11, 23, 11, 0),
    )
    html = browser(people.east_head).get(detail_url(people.east_rep, TUESDAY), **HTMX).content.decode()
    assert 'data-missing="2026-11-24"' in html and "Missing report for Tue 24 Nov" in html
    assert "draft, not sent" in html and "Half of the offer" in html
    assert "8:00 worked" in html and "Finished" in html
    assert "Sent the price list" in html and "Done on Monday" not in html
    assert f'hx-post="{remind_url(people.east_rep)}"' in html and 'value="2026-11-24"' in html


def test_missing_day_with_nothing_written(people, clock):
    html = browser(people.east_head).get(detail_url(people.east_rep, TUESDAY), **HTMX).content.decode()
    assert "Nothing written." in html and "No working day recorded." in html and "data-remind=" in html


def test_a_day_covered_by_a_sent_report_is_not_missing(people, clock):
    sent(people.east_rep, TUESDAY, supervisor=people.east_head)
    html = browser(people.east_head).get(detail_url(people.east_rep, TUESDAY), **HTMX).content.decode()
    assert "data-missing=" not in html and "data-report=" in html


def test_a_day_not_due_yet_offers_no_reminder(people, clock):
    html = browser(people.east_head).get(detail_url(people.east_rep, WEDNESDAY), **HTMX).content.decode()
    assert 'data-missing="2026-11-25"' in html and "data-not-due" in html and "data-remind=" not in html


def test_a_date_that_is_no_date_is_ignored(people, clock):
    response = browser(people.east_head).get(detail_url(people.east_rep) + "?date=tomorrow", **HTMX)
    assert response.status_code == 200 and "data-missing=" not in response.content.decode()


# --- remind ------------------------------------------------------------------------------------------


def test_remind_once_a_day(people, clock, commit):
    client = browser(people.east_head)
    with commit():
        response = client.post(remind_url(people.east_rep), {"date": "2026-11-24"}, **HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "controlChanged"
    html = response.content.decode()
    assert "Reminder sent to" in html and "data-reminded" in html and "data-remind=" not in html
    note = Notification.objects.get(recipient=people.east_rep, kind=services.REPORT_REMINDER_KIND)
    assert note.title == "Your work report for Tue 24 Nov is missing"
    assert note.url == reverse("reports:report_write") + "?date=2026-11-24"
    assert (
        Reminder.objects.filter(
            recipient=people.east_rep, key=f"reports.missing:{people.east_rep.pk}:2026-11-24"
        ).count()
        == 1
    )
    # The fragment opened again says so instead of offering the button.
    html = client.get(detail_url(people.east_rep, TUESDAY), **HTMX).content.decode()
    assert "Reminded today" in html and "data-remind=" not in html
    # A second click (or a second supervisor) sends nothing.
    response = browser(people.sales_head).post(remind_url(people.east_rep), {"date": "2026-11-24"}, **HTMX)
    assert "Already reminded today." in response.content.decode() and "HX-Trigger" not in response
    assert (
        Notification.objects.filter(recipient=people.east_rep, kind=services.REPORT_REMINDER_KIND).count()
        == 1
    )


def test_remind_again_the_next_day_and_for_another_date(people, clock):
    assert services.report_remind(actor=people.east_head, person=people.east_rep, date=TUESDAY) is True
    assert services.report_remind(actor=people.east_head, person=people.east_rep, date=MONDAY) is True
    assert services.report_remind(actor=people.east_head, person=people.east_rep, date=TUESDAY) is False
    clock.set(at(UTC, 2026, 11, 26, 12, 0))
    assert services.report_remind(actor=people.east_head, person=people.east_rep, date=TUESDAY) is True
    assert (
        Notification.objects.filter(recipient=people.east_rep, kind=services.REPORT_REMINDER_KIND).count()
        == 3
    )


def test_remind_refuses_people_one_does_not_control(people, clock):
    for actor in (people.it_head, people.developer, people.field_rep, people.east_rep):
        with pytest.raises(NotAllowed):
            services.report_remind(actor=actor, person=people.east_rep, date=TUESDAY)
    assert not Reminder.objects.exists() and not Notification.objects.exists()


@pytest.mark.parametrize(
    "date",
    [WEDNESDAY, datetime.date(2026, 11, 22), datetime.date(2026, 11, 27)],
    ids=["not due yet", "a sunday", "the future"],
)
def test_remind_refuses_a_report_that_is_not_missing(people, clock, date):
    with pytest.raises(Invalid):
        services.report_remind(actor=people.east_head, person=people.east_rep, date=date)
    assert not Reminder.objects.exists()


def test_remind_refuses_a_report_sent_already(people, clock):
    sent(people.east_rep, TUESDAY, supervisor=people.east_head)
    with pytest.raises(Invalid):
        services.report_remind(actor=people.east_head, person=people.east_rep, date=TUESDAY)
    response = browser(people.east_head).post(remind_url(people.east_rep), {"date": "2026-11-24"}, **HTMX)
    assert response.status_code == 200 and "is not missing" in response.content.decode()
    assert not Reminder.objects.exists() and not Notification.objects.exists()


@pytest.mark.parametrize("data", [{}, {"date": "yesterday"}], ids=["no date", "not a date"])
def test_remind_bad_input_changes_nothing(people, clock, data):
    response = browser(people.east_head).post(remind_url(people.east_rep), data, **HTMX)
    assert response.status_code == 200 and "HX-Trigger" not in response
    assert "data-detail-error" in response.content.decode()
    assert not Reminder.objects.exists() and not Notification.objects.exists()


def test_remind_without_htmx_flashes_and_goes_back(people, clock):
    response = browser(people.east_head).post(remind_url(people.east_rep), {"date": "2026-11-24"})
    assert response.status_code == 302 and response["Location"] == reverse("reports:home")
    assert Reminder.objects.count() == 1


def test_reminder_key_is_per_person_and_date(people):
    key = selectors.report_reminder_key(people.east_rep.pk, TUESDAY)
    assert key == f"reports.missing:{people.east_rep.pk}:2026-11-24"
    assert key != selectors.report_reminder_key(people.field_rep.pk, TUESDAY)


# --- the inbox ---------------------------------------------------------------------------------------


def test_inbox_of_one_person_with_a_chip_to_show_everyone(people, waiting):
    other = sent(people.field_rep, MONDAY, supervisor=people.east_head)
    client = browser(people.sales_head)  # not their direct supervisor: one person's inbox shows all that wait
    html = client.get(reverse("reports:to_rate"), {"author": people.east_rep.pk}).content.decode()
    assert html.count('class="list-group-item" id="report-row-') == 2
    assert f'id="report-row-{other.pk}"' not in html
    assert 'id="to-rate-author"' in html and "show everyone" in html
    assert "Rate all 2 shown as positive" in html
    everyone = client.get(reverse("reports:to_rate"), {"all": "1"}).content.decode()
    assert (
        everyone.count('class="list-group-item" id="report-row-') == 3
        and 'id="to-rate-author"' not in everyone
    )


def test_inbox_of_someone_hidden_is_404(people, waiting):
    client = browser(people.east_head)
    assert client.get(reverse("reports:to_rate"), {"author": people.developer.pk}).status_code == 404
    assert client.get(reverse("reports:to_rate"), {"author": "x"}).status_code == 200


def test_inbox_rates_all_shown_as_positive(people, waiting, commit):
    friday, monday = waiting
    client = browser(people.east_head)
    url = reverse("reports:to_rate") + f"?author={people.east_rep.pk}"
    with commit():
        response = client.post(url, {"report": [friday.pk, monday.pk], "comment": "Well done"})
    assert response.status_code == 302 and response["Location"] == url
    assert [str(m) for m in response.wsgi_request._messages] == ["Rated 2 reports positive."]
    for report in waiting:
        report.refresh_from_db()
        assert (report.status, report.rating, report.rating_comment) == (
            ReportStatus.RATED,
            Rating.POSITIVE,
            "Well done",
        )
    assert Notification.objects.filter(recipient=people.east_rep, kind="report_rated").count() == 2
    # The existing inline forms stay.
    other = sent(people.east_rep, TUESDAY, supervisor=people.east_head)
    html = client.get(url).content.decode()
    assert 'class="report-rate-form"' in html and f'id="report-row-{other.pk}"' in html


def test_bulk_rates_only_what_still_waits_and_is_mine_to_rate(people, waiting):
    friday, monday = waiting
    services.report_rate(actor=people.sales_head, report=friday, rating=Rating.NEGATIVE)
    hidden = sent(people.developer, MONDAY, supervisor=people.it_head)
    returned = WorkReportFactory(author=people.east_rep, period_start=TUESDAY, status=ReportStatus.RETURNED)
    own = sent(people.east_head, MONDAY, supervisor=people.sales_head)
    rated = services.reports_rate_positive(
        actor=people.east_head, reports=[friday, monday.pk, hidden, returned, own]
    )
    assert rated == 1
    friday.refresh_from_db(), monday.refresh_from_db(), hidden.refresh_from_db()
    returned.refresh_from_db(), own.refresh_from_db()
    assert friday.rating == Rating.NEGATIVE and monday.rating == Rating.POSITIVE
    assert (hidden.status, returned.status, own.status) == (
        ReportStatus.SENT,
        ReportStatus.RETURNED,
        ReportStatus.SENT,
    )
    assert services.reports_rate_positive(actor=people.east_head, reports=[]) == 0


def test_bulk_bad_input_changes_nothing(people, waiting):
    before = list(WorkReport.objects.order_by("pk").values_list())
    with pytest.raises(ValidationError):
        services.reports_rate_positive(actor=people.east_head, reports=waiting, comment="x" * 5001)
    with pytest.raises(Invalid):
        services.reports_rate_positive(actor=people.east_head, reports=["one"])
    response = browser(people.east_head).post(
        reverse("reports:to_rate"), {"report": [r.pk for r in waiting], "comment": "x" * 5001}
    )
    assert response.status_code == 302
    assert list(WorkReport.objects.order_by("pk").values_list()) == before


def test_bulk_is_for_those_who_rate(people, waiting):
    response = browser(people.east_rep).post(reverse("reports:to_rate"), {"report": [waiting[0].pk]})
    assert response.status_code == 403
    assert WorkReport.objects.filter(status=ReportStatus.SENT).count() == 2


# --- query budgets -----------------------------------------------------------------------------------


def _grow(people, n: int, start: datetime.date = datetime.date(2026, 9, 1)) -> None:
    WorkReport.objects.bulk_create(
        [
            WorkReport(
                author=people.east_rep,
                supervisor=people.east_head,
                period_start=start + datetime.timedelta(days=i),
                period_end=start + datetime.timedelta(days=i),
                facts="Work",
                results="Results",
                status=ReportStatus.SENT,
                sent_at=at(UTC, 2026, 11, 20, 12, 0),
                prefill={"worked_seconds": 3600, "closed_tasks": [{"id": 1, "title": "x"}]},
            )
            for i in range(n)
        ]
    )


def test_fragment_query_budget_at_2_and_20_reports(people, waiting):
    TaskFactory(
        responsible=people.east_rep,
        creator=people.east_head,
        title="Sent the price list",
        status="completed",
        completed_at=at(BERLIN, 2026, 11, 24, 11, 0),
    )
    client = browser(people.east_head)
    url = detail_url(people.east_rep, TUESDAY)
    client.get(url, **HTMX)  # warm the per-process caches (content types, session)
    # (+ the company calendar: is the day asked about a working day)
    assert_query_budget(lambda: client.get(url, **HTMX), lambda: _grow(people, 18), budget=23)
    assert client.get(url, **HTMX).content.decode().count("data-report=") == 20


def test_fragment_query_budget_without_a_date(people, waiting, django_assert_max_num_queries):
    client = browser(people.east_head)
    client.get(detail_url(people.east_rep), **HTMX)
    with django_assert_max_num_queries(12):
        client.get(detail_url(people.east_rep), **HTMX)


def test_inbox_query_budget_at_2_and_20_reports(people, waiting):
    client = browser(people.east_head)
    url = reverse("reports:to_rate") + f"?author={people.east_rep.pk}"
    client.get(url)
    assert_query_budget(lambda: client.get(url), lambda: _grow(people, 18), budget=10)
    assert "Rate all 20 shown as positive" in client.get(url).content.decode()


def test_selector_reads_a_constant_number_of_queries(people, waiting):
    def read():
        data = selectors.person_reports_for_control(
            viewer=people.east_head, person=people.east_rep, date=TUESDAY
        )
        assert data.missing is not None

    read()  # warm the per-process caches (content types, schedules)
    before = count_queries(read)
    for _ in range(5):
        UserFactory(department=people.east)
    _grow(people, 10)
    assert count_queries(read) == before
