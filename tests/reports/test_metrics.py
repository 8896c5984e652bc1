"""The KPI metrics of reports (reports/metrics.py) against hand-made data: values, drill-downs, query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.core.metrics import formula_evaluate_many, formula_parse, metric_get
from portal.people.models import Department
from reports.choices import DayState, Rating, ReportPeriod, ReportStatus
from tests.people.factories import DepartmentFactory, UserFactory
from tests.reports.factories import WorkDayFactory, WorkReportFactory

MONDAY = datetime.date(2025, 3, 3)
SUNDAY = datetime.date(2025, 3, 9)


def day(n: int) -> datetime.date:
    return MONDAY + datetime.timedelta(days=n)


def compute(key, calls, start=MONDAY, end=SUNDAY):
    return metric_get(key).compute(calls, start, end)


def rows(key, args, user):
    return metric_get(key).drill_down(args, MONDAY, SUNDAY, user)


@pytest.fixture
def company(org):
    # everybody joined long before the week counted
    get_user_model().objects.update(date_joined=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))
    for person in vars(org).values():
        if isinstance(person, get_user_model()):
            person.refresh_from_db()
    return org


def rated(author, first, rating=Rating.POSITIVE, last=None, period=ReportPeriod.DAY):
    return WorkReportFactory(
        author=author,
        period=period,
        period_start=first,
        period_end=last or first,
        status=ReportStatus.RATED,
        rating=rating,
        sent_at=timezone.now(),
    )


def worked(user, date, seconds, *, late=False, state=DayState.CLOSED):
    start = datetime.datetime.combine(date, datetime.time(9), tzinfo=timezone.get_default_timezone())
    return WorkDayFactory(
        user=user,
        date=date,
        state=state,
        started_at=start,
        ended_at=start + datetime.timedelta(seconds=seconds) if state == DayState.CLOSED else None,
        worked_seconds=seconds if state == DayState.CLOSED else 0,
        is_late=late,
    )


@pytest.fixture
def reports(company):
    org = company
    made = {
        "rep_monday": rated(org.sales_rep, day(0)),
        "rep_tuesday": rated(org.sales_rep, day(1)),
        "rep_wednesday_negative": rated(org.sales_rep, day(2), Rating.NEGATIVE),
        "rep_saturday": rated(org.sales_rep, day(5)),
        "east_week": rated(org.east_rep, day(0), last=day(6), period=ReportPeriod.WEEK),
        "dev_before": rated(org.developer, day(-3)),
    }
    WorkReportFactory(author=org.sales_rep, period_start=day(3), status=ReportStatus.SENT)
    return made


@pytest.fixture
def days(company):
    org = company
    return {
        "rep_monday": worked(org.sales_rep, day(0), 8 * 3600, late=True),
        "rep_tuesday": worked(org.sales_rep, day(1), 7 * 3600 + 1800),
        "rep_wednesday_open": worked(org.sales_rep, day(2), 0, late=True, state=DayState.OPEN),
        "rep_before": worked(org.sales_rep, day(-3), 3 * 3600, late=True),
        "east_tuesday": worked(org.east_rep, day(1), 4 * 3600, late=True),
        "dev_monday": worked(org.developer, day(0), 3600),
    }


def test_credited_days_share(company, reports):
    org = company
    values = compute(
        "reports.credited_days_share",
        [(org.sales_rep.pk, None), (org.east_rep.pk, None), (None, org.sales.pk), (None, org.east.pk)]
        + [(None, org.it.pk), (None, 999_999)],
    )
    assert values[org.sales_rep.pk, None] == Decimal("0.4")  # Mon and Tue of five working days
    assert values[org.east_rep.pk, None] == Decimal(1)  # the weekly report
    # Sales: its head, sales_rep, and Sales East's three people (with East Field's), five days each
    assert values[None, org.sales.pk] == Decimal(7) / Decimal(25)
    assert values[None, org.east.pk] == Decimal(5) / Decimal(15)
    assert values[None, org.it.pk] == Decimal(0)  # the developer's report is before the week
    assert values[None, 999_999] is None
    # a weekend has no working day: no share
    weekend = compute("reports.credited_days_share", [(org.sales_rep.pk, None)], day(5), day(6))
    assert weekend[org.sales_rep.pk, None] is None


def test_hours_worked(company, days):
    org = company
    values = compute(
        "reports.hours_worked", [(org.sales_rep.pk, None), (None, org.sales.pk), (None, org.it.pk)]
    )
    assert values[org.sales_rep.pk, None] == Decimal("15.50")  # not the open day, not the one before
    assert values[None, org.sales.pk] == Decimal("19.50")
    assert values[None, org.it.pk] == Decimal("1.00")


def test_late_days(company, days):
    org = company
    values = compute(
        "reports.late_days", [(org.sales_rep.pk, None), (None, org.sales.pk), (org.developer.pk, None)]
    )
    assert values[org.sales_rep.pk, None] == Decimal(2)  # Monday and the open Wednesday
    assert values[None, org.sales.pk] == Decimal(3)
    assert values[org.developer.pk, None] == Decimal(0)


def test_late_days_drill_down_equals_the_value(company, days):
    org = company
    for args in [(org.sales_rep.pk, None), (None, org.sales.pk), (None, org.root.pk)]:
        listed = rows("reports.late_days", args, org.admin)
        assert len(listed) == compute("reports.late_days", [args])[args]
    listed = rows("reports.late_days", (org.sales_rep.pk, None), org.admin)
    assert [url for _, url in listed] == [
        f"/reports/workday/days/{days['rep_monday'].pk}/",
        f"/reports/workday/days/{days['rep_wednesday_open'].pk}/",
    ]


def test_hours_drill_down_adds_up_to_the_value(company, days):
    org = company
    listed = rows("reports.hours_worked", (None, org.sales.pk), org.admin)
    total = sum(Decimal(label.rsplit(": ", 1)[1].removesuffix(" h")) for label, _ in listed)
    assert total == compute("reports.hours_worked", [(None, org.sales.pk)])[None, org.sales.pk]
    assert len(listed) == 3


def test_credited_drill_down_lists_the_positive_reports(company, reports):
    org = company
    listed = rows("reports.credited_days_share", (None, org.sales.pk), org.admin)
    assert [url for _, url in listed] == [
        f"/reports/work/{reports[key].pk}/"
        for key in ("rep_monday", "east_week", "rep_tuesday", "rep_saturday")
    ]
    assert all("rated positive" in label for label, _ in listed)


def test_drill_downs_show_only_what_the_reader_may_see(company, reports, days):
    org = company
    args = (None, org.sales.pk)
    assert len(rows("reports.credited_days_share", args, org.sales_head)) == 4
    assert len(rows("reports.credited_days_share", args, org.east_head)) == 1  # Sales East's only
    assert rows("reports.credited_days_share", args, org.developer) == []
    assert len(rows("reports.late_days", args, org.east_head)) == 1
    assert rows("reports.late_days", args, org.developer) == []
    assert rows("reports.hours_worked", (org.sales_rep.pk, None), org.it_head) == []
    # a person sees their own
    assert len(rows("reports.hours_worked", (org.sales_rep.pk, None), org.sales_rep)) == 2


def test_in_a_formula(company, reports):
    org = company
    formula = formula_parse("if_(reports.credited_days_share(person) < 0.8, 0, 1)", variables=["person"])
    results = formula_evaluate_many(
        formula, [{"person": org.sales_rep.pk}, {"person": org.east_rep.pk}], MONDAY, SUNDAY
    )
    assert [r.value for r in results] == [Decimal(0), Decimal(1)]


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "key, budget", [("reports.credited_days_share", 7), ("reports.hours_worked", 3), ("reports.late_days", 3)]
)
def test_query_count_does_not_grow_with_subjects(company, reports, days, key, budget):
    org = company
    departments = [org.sales]
    while len(departments) < 100:
        parent = Department.objects.get(pk=departments[(len(departments) - 1) // 2].pk)
        departments.append(DepartmentFactory(parent=parent))
    people = [UserFactory(department=departments[i]) for i in range(100)]
    counts = []
    for size in (10, 100):
        calls = [(p.pk, None) for p in people[:size]] + [(None, d.pk) for d in departments[:size]]
        counts.append(_queries(lambda calls=calls: compute(key, calls)))
    assert counts[0] == counts[1] <= budget
