# ruff: noqa: F811 - the fixtures imported from reports_support are redefined as test arguments
"""Every work-report page and API endpoint, called as every role.

The report under test belongs to `member` (east_rep); `supervisor` is sales_head, who heads the sub-tree
above east_rep's department (east_head is the direct supervisor); `outsider` is a developer of IT; `admin`
is a portal admin. Each write gets a fresh report per role, so one role's write does not change what the
next one meets. Hidden reports answer 404; visible ones without the right 403; anonymous visitors go to the
login page (pages) or get 401/403 (API).
"""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.urls import reverse

from reports.choices import ReportStatus
from tests.reports.factories import WorkReportFactory
from tests.reports.probes import REPORT_TABLES
from tests.reports.reports_support import people  # noqa: F401 (fixture)
from tests.utils import ROLES, Endpoint, assert_matrix

pytestmark = pytest.mark.django_db
LOGIN = 302
API_ANON = (401, 403)
_days = itertools.count(1)


@pytest.fixture
def users(people):
    return {
        "anonymous": None,
        "outsider": people.developer,
        "member": people.east_rep,
        "supervisor": people.sales_head,
        "admin": people.admin,
    }


@pytest.fixture
def fresh(people):
    """A new report of the member (sent to east_head unless said otherwise), on a day of its own."""

    def make(status=ReportStatus.SENT):
        day = datetime.date(2025, 1, 1) + datetime.timedelta(days=next(_days))
        return WorkReportFactory(
            author=people.east_rep,
            period_start=day,
            status=status,
            supervisor=people.east_head if status != ReportStatus.DRAFT else None,
        )

    return make


def every(signed_in, anonymous=LOGIN) -> dict:
    return {role: (anonymous if role == "anonymous" else signed_in) for role in ROLES}


def expect(*, outsider, member, supervisor, admin, anonymous=LOGIN) -> dict:
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "member": member,
        "supervisor": supervisor,
        "admin": admin,
    }


def test_page_matrix(users, fresh, people):
    def page(name, make=fresh, **kw):
        return lambda role: reverse(f"reports:{name}", args=[make(**kw).pk])

    def settings_post(role):
        # Each role its own due hour: the admin's allowed write changes what the supervisor's left.
        due_time = f"{10 + ROLES.index(role)}:00"
        return {"department": people.east.pk, "period": "week", "due_time": due_time, "due_weekday": "4"}

    assert_matrix(
        users,
        [
            Endpoint("list", "GET", reverse("reports:report_list"), every(200)),
            Endpoint("write", "GET", reverse("reports:report_write"), every(200)),
            Endpoint(
                "write post",
                "POST",
                reverse("reports:report_write") + "?date=2025-01-01",
                every(302),
                {"facts": "Done", "save": "1"},
                "form",
            ),
            Endpoint(
                "to rate",
                "GET",
                reverse("reports:to_rate"),
                expect(outsider=403, member=403, supervisor=200, admin=200),
            ),
            Endpoint(
                "detail",
                "GET",
                page("report_detail"),
                expect(outsider=404, member=200, supervisor=200, admin=200),
            ),
            Endpoint(
                "rate",
                "POST",
                page("report_rate"),
                expect(outsider=404, member=403, supervisor=302, admin=302),
                {"rating": "positive"},
                "form",
            ),
            Endpoint(
                "return",
                "POST",
                page("report_return"),
                expect(outsider=404, member=403, supervisor=302, admin=302),
                {"comment": "Add numbers"},
                "form",
            ),
            Endpoint(
                "settings",
                "GET",
                reverse("reports:report_settings"),
                expect(outsider=403, member=403, supervisor=200, admin=200),
            ),
            Endpoint(
                "settings post",
                "POST",
                reverse("reports:report_settings"),
                expect(outsider=403, member=403, supervisor=302, admin=302),
                settings_post,
                "form",
            ),
        ],
        changed=REPORT_TABLES,
    )


def test_api_matrix(users, fresh):
    base = "/api/v1/reports/reports/"

    def url(action="", **kw):
        return lambda role: f"{base}{fresh(**kw).pk}/{action + '/' if action else ''}"

    share = "/api/v1/reports/credited-share/?start=2026-11-01&end=2026-11-30&user="
    assert_matrix(
        users,
        [
            Endpoint("list", "GET", base, every(200, API_ANON)),
            Endpoint(
                "create",
                "POST",
                base,
                every(201, API_ANON),
                lambda role: {"facts": f"By {role}", "period_start": "2025-06-02"},
            ),
            Endpoint(
                "retrieve",
                "GET",
                url(),
                expect(outsider=404, member=200, supervisor=200, admin=200, anonymous=API_ANON),
            ),
            Endpoint(
                "update",
                "PATCH",
                url(),
                expect(outsider=404, member=200, supervisor=403, admin=403, anonymous=API_ANON),
                {"facts": "Changed"},
            ),
            Endpoint(
                "send",
                "POST",
                url("send", status=ReportStatus.DRAFT),
                expect(outsider=404, member=200, supervisor=403, admin=403, anonymous=API_ANON),
            ),
            Endpoint(
                "rate",
                "POST",
                url("rate"),
                expect(outsider=404, member=403, supervisor=200, admin=200, anonymous=API_ANON),
                {"rating": "negative"},
            ),
            Endpoint(
                "return",
                "POST",
                url("return"),
                expect(outsider=404, member=403, supervisor=200, admin=200, anonymous=API_ANON),
                {"comment": "Add numbers"},
            ),
            Endpoint("prefill", "GET", f"{base}prefill/", every(200, API_ANON)),
            Endpoint(
                "to rate",
                "GET",
                f"{base}to-rate/",
                expect(outsider=403, member=403, supervisor=200, admin=200, anonymous=API_ANON),
            ),
            Endpoint(
                "credited share",
                "GET",
                lambda role: share + str(users["member"].pk),
                expect(outsider=404, member=200, supervisor=200, admin=200, anonymous=API_ANON),
            ),
        ],
        changed=REPORT_TABLES,
    )


def test_a_missing_report_answers_404_like_a_hidden_one(users):
    from tests.utils import client_as

    for role in ("member", "supervisor", "admin"):
        client = client_as(users[role])
        assert client.get(reverse("reports:report_detail", args=[999999])).status_code == 404
        assert client.get("/api/v1/reports/reports/999999/").status_code == 404
