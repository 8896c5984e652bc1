# ruff: noqa: F811 - the fixtures imported from reports_support are redefined as test arguments
"""The reports the control dashboard opens in place, and the inbox's "Rate all shown as positive", called as
every role.

The person is `member` (east_rep, who controls nobody: their own fragment answers 404 too); `supervisor` is
sales_head (east_rep is in the sub-tree they head); `other_head` is it_head, who supervises other people;
`outsider` is a developer of IT (controls nobody); `admin` controls everyone. Each write gets fresh state per
role, so that one role's write does not change what the next one meets.
"""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.urls import reverse

from portal.notifications.models import Notification, Reminder
from reports.choices import ReportStatus
from tests.reports.factories import WorkReportFactory
from tests.reports.probes import REPORT_TABLES
from tests.reports.reports_support import people  # noqa: F401 (fixture)
from tests.utils import Endpoint, assert_matrix, tables

pytestmark = pytest.mark.django_db
LOGIN = 302
_days = itertools.count(1)
# Past working days (Mondays to Fridays of 2025), one per call: a reminder is once per person, date and day.
_weekdays = (
    day
    for day in (datetime.date(2025, 3, 3) + datetime.timedelta(days=i) for i in itertools.count())
    if day.weekday() < 5
)


@pytest.fixture
def detail_users(people):
    return {
        "anonymous": None,
        "outsider": people.developer,
        "member": people.east_rep,
        "other_head": people.it_head,
        "supervisor": people.sales_head,
        "admin": people.admin,
    }


@pytest.fixture
def waiting_report(people):
    """A new report of the member waiting for a rating (sent to east_head), on a day of its own."""

    def make():
        day = datetime.date(2025, 6, 1) + datetime.timedelta(days=next(_days))
        return WorkReportFactory(
            author=people.east_rep, period_start=day, status=ReportStatus.SENT, supervisor=people.east_head
        )

    return make


def expect(*, outsider, member, other_head, supervisor, admin, anonymous=LOGIN) -> dict:
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "member": member,
        "other_head": other_head,
        "supervisor": supervisor,
        "admin": admin,
    }


def test_page_matrix(detail_users, waiting_report, people):
    person = people.east_rep
    reminders = tables(Reminder, Notification)
    assert_matrix(
        detail_users,
        [
            Endpoint(
                "reports fragment",
                "GET",
                reverse("reports:control_reports", args=[person.pk]),
                expect(outsider=404, member=404, other_head=404, supervisor=200, admin=200),
            ),
            Endpoint(
                "reports fragment, a missing day",
                "GET",
                reverse("reports:control_reports", args=[person.pk]) + "?date=2025-03-03",
                expect(outsider=404, member=404, other_head=404, supervisor=200, admin=200),
                extra={"HTTP_HX_REQUEST": "true"},
            ),
            Endpoint(
                "reports fragment, nobody",
                "GET",
                reverse("reports:control_reports", args=[999999]),
                expect(outsider=404, member=404, other_head=404, supervisor=404, admin=404),
            ),
            Endpoint(
                "rate from the fragment",
                "POST",
                lambda role: reverse("reports:control_report_rate", args=[waiting_report().pk]),
                expect(outsider=404, member=404, other_head=404, supervisor=302, admin=302),
                {"rating": "positive"},
                "form",
            ),
            Endpoint(
                "remind",
                "POST",
                reverse("reports:control_report_remind", args=[person.pk]),
                expect(outsider=404, member=404, other_head=404, supervisor=302, admin=302),
                lambda role: {"date": next(_weekdays).isoformat()},
                "form",
                changed=reminders,
            ),
            Endpoint(
                "inbox: rate all shown positive",
                "POST",
                reverse("reports:to_rate"),
                # it_head rates others' reports: theirs to post, nothing of the member's to rate.
                expect(outsider=403, member=403, other_head=302, supervisor=302, admin=302),
                lambda role: {"report": [waiting_report().pk], "comment": ""},
                "form",
                unchanged_for=("other_head",),
            ),
        ],
        changed=REPORT_TABLES,
    )
