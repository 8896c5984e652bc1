"""The working-day pages: the top-bar widget and its clicks, my days of the month, the days list, a day
with its events and corrections, the corrections to confirm and the schedules; with query budgets."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.choices import CorrectionStatus, DayEventKind, DayState
from reports.models import DayCorrection, WorkDay, WorkSchedule
from tests.people.factories import DepartmentFactory, UserFactory
from tests.reports.factories import WorkDayFactory
from tests.utils import assert_query_budget

UTC = datetime.UTC
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
HTMX = {"HTTP_HX_REQUEST": "true"}


def page_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def closed_day(person, date: datetime.date, start=(9, 0), end=(17, 0), **extra) -> WorkDay:
    tz = zoneinfo.ZoneInfo(person.time_zone)
    started = datetime.datetime.combine(date, datetime.time(*start), tzinfo=tz)
    ended = datetime.datetime.combine(date, datetime.time(*end), tzinfo=tz)
    return WorkDayFactory(
        user=person,
        date=date,
        state=DayState.CLOSED,
        started_at=started,
        ended_at=ended,
        worked_seconds=int((ended - started).total_seconds()),
        **extra,
    )


@pytest.fixture
def rep(org):
    org.east_rep.time_zone = "Europe/Berlin"
    org.east_rep.save(update_fields=["time_zone"])
    return org.east_rep


# --- the top bar -------------------------------------------------------------------------------------------


def test_the_top_bar_has_the_widget_slot_for_signed_in_people_only(org, rep):
    page = html(page_client(rep).get(reverse("reports:days")))
    assert 'id="workday-widget"' in page and reverse("reports:workday_widget") in page
    assert "reports/workday.js" in page
    login = html(page_client(None).get(reverse("login")))
    assert "workday-widget" not in login


def test_the_slot_costs_the_page_no_query(org, rep):
    with CaptureQueriesContext(connection) as ctx:
        render_to_string("reports/workday/partials/topbar.html", {"user": rep})
    assert len(ctx.captured_queries) == 0


def test_widget_shows_each_state_with_its_buttons(org, rep):
    client = page_client(rep)
    url = reverse("reports:workday_widget")
    body = html(client.get(url))
    assert 'data-state="none"' in body and 'data-workday-action="start"' in body and "Not started" in body

    day = services.workday_start(actor=rep)
    body = html(client.get(url))
    since = timezone.localtime(day.started_at, BERLIN).strftime("%H:%M")
    assert 'data-state="open"' in body and f"Working since {since}" in body
    assert 'data-workday-action="pause"' in body and 'data-workday-action="end"' in body
    assert 'data-workday-action="start"' not in body

    services.workday_pause(actor=rep)
    body = html(client.get(url))
    assert "On a break" in body and 'data-workday-action="resume"' in body

    services.workday_end(actor=rep)
    body = html(client.get(url))
    assert 'data-state="closed"' in body and "Finished" in body and 'data-workday-action="resume"' in body

    WorkDay.objects.filter(pk=day.pk).update(auto_closed=True)
    assert 'data-workday-action="resume"' not in html(client.get(url))


def test_widget_costs_one_query_beyond_the_session(org, rep):
    client = page_client(rep)
    url = reverse("reports:workday_widget")
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    # the session, the user, the day of today
    assert len(ctx.captured_queries) <= 3, [q["sql"][:120] for q in ctx.captured_queries]


def test_htmx_click_returns_the_new_widget_and_records_ip_and_comment(org, rep):
    client = page_client(rep)
    response = client.post(
        reverse("reports:workday_action", args=["start"]),
        {"comment": "Train was late"},
        REMOTE_ADDR="10.1.2.3",
        **HTMX,
    )
    assert response.status_code == 200
    assert 'data-state="open"' in html(response)
    event = WorkDay.objects.get(user=rep).events.get()
    assert (event.kind, event.ip, event.comment) == (DayEventKind.START, "10.1.2.3", "Train was late")


def test_behind_a_proxy_the_click_records_the_clients_address(org, rep, settings):
    settings.LUMEN_TRUSTED_PROXIES = 1
    page_client(rep).post(
        reverse("reports:workday_action", args=["start"]),
        {},
        REMOTE_ADDR="10.0.0.2",  # the reverse proxy
        HTTP_X_FORWARDED_FOR="203.0.113.66, 198.51.100.20",  # a forged entry, then what the proxy saw
        **HTMX,
    )
    assert WorkDay.objects.get(user=rep).events.get().ip == "198.51.100.20"


def test_htmx_click_shows_a_refused_transition_in_the_widget(org, rep):
    response = page_client(rep).post(reverse("reports:workday_action", args=["pause"]), {}, **HTMX)
    assert response.status_code == 200
    body = html(response)
    assert 'id="workday-error"' in body and "not started" in body
    assert not WorkDay.objects.exists()


def test_plain_click_redirects_back_with_a_message(org, rep):
    client = page_client(rep)
    days = reverse("reports:days")
    response = client.post(reverse("reports:workday_action", args=["start"]), {}, HTTP_REFERER=days)
    assert response.status_code == 302 and response["Location"] == days
    assert "Your working day has started." in html(client.get(days))
    response = client.post(
        reverse("reports:workday_action", args=["start"]), {}, HTTP_REFERER="https://evil.test/"
    )
    assert response["Location"] == reverse("reports:my_days")
    assert page_client(rep).post("/reports/workday/jump/").status_code == 404


# --- my days ----------------------------------------------------------------------------------------------


def test_my_days_shows_the_month_with_marks_totals_and_days_to_confirm(org, rep):
    rep.date_joined = datetime.datetime(2025, 1, 1, tzinfo=UTC)
    rep.save(update_fields=["date_joined"])
    closed_day(rep, datetime.date(2026, 3, 2), start=(9, 30), end=(18, 0), is_late=True)
    closed_day(rep, datetime.date(2026, 3, 3), start=(9, 0), end=(12, 0), is_short=True, is_early_end=True)
    auto = closed_day(rep, datetime.date(2026, 3, 4), end=(23, 59), auto_closed=True, needs_confirmation=True)
    body = html(page_client(rep).get(reverse("reports:my_days"), {"month": "2026-03"}))
    assert "March 2026" in body
    assert body.count('data-date="2026-03-') == 31
    assert 'data-mark="late"' in body and 'data-mark="short"' in body and 'data-mark="early"' in body
    assert f'data-confirm-day="{auto.pk}"' in body
    assert 'data-mark="missing"' in body  # Thursday 5 March has no day
    assert "1 day to confirm" in body
    assert "company default" in body


def test_a_supervisor_opens_the_days_of_a_person_of_their_sub_tree(org, rep):
    closed_day(rep, datetime.date(2026, 3, 2))
    url = reverse("reports:my_days")
    body = html(page_client(org.sales_head).get(url, {"person": rep.pk, "month": "2026-03"}))
    assert rep.full_name in body and 'data-day="' in body and "data-confirm-day" not in body
    assert page_client(org.it_head).get(url, {"person": rep.pk}).status_code == 404


def test_my_days_query_budget_does_not_grow_with_days(org, rep):
    client = page_client(rep)
    url = reverse("reports:my_days") + "?month=2026-03"
    client.get(url)

    def grow():
        for n in range(2, 28):
            closed_day(rep, datetime.date(2026, 3, n), is_late=n % 2 == 0)

    assert_query_budget(lambda: client.get(url), grow, budget=14)


# --- the days list ----------------------------------------------------------------------------------------


def test_days_list_filters_and_shows_the_sub_tree(org, rep):
    closed_day(rep, datetime.date(2026, 3, 2), is_late=True)
    closed_day(rep, datetime.date(2026, 3, 3))
    closed_day(org.developer, datetime.date(2026, 3, 2), is_late=True)
    client = page_client(org.sales_head)
    body = html(client.get(reverse("reports:days")))
    assert body.count("data-day=") == 2 and org.developer.full_name not in body
    body = html(client.get(reverse("reports:days"), {"late": "true"}))
    assert body.count("data-day=") == 1
    partial = html(client.get(reverse("reports:days"), {"late": "true"}, **HTMX))
    assert partial.lstrip().startswith('<div id="day-results">') and "<html" not in partial
    assert html(page_client(org.admin).get(reverse("reports:days"))).count("data-day=") == 3


def test_days_list_query_budget(org, rep):
    client = page_client(org.sales_head)
    url = reverse("reports:days")
    closed_day(rep, datetime.date(2026, 3, 1))  # an empty page skips the page's query
    client.get(url)
    dept = DepartmentFactory(name="East 2", parent=org.east)

    def grow():
        for n in range(30):
            closed_day(UserFactory(department=dept), datetime.date(2026, 3, 1 + n % 28))

    # session, user, the shell (company), headed path, permissions, count, the page of days, nav checks
    assert_query_budget(lambda: client.get(url), grow, budget=12)


# --- a day ------------------------------------------------------------------------------------------------


def test_day_detail_shows_events_and_lets_the_person_ask_for_a_correction(org, rep):
    day = services.workday_start(actor=rep, ip="10.0.0.1", comment="In the office")
    services.workday_end(actor=rep)
    client = page_client(rep)
    body = html(client.get(reverse("reports:day_detail", args=[day.pk])))
    assert 'data-event="start"' in body and "10.0.0.1" in body and "In the office" in body
    assert 'id="day-correction-form"' in body

    local = timezone.localtime(day.started_at, BERLIN)
    response = client.post(
        reverse("reports:day_correct", args=[day.pk]),
        {"started_at": local.strftime("%Y-%m-%dT%H:%M"), "ended_at": "", "reason": ""},
    )
    assert response.status_code == 400
    assert "Say why the times need correcting." in html(response) or "This field is required." in html(
        response
    )
    assert not DayCorrection.objects.exists()


def test_correcting_and_confirming_through_the_pages(org, rep):
    date = datetime.date(2026, 3, 10)
    day = closed_day(rep, date, start=(9, 40), end=(16, 0))
    response = page_client(rep).post(
        reverse("reports:day_correct", args=[day.pk]),
        {"started_at": "2026-03-10T09:00", "ended_at": "2026-03-10T18:00", "reason": "Forgot to click"},
    )
    assert response.status_code == 302
    correction = DayCorrection.objects.get()
    assert correction.started_at == datetime.datetime(2026, 3, 10, 9, 0, tzinfo=BERLIN)

    supervisor = page_client(org.sales_head)
    body = html(supervisor.get(reverse("reports:day_detail", args=[day.pk])))
    assert 'id="day-decide"' in body and 'id="day-correction-form"' not in body
    listing = html(supervisor.get(reverse("reports:corrections")))
    assert f'data-correction="{correction.pk}"' in listing and "Forgot to click" in listing
    response = supervisor.post(
        reverse("reports:correction_decide", args=[correction.pk]), {"decision": "approve", "comment": "Fine"}
    )
    assert response.status_code == 302
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.APPROVED
    day.refresh_from_db()
    assert day.original_started_at == datetime.datetime(2026, 3, 10, 9, 40, tzinfo=BERLIN)
    decided = html(supervisor.get(reverse("reports:corrections"), {"status": "decided"}))
    assert f'data-correction="{correction.pk}"' in decided
    assert "Nothing is waiting" in html(supervisor.get(reverse("reports:corrections")))
    # Deciding twice explains itself instead of failing.
    again = supervisor.post(
        reverse("reports:correction_decide", args=[correction.pk]), {"decision": "reject"}
    )
    assert again.status_code == 302


def test_confirming_an_auto_closed_day_from_the_page(org, rep):
    day = closed_day(rep, datetime.date(2026, 3, 4), end=(23, 59), auto_closed=True, needs_confirmation=True)
    client = page_client(rep)
    assert 'id="day-confirm"' in html(client.get(reverse("reports:day_detail", args=[day.pk])))
    assert client.post(reverse("reports:day_confirm", args=[day.pk])).status_code == 302
    day.refresh_from_db()
    assert not day.needs_confirmation


def test_corrections_page_query_budget(org, rep):
    client = page_client(org.sales_head)
    url = reverse("reports:corrections")
    dept = DepartmentFactory(name="East 3", parent=org.east)

    def grow(count=20):
        for n in range(count):
            person = UserFactory(department=dept)
            day = closed_day(person, datetime.date(2026, 3, 1 + n))
            DayCorrection.objects.create(
                day=day,
                requested_by=person,
                reason="r",
                started_at=day.started_at,
                ended_at=day.ended_at + datetime.timedelta(hours=1),
                old_started_at=day.started_at,
                old_ended_at=day.ended_at,
            )

    grow(1)  # an empty page skips the page's query
    client.get(url)
    assert_query_budget(lambda: client.get(url), grow, budget=12)
    assert html(client.get(url)).count("data-correction=") == 21


# --- schedules --------------------------------------------------------------------------------------------


SCHEDULE = {
    "name": "East hours",
    "working_days": ["0", "1", "2", "3", "4"],
    "start": "08:00",
    "end": "17:00",
    "allowed_lateness": "5",
    "break_minutes": "30",
}


def test_a_head_manages_the_schedules_of_their_sub_tree(org, rep):
    client = page_client(org.sales_head)
    body = html(client.get(reverse("reports:schedules")))
    assert "Sales East" in body and ">IT<" not in body.replace("— ", "")
    assert (
        client.post(reverse("reports:schedules"), {**SCHEDULE, "department": org.east.pk}).status_code == 302
    )
    schedule = WorkSchedule.objects.get()
    assert (schedule.department, schedule.start, schedule.working_days) == (
        org.east,
        datetime.time(8),
        [0, 1, 2, 3, 4],
    )
    # Outside the sub-tree the choice is not even offered.
    response = client.post(reverse("reports:schedules"), {**SCHEDULE, "department": org.it.pk})
    assert response.status_code == 400 and WorkSchedule.objects.count() == 1
    response = client.post(
        reverse("reports:schedule_edit", args=[schedule.pk]),
        {**SCHEDULE, "department": org.east.pk, "end": "07:00"},
    )
    assert response.status_code == 400 and "The day must end after it starts." in html(response)
    response = client.post(
        reverse("reports:schedule_edit", args=[schedule.pk]), {**SCHEDULE, "user": rep.pk, "name": "Mine"}
    )
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.user, schedule.department, schedule.name) == (rep, None, "Mine")
    both = client.post(reverse("reports:schedules"), {**SCHEDULE, "department": org.east.pk, "user": rep.pk})
    assert both.status_code == 400 and "Choose either a department or a person." in html(both)
    assert client.post(reverse("reports:schedule_delete", args=[schedule.pk])).status_code == 302
    assert not WorkSchedule.objects.exists()
