"""Every control page and API endpoint, called as every role.

Roles (tests/conftest.py `roles`): outsider = developer (controls nobody), member = east_rep (controls
nobody; the person checked), supervisor = sales_head (east_rep is in the sub-tree they head), admin. People
who control nobody get the personal overview on reports:home and 403 on the supervisor-only endpoints; a
check someone may not see answers 404; an admin sees every check but marks only their own (403).
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from portal.notifications.models import Notification, Reminder
from tests.reports.factories import ControlCheckFactory
from tests.reports.probes import REPORT_TABLES
from tests.tasks.factories import TaskFactory
from tests.utils import ROLES, Endpoint, assert_matrix, tables

LOGIN = 302  # pages send anonymous visitors to the login page
API_ANON = (401, 403)


def _everyone(code: int, anonymous=LOGIN) -> dict:
    return {role: (anonymous if role == "anonymous" else code) for role in ROLES}


def _controllers(code, *, anonymous=LOGIN, others=403) -> dict:
    return {"anonymous": anonymous, "outsider": others, "member": others, "supervisor": code, "admin": code}


@pytest.fixture
def fresh_check(org):
    """A new check of the supervisor's for each call (marking one done changes it)."""

    def make(role: str):
        return ControlCheckFactory(supervisor=org.sales_head, subject=org.east_rep)

    return make


@pytest.fixture
def checkable(org):
    """Something of the member's to pick."""
    TaskFactory(
        responsible=org.east_rep, status="completed", completed_at=timezone.now() - datetime.timedelta(days=1)
    )
    return org


def test_page_matrix(roles, checkable, fresh_check):
    org = checkable
    done_expect = {"anonymous": LOGIN, "outsider": 404, "member": 404, "supervisor": 302, "admin": 403}
    assert_matrix(
        roles,
        [
            Endpoint("home", "GET", reverse("reports:home"), _everyone(200)),
            Endpoint("overview", "GET", reverse("reports:overview"), _everyone(200)),
            Endpoint("touch page", "GET", reverse("reports:touch"), _controllers(200)),
            Endpoint(
                "touch pick",
                "POST",
                reverse("reports:touch"),
                _controllers(302),
                {"subject": org.east_rep.pk},
                "form",
            ),
            Endpoint(
                "touch done",
                "POST",
                lambda role: reverse("reports:touch_done", args=[fresh_check(role).pk]),
                done_expect,
                {"note": ""},
                "form",
            ),
            Endpoint("control beat", "POST", reverse("reports:control_beat"), _controllers(200), {}, "form"),
            Endpoint(
                "control beat GET", "GET", reverse("reports:control_beat"), _controllers(405, others=405)
            ),
        ],
        changed=REPORT_TABLES,
    )


def _no_reminders_yet(role: str) -> dict:
    """Each role meets a person not reminded yet today (a reminder goes once a day)."""
    Reminder.objects.all().delete()
    return {}


def test_working_day_detail_matrix(roles, org):
    """The working day a dashboard cell opens in place, and its "Remind", on a Wednesday morning after the
    start (east_rep has not started)."""
    with time_machine.travel(datetime.datetime(2026, 11, 18, 11, tzinfo=datetime.UTC), tick=False):
        assert_matrix(
            roles,
            [
                Endpoint(
                    "working day in place",
                    "GET",
                    reverse("reports:control_workday", args=[org.east_rep.pk]),
                    _controllers(200, others=404),
                ),
                Endpoint(
                    "remind to start the day",
                    "POST",
                    reverse("reports:control_workday_remind", args=[org.east_rep.pk]),
                    _controllers(302, others=404),
                    _no_reminders_yet,
                    "form",
                    changed=tables(Reminder, Notification),
                ),
            ],
            changed=REPORT_TABLES,
        )


def test_home_shows_the_dashboard_only_to_those_who_control_people(roles, org):
    from tests.utils import client_as

    for role in ("outsider", "member", "supervisor", "admin"):
        html = client_as(roles[role]).get(reverse("reports:home")).content.decode()
        assert ('id="control-dashboard"' in html) is (role in ("supervisor", "admin")), role
        assert ('id="overview-today"' in html) is (role in ("outsider", "member")), role


def test_api_matrix(roles, checkable, fresh_check):
    org = checkable
    assert_matrix(
        roles,
        [
            Endpoint("dashboard", "GET", "/api/v1/reports/dashboard/", _controllers(200, anonymous=API_ANON)),
            Endpoint(
                "dashboard sub-tree",
                "GET",
                "/api/v1/reports/dashboard/?subtree=1",
                _controllers(200, anonymous=API_ANON),
            ),
            Endpoint("touch list", "GET", "/api/v1/reports/touch/", _controllers(200, anonymous=API_ANON)),
            Endpoint(
                "touch pick",
                "POST",
                "/api/v1/reports/touch/",
                _controllers(201, anonymous=API_ANON),
                {"subject": org.east_rep.pk},
            ),
            Endpoint(
                "touch get",
                "GET",
                lambda role: f"/api/v1/reports/touch/{fresh_check(role).pk}/",
                {"anonymous": API_ANON, "outsider": 404, "member": 404, "supervisor": 200, "admin": 200},
            ),
            Endpoint(
                "touch done",
                "POST",
                lambda role: f"/api/v1/reports/touch/{fresh_check(role).pk}/done/",
                {"anonymous": API_ANON, "outsider": 404, "member": 404, "supervisor": 200, "admin": 403},
                {"note": "ok"},
            ),
            Endpoint(
                "control time", "GET", "/api/v1/reports/control-time/", _controllers(200, anonymous=API_ANON)
            ),
            Endpoint(
                "control beat",
                "POST",
                "/api/v1/reports/control-time/beat/",
                _controllers(200, anonymous=API_ANON),
            ),
        ],
        changed=REPORT_TABLES,
    )
