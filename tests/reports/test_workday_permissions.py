"""Every working-day page and API endpoint, called as every role.

The `member` is east_rep, whose days are under test; the `supervisor` is sales_head (heads Sales, above
Sales East); the `outsider` is the developer in IT; `admin` is a portal admin. Writes get fresh objects per
role (a new day, correction or schedule), so one role's write does not change what the next one meets.
Hidden things answer 404; visible ones without the right answer 403.
"""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.urls import reverse

from reports.choices import DayState
from reports.models import DayCorrection, WorkDay, WorkSchedule
from tests.reports.factories import WorkDayFactory
from tests.reports.probes import REPORT_TABLES
from tests.utils import ROLES, Endpoint, assert_matrix

LOGIN = 302
API_ANON = (401, 403)
UTC = datetime.UTC
_dates = itertools.count(1)


def _closed_day(person, **extra):
    """A finished day of `person` on a fresh past date (UTC person: 09:00–17:00)."""
    date = datetime.date(2025, 1, 1) + datetime.timedelta(days=next(_dates))
    # (the route-coverage test replays these matrices beside others in one transaction: skip a taken date)
    while WorkDay.objects.filter(user=person, date=date).exists():
        date = datetime.date(2025, 1, 1) + datetime.timedelta(days=next(_dates))
    start = datetime.datetime.combine(date, datetime.time(9, 0), tzinfo=UTC)
    return WorkDayFactory(
        user=person,
        date=date,
        state=DayState.CLOSED,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=8),
        worked_seconds=8 * 3600,
        **extra,
    )


def _pending(person):
    day = _closed_day(person)
    return DayCorrection.objects.create(
        day=day,
        requested_by=person,
        reason="Forgot",
        started_at=day.started_at - datetime.timedelta(minutes=30),
        ended_at=day.ended_at,
        old_started_at=day.started_at,
        old_ended_at=day.ended_at,
    )


def _correction_data(person):
    def build(role):
        day = _closed_day(person)
        return {
            "day": day.pk,
            "started_at": (day.started_at - datetime.timedelta(minutes=15)).isoformat(),
            "ended_at": day.ended_at.isoformat(),
            "reason": "Came in early",
        }

    return build


def _day_correct(person):
    """(url, data) builders for the correction form of a fresh day per role: data fits that day."""
    made = {}

    def url(role):
        made[role] = _closed_day(person)
        return reverse("reports:day_correct", args=[made[role].pk])

    def data(role):
        day = made[role]
        return {
            "started_at": (day.started_at - datetime.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"),
            "ended_at": day.ended_at.strftime("%Y-%m-%dT%H:%M"),
            "reason": "Came in early",
        }

    return url, data


SCHEDULE_FORM = {
    "name": "East hours",
    "working_days": ["0", "1", "2", "3", "4"],
    "start": "08:00",
    "end": "17:00",
    "allowed_lateness": "5",
    "break_minutes": "30",
}


def expect(*, outsider, member, supervisor, admin, anonymous=LOGIN) -> dict:
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "member": member,
        "supervisor": supervisor,
        "admin": admin,
    }


def every_signed_in(code, anonymous=LOGIN) -> dict:
    return {r: (anonymous if r == "anonymous" else code) for r in ROLES}


@pytest.fixture
def member_day(org):
    return _closed_day(org.east_rep)


@pytest.fixture
def east_schedule(org):
    return WorkSchedule.objects.create(name="East", department=org.east, working_days=[0, 1, 2, 3, 4])


def _fresh_day_url(name, person, **extra):
    def build(role):
        return reverse(f"reports:{name}", args=[_closed_day(person, **extra).pk])

    return build


def _fresh_correction_url(name, person):
    def build(role):
        return reverse(name, args=[_pending(person).pk])

    return build


def _fresh_schedule_url(name, org):
    def build(role):
        WorkSchedule.objects.filter(department=org.east).delete()
        schedule = WorkSchedule.objects.create(name="East", department=org.east, working_days=[0, 1, 2, 3, 4])
        return reverse(name, args=[schedule.pk])

    return build


def test_page_permission_matrix(roles, org, member_day, east_schedule):
    rep = org.east_rep
    day_url = reverse("reports:day_detail", args=[member_day.pk])
    correct_url, correct_data = _day_correct(rep)
    endpoints = [
        Endpoint("my days", "GET", reverse("reports:my_days"), every_signed_in(200)),
        Endpoint(
            "my days of the member",
            "GET",
            reverse("reports:my_days") + f"?person={rep.pk}",
            expect(outsider=404, member=200, supervisor=200, admin=200),
        ),
        Endpoint("widget", "GET", reverse("reports:workday_widget"), every_signed_in(200)),
        Endpoint(
            "widget click (htmx)",
            "POST",
            reverse("reports:workday_action", args=["start"]),
            every_signed_in(200),
            {},
            "form",
            {"HTTP_HX_REQUEST": "true"},
        ),
        Endpoint(
            "widget click",
            "POST",
            reverse("reports:workday_action", args=["pause"]),
            every_signed_in(302),
            {},
            "form",
        ),
        Endpoint("days list", "GET", reverse("reports:days"), every_signed_in(200)),
        Endpoint("day detail", "GET", day_url, expect(outsider=404, member=200, supervisor=200, admin=200)),
        Endpoint(
            "day correct",
            "POST",
            correct_url,
            expect(outsider=404, member=302, supervisor=403, admin=403),
            correct_data,
            "form",
        ),
        Endpoint(
            "day confirm",
            "POST",
            _fresh_day_url("day_confirm", rep, auto_closed=True, needs_confirmation=True),
            expect(outsider=404, member=302, supervisor=403, admin=403),
            {},
            "form",
        ),
        Endpoint(
            "corrections page",
            "GET",
            reverse("reports:corrections"),
            expect(outsider=403, member=403, supervisor=200, admin=200),
        ),
        Endpoint(
            "correction decide",
            "POST",
            _fresh_correction_url("reports:correction_decide", rep),
            expect(outsider=404, member=403, supervisor=302, admin=302),
            {"decision": "approve"},
            "form",
        ),
        Endpoint(
            "schedules page",
            "GET",
            reverse("reports:schedules"),
            expect(outsider=403, member=403, supervisor=200, admin=200),
        ),
        Endpoint(
            "schedule create",
            "POST",
            reverse("reports:schedules"),
            expect(outsider=403, member=403, supervisor=302, admin=302),
            # A name of each role's own: the admin's allowed write changes what the supervisor's left.
            lambda role: {**SCHEDULE_FORM, "department": org.east.pk, "name": f"East hours ({role})"},
            "form",
        ),
        Endpoint(
            "schedule edit page",
            "GET",
            _fresh_schedule_url("reports:schedule_edit", org),
            expect(outsider=403, member=403, supervisor=200, admin=200),
        ),
        Endpoint(
            "schedule edit",
            "POST",
            _fresh_schedule_url("reports:schedule_edit", org),
            expect(outsider=403, member=403, supervisor=302, admin=302),
            {**SCHEDULE_FORM, "department": org.east.pk},
            "form",
        ),
        Endpoint(
            "schedule delete",
            "POST",
            _fresh_schedule_url("reports:schedule_delete", org),
            expect(outsider=403, member=403, supervisor=302, admin=302),
            {},
            "form",
        ),
    ]
    assert_matrix(roles, endpoints, changed=REPORT_TABLES)
    # The member's correction went through; nobody else's request left a row.
    assert DayCorrection.objects.filter(requested_by=rep, reason="Came in early").count() == 1


def test_page_correction_by_the_member_goes_through(org, client_for):
    day = _closed_day(org.east_rep)
    data = {
        "started_at": (day.started_at - datetime.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": day.ended_at.strftime("%Y-%m-%dT%H:%M"),
        "reason": "Came in early",
    }
    response = client_for(org.east_rep).post(
        reverse("reports:day_correct", args=[day.pk]), data, format="multipart"
    )
    assert response.status_code == 302
    assert DayCorrection.objects.filter(day=day).count() == 1


def test_api_permission_matrix(roles, org, member_day, east_schedule):
    rep = org.east_rep
    api = "/api/v1/reports/"
    day_url = f"{api}days/{member_day.pk}/"
    correction = _pending(rep)

    def fresh_confirm(role):
        day = _closed_day(rep, auto_closed=True, needs_confirmation=True)
        return f"{api}days/{day.pk}/confirm/"

    def fresh_decide(role):
        return f"{api}corrections/{_pending(rep).pk}/decide/"

    def fresh_schedule(role):
        WorkSchedule.objects.filter(department=org.east).delete()
        schedule = WorkSchedule.objects.create(name="East", department=org.east, working_days=[0, 1, 2, 3, 4])
        return f"{api}schedules/{schedule.pk}/"

    schedule_body = {
        "name": "East hours",
        "department": org.east.pk,
        "working_days": [0, 1, 2, 3, 4],
        "start": "08:00",
        "end": "17:00",
    }
    a = lambda **kw: expect(anonymous=API_ANON, **kw)  # noqa: E731
    everyone = lambda code: every_signed_in(code, API_ANON)  # noqa: E731
    endpoints = [
        Endpoint("today", "GET", f"{api}workday/today/", everyone(200)),
        Endpoint("my schedule", "GET", f"{api}workday/schedule/", everyone(200)),
        # The widget's clicks in a day's order, each as every role on that role's own day.
        Endpoint("pause without a day", "POST", f"{api}workday/pause/", everyone(400), {}),
        Endpoint("start", "POST", f"{api}workday/start/", everyone(201), {"comment": "hi"}),
        Endpoint("resume a running day", "POST", f"{api}workday/resume/", everyone(400), {}),
        Endpoint("pause", "POST", f"{api}workday/pause/", everyone(200), {}),
        Endpoint("resume", "POST", f"{api}workday/resume/", everyone(200), {}),
        Endpoint("end", "POST", f"{api}workday/end/", everyone(200), {}),
        Endpoint("days list", "GET", f"{api}days/", everyone(200)),
        Endpoint("day detail", "GET", day_url, a(outsider=404, member=200, supervisor=200, admin=200)),
        Endpoint(
            "day confirm", "POST", fresh_confirm, a(outsider=404, member=200, supervisor=403, admin=403), {}
        ),
        Endpoint("corrections list", "GET", f"{api}corrections/", everyone(200)),
        Endpoint(
            "correction detail",
            "GET",
            f"{api}corrections/{correction.pk}/",
            a(outsider=404, member=200, supervisor=200, admin=200),
        ),
        Endpoint(
            "correction create",
            "POST",
            f"{api}corrections/",
            a(outsider=404, member=201, supervisor=403, admin=403),
            _correction_data(rep),
        ),
        Endpoint(
            "correction decide",
            "POST",
            fresh_decide,
            a(outsider=404, member=403, supervisor=200, admin=200),
            {"approve": True, "comment": "ok"},
        ),
        Endpoint(
            "schedules list",
            "GET",
            f"{api}schedules/",
            a(outsider=403, member=403, supervisor=200, admin=200),
        ),
        Endpoint(
            "schedule create",
            "POST",
            f"{api}schedules/",
            a(outsider=403, member=403, supervisor=201, admin=201),
            lambda role: {**schedule_body, "name": f"East hours ({role})"},  # each role's write its own
        ),
        Endpoint(
            "schedule detail", "GET", fresh_schedule, a(outsider=403, member=403, supervisor=200, admin=200)
        ),
        Endpoint(
            "schedule update",
            "PATCH",
            fresh_schedule,
            a(outsider=403, member=403, supervisor=200, admin=200),
            {"name": "Renamed"},
        ),
        Endpoint(
            "schedule delete",
            "DELETE",
            fresh_schedule,
            a(outsider=403, member=403, supervisor=204, admin=204),
        ),
    ]
    assert_matrix(roles, endpoints, changed=REPORT_TABLES)


def test_a_head_of_another_branch_gets_404_for_schedules_and_corrections_outside_it(org, client_for):
    it_schedule = WorkSchedule.objects.create(name="IT", department=org.it, working_days=[0, 1, 2, 3, 4])
    correction = _pending(org.east_rep)
    client = client_for(org.sales_head)
    assert client.get(reverse("reports:schedule_edit", args=[it_schedule.pk])).status_code == 404
    assert client.get(f"/api/v1/reports/schedules/{it_schedule.pk}/").status_code == 404
    it_client = client_for(org.it_head)
    assert (
        it_client.post(
            reverse("reports:correction_decide", args=[correction.pk]), {"decision": "approve"}
        ).status_code
        == 404
    )
    assert it_client.get(f"/api/v1/reports/corrections/{correction.pk}/").status_code == 404
    assert DayCorrection.objects.get(pk=correction.pk).status == "pending"
