"""A digest costs a constant number of queries whatever the number of people: 2 or 50 subordinates, each with
reports, days, corrections, tasks and counters, build with exactly the same count; so does the due sweep."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.notifications.models import UserCounter
from reports import selectors, services
from reports.choices import CorrectionStatus, DayState, DigestKind, Rating, ReportStatus
from reports.models import DayCorrection, Digest
from tests.people.factories import DepartmentFactory, UserFactory
from tests.reports.factories import DigestPreferenceFactory, WorkDayFactory, WorkReportFactory
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
TODAY = datetime.date(2026, 1, 14)
YESTERDAY = TODAY - datetime.timedelta(days=1)
NOW = datetime.datetime(2026, 1, 14, 10, 0, tzinfo=UTC)
JOINED = datetime.datetime(2020, 1, 1, tzinfo=UTC)
BUDGET = 30


def at(day, hour, minute=0):
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def team(org):
    """A department under Sales, headed by `head`, to which `grow(n)` adds people with every kind of signal."""
    from portal.people.models import Department
    from tasks.choices import TaskStatus

    department = DepartmentFactory(name="Field sales", parent=org.sales)
    head = UserFactory(department=department, date_joined=JOINED)
    Department.objects.filter(pk=department.pk).update(head=head)
    selectors.register_digest_counter("crm.activities_overdue", label="Overdue CRM activities")
    selectors.register_digest_counter("workflows.approvals_waiting", scope="recipient")
    UserCounter.objects.create(user=head, key="workflows.approvals_waiting", value=1)
    made = {"n": 0}

    def grow(n: int) -> None:
        for _ in range(n):
            made["n"] += 1
            i = made["n"]
            person = UserFactory(
                department=department, date_joined=JOINED, time_zone=["UTC", "Asia/Tokyo"][i % 2]
            )
            if i % 3 == 0:
                WorkReportFactory(author=person, supervisor=head, period_start=YESTERDAY,
                                  status=ReportStatus.RATED, rating=Rating.NEGATIVE)  # fmt: skip
            elif i % 3 == 1:
                WorkReportFactory(
                    author=person, supervisor=head, period_start=YESTERDAY, status=ReportStatus.SENT
                )
            day = WorkDayFactory(user=person, date=YESTERDAY, started_at=at(YESTERDAY, 9, 30), is_late=i % 2 == 0,
                                 state=DayState.CLOSED, ended_at=at(YESTERDAY, 18), needs_confirmation=i % 4 == 0)  # fmt: skip
            if i % 2:
                WorkDayFactory(user=person, date=TODAY, started_at=at(TODAY, 9, 20), is_late=True)
            DayCorrection.objects.create(
                day=day, requested_by=person, reason="typo", started_at=at(YESTERDAY, 9), ended_at=day.ended_at,
                old_started_at=day.started_at, old_ended_at=day.ended_at, status=CorrectionStatus.PENDING,
            )  # fmt: skip
            TaskFactory(creator=head, responsible=person, deadline=at(YESTERDAY, 12))
            TaskFactory(creator=head, responsible=person, status=TaskStatus.AWAITING_CONTROL)
            UserCounter.objects.create(user=person, key="crm.activities_overdue", value=i)

    yield head, grow
    selectors.unregister_digest_counter("crm.activities_overdue")
    selectors.unregister_digest_counter("workflows.approvals_waiting")


def build_queries(head) -> tuple[int, Digest, str]:
    Digest.objects.filter(recipient=head).delete()
    head.__dict__.pop("_lumen_headed_path", None)
    with CaptureQueriesContext(connection) as ctx:
        digest = services.digest_build(recipient=head, kind=DigestKind.SUPERVISOR, date=TODAY, now=NOW)
    return len(ctx.captured_queries), digest, "\n".join(q["sql"][:160] for q in ctx.captured_queries)


def test_a_digest_costs_the_same_queries_for_2_and_50_people(team):
    head, grow = team
    grow(2)
    build_queries(head)  # warms the process-wide caches (content types of the audit row)
    small, digest, _sql = build_queries(head)
    assert digest.data["people_count"] == 2
    assert digest.data["late_starts"]["total"] and digest.data["overdue_tasks"]["total"] == 2

    grow(48)
    large, digest, sql = build_queries(head)

    assert digest.data["people_count"] == 50
    assert digest.data["overdue_tasks"]["total"] == 50
    assert digest.data["counters"][0]["total"] == sum(range(1, 51))
    assert digest.data["corrections_waiting"]["total"] == 50
    assert large == small, f"queries grew with people: {small} -> {large}\n{sql}"
    assert large <= BUDGET, f"{large} queries > budget {BUDGET}:\n{sql}"


def test_a_personal_digest_costs_the_same_queries_with_few_or_many_tasks(org):
    person = UserFactory(department=org.sales, date_joined=JOINED)
    DigestPreferenceFactory(user=person, personal_digest=True)

    def measure() -> int:
        Digest.objects.filter(recipient=person).delete()
        with CaptureQueriesContext(connection) as ctx:
            services.digest_build(recipient=person, kind=DigestKind.PERSONAL, date=TODAY, now=NOW)
        return len(ctx.captured_queries)

    TaskFactory(responsible=person, deadline=at(YESTERDAY, 12))
    measure()  # warms the process-wide caches (content types of the audit row)
    few = measure()
    for _ in range(30):
        TaskFactory(responsible=person, deadline=at(YESTERDAY, 12))
    assert measure() == few <= 17  # (+ the company calendar: which periods owe a report)


def test_finding_who_is_due_is_five_queries_whatever_the_number_of_supervisors(org):
    from portal.people.models import Department

    for person in ("developer", "east_rep"):
        DigestPreferenceFactory(user=getattr(org, person), personal_digest=True)

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            found = selectors.digests_due(now=NOW)
        return len(ctx.captured_queries), len(found)

    few, found_few = measure()
    for i in range(20):
        department = DepartmentFactory(name=f"Team {i}", parent=org.it)
        head = UserFactory(department=department)
        UserFactory(department=department)
        Department.objects.filter(pk=department.pk).update(head=head)
        DigestPreferenceFactory(user=head, digest_time=datetime.time(8, 0), personal_digest=i % 2 == 0)
    many, found_many = measure()

    assert found_many == found_few + 30
    # heads (with their preference and department), personal switches, their schedules (2) and the company
    # calendar, digests built
    assert many == few == 6
