"""The CRM's KPI metrics (crm/registrations/metrics.py) against hand-made data: values, drill-downs, query
counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from djmoney.money import Money

from crm.choices import ActivityKind, LeadStatus, Level, StageKind
from crm.models import CrmRole, Deal
from portal.core.errors import Invalid
from portal.core.metrics import formula_evaluate_many, formula_parse, metric_get
from portal.people.models import Department
from tests.crm.factories import (
    ActivityFactory,
    DealFactory,
    LeadFactory,
    PipelineFactory,
    give_role,
    role_with,
)
from tests.people.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 3, 1)
END = datetime.date(2025, 3, 31)


def at(day: int, month: int = 3, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2025, month, day, hour))


def base(amount) -> Money:
    return Money(Decimal(amount), settings.DEFAULT_CURRENCY)


def other_currency() -> str:
    return next(c for c in ("EUR", "GBP", "RUB", "USD") if c != settings.DEFAULT_CURRENCY)


def compute(key, calls):
    return metric_get(key).compute(calls, START, END)


def rows(key, args, user):
    return metric_get(key).drill_down(args, START, END, user)


@pytest.fixture
def head(org):
    role = CrmRole.objects.filter(name="Head of department").first() or role_with(
        "Head of department", Level.SUBTREE
    )
    give_role(role, user=org.sales_head)
    return org.sales_head


def deal(pipeline, kind, person, *, closed=None, amount=None, title=""):
    stage = (
        pipeline.stages.get(kind=kind) if kind != StageKind.OPEN else pipeline.stages.order_by("sort").first()
    )
    made = DealFactory(
        pipeline=pipeline,
        stage=stage,
        amount=amount or base(1000),
        responsible=person,
        title=title or f"Deal {kind}",
        lost_reason="Too expensive" if kind == StageKind.LOST else "",
    )
    Deal.objects.filter(pk=made.pk).update(stage_kind=kind, closed_at=closed)
    return made


@pytest.fixture
def deals(org, head):
    one, two = PipelineFactory(name="Retail"), PipelineFactory(name="Wholesale")
    rep, east = org.sales_rep, org.east_rep
    made = {
        "rep_one": deal(one, StageKind.WON, rep, closed=at(6), amount=base(1000), title="Rep one"),
        "rep_two": deal(two, StageKind.WON, rep, closed=at(8), amount=base("500.50"), title="Rep two"),
        "rep_foreign": deal(
            one, StageKind.WON, rep, closed=at(9), amount=Money(300, other_currency()), title="F"
        ),
        "rep_lost": deal(one, StageKind.LOST, rep, closed=at(10)),
        "rep_february": deal(one, StageKind.WON, rep, closed=at(28, month=2)),
        "rep_open": deal(one, StageKind.OPEN, rep),
        "rep_last_evening": deal(
            two, StageKind.WON, rep, closed=at(31, hour=23), amount=base(1), title="Late"
        ),
        "east_one": deal(one, StageKind.WON, east, closed=at(12), amount=base(200), title="East one"),
        "dev_one": deal(one, StageKind.WON, org.developer, closed=at(13), amount=base(100)),
    }
    return one, two, made


def test_deals_won_amount_in_the_base_currency(org, deals):
    one, two, _ = deals
    rep, sales, east = org.sales_rep.pk, org.sales.pk, org.east.pk
    values = compute(
        "crm.deals_won_amount",
        [
            (None, rep, None),
            (one.pk, rep, None),
            (two.pk, rep, None),
            (None, None, sales),
            (one.pk, None, sales),
        ]
        + [(two.pk, None, east), (None, None, org.it.pk), (None, org.ceo.pk, None)],
    )
    assert values == {
        (None, rep, None): Decimal("1501.50"),  # both pipelines; not the other currency, lost, February, open
        (one.pk, rep, None): Decimal(1000),
        (two.pk, rep, None): Decimal("501.50"),
        (None, None, sales): Decimal("1701.50"),  # with Sales East's
        (one.pk, None, sales): Decimal(1200),
        (two.pk, None, east): Decimal(0),
        (None, None, org.it.pk): Decimal(100),
        (None, org.ceo.pk, None): Decimal(0),
    }
    assert metric_get("crm.deals_won_amount").unit == settings.DEFAULT_CURRENCY


def test_deals_won_count_in_every_currency(org, deals):
    one, _two, _ = deals
    values = compute(
        "crm.deals_won_count",
        [(None, org.sales_rep.pk, None), (one.pk, org.sales_rep.pk, None), (None, None, org.sales.pk)],
    )
    assert values[None, org.sales_rep.pk, None] == Decimal(4)
    assert values[one.pk, org.sales_rep.pk, None] == Decimal(2)
    assert values[None, None, org.sales.pk] == Decimal(5)


def test_deal_drill_downs_equal_the_values(org, deals):
    one, _two, made = deals
    for key in ("crm.deals_won_amount", "crm.deals_won_count"):
        for args in [(None, org.sales_rep.pk, None), (one.pk, None, org.sales.pk), (None, None, org.root.pk)]:
            listed = rows(key, args, org.admin)
            value = compute(key, [args])[args]
            if key.endswith("count"):
                assert len(listed) == value
            else:
                amounts = [Decimal(label.split(": ")[1].split(" ")[0]) for label, _ in listed]
                assert sum(amounts) == value
                assert all(label.endswith(settings.DEFAULT_CURRENCY) for label, _ in listed)
    listed = rows("crm.deals_won_amount", (one.pk, org.sales_rep.pk, None), org.admin)
    assert listed == [(f"Rep one: 1000.00 {settings.DEFAULT_CURRENCY}", made["rep_one"].get_absolute_url())]


def test_deal_drill_downs_follow_the_crm_rights(org, deals):
    args = (None, None, org.sales.pk)
    assert len(rows("crm.deals_won_count", args, org.sales_head)) == 5  # heads Sales: the sub-tree role
    assert len(rows("crm.deals_won_count", args, org.east_rep)) == 1  # their own deal only
    assert rows("crm.deals_won_count", args, org.developer) == []


def test_a_pipeline_and_a_manager_as_variables(org, deals):
    one, _two, _ = deals
    formula = formula_parse(
        "max(0, crm.deals_won_amount(pipeline, manager) - 500) / 100",
        variables={"pipeline": "pipeline", "manager": "person"},
    )
    [result] = formula_evaluate_many(formula, [{"pipeline": one.pk, "manager": org.sales_rep.pk}], START, END)
    assert result.value == Decimal(5)
    with pytest.raises(Invalid):
        formula_parse("crm.deals_won_amount(pipeline)", variables=["pipeline"])  # whose deals?


@pytest.fixture
def calls(org):
    rep, east = org.sales_rep, org.east_rep
    pipeline = PipelineFactory()
    on_deal = deal(pipeline, StageKind.OPEN, rep, title="Deal with a call")

    def call(person, *, done_at=None, kind=ActivityKind.CALL, **links):
        return ActivityFactory(
            kind=kind,
            responsible=person,
            is_done=done_at is not None,
            done_at=done_at,
            subject="Call",
            **links,
        )

    return {
        "rep_done": call(rep, done_at=at(5)),
        "rep_on_deal": call(rep, done_at=at(6), deal=on_deal),
        "rep_planned": call(rep),
        "rep_meeting": call(rep, done_at=at(7), kind=ActivityKind.MEETING),
        "rep_february": call(rep, done_at=at(27, month=2)),
        "east_done": call(east, done_at=at(8)),
        "deal": on_deal,
    }


def test_calls_count(org, calls):
    values = compute("crm.calls_count", [(org.sales_rep.pk, None), (None, org.sales.pk), (None, org.it.pk)])
    assert values == {
        (org.sales_rep.pk, None): Decimal(2),
        (None, org.sales.pk): Decimal(3),
        (None, org.it.pk): Decimal(0),
    }


def test_calls_drill_down(org, head, calls):
    for args in [(org.sales_rep.pk, None), (None, org.sales.pk)]:
        assert len(rows("crm.calls_count", args, org.admin)) == compute("crm.calls_count", [args])[args]
    listed = rows("crm.calls_count", (org.sales_rep.pk, None), org.admin)
    assert sorted(url for _, url in listed) == sorted(["", calls["deal"].get_absolute_url()])
    assert len(rows("crm.calls_count", (None, org.sales.pk), org.east_rep)) == 1  # their own call
    assert rows("crm.calls_count", (None, org.sales.pk), org.developer) == []


@pytest.fixture
def leads(org):
    rep, east = org.sales_rep, org.east_rep
    return {
        "rep_converted": LeadFactory(responsible=rep, status=LeadStatus.CONVERTED, converted_at=at(4)),
        "rep_february": LeadFactory(
            responsible=rep, status=LeadStatus.CONVERTED, converted_at=at(4, month=2)
        ),
        "rep_junk": LeadFactory(responsible=rep, status=LeadStatus.JUNK, junk_reason="Spam"),
        "rep_new": LeadFactory(responsible=rep),
        "east_converted": LeadFactory(responsible=east, status=LeadStatus.CONVERTED, converted_at=at(20)),
    }


def test_leads_converted(org, head, leads):
    values = compute(
        "crm.leads_converted", [(org.sales_rep.pk, None), (None, org.sales.pk), (None, org.east.pk)]
    )
    assert values == {
        (org.sales_rep.pk, None): Decimal(1),
        (None, org.sales.pk): Decimal(2),
        (None, org.east.pk): Decimal(1),
    }
    listed = rows("crm.leads_converted", (None, org.sales.pk), org.sales_head)
    assert sorted(url for _, url in listed) == sorted(
        leads[key].get_absolute_url() for key in ("rep_converted", "east_converted")
    )
    assert len(rows("crm.leads_converted", (None, org.sales.pk), org.east_rep)) == 1
    assert rows("crm.leads_converted", (None, org.sales.pk), org.developer) == []


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "key", ["crm.deals_won_amount", "crm.deals_won_count", "crm.calls_count", "crm.leads_converted"]
)
def test_query_count_does_not_grow_with_subjects(org, deals, key):
    one, _two, _ = deals
    departments = [org.sales]
    while len(departments) < 100:
        parent = Department.objects.get(pk=departments[(len(departments) - 1) // 2].pk)
        departments.append(DepartmentFactory(parent=parent))
    people = [UserFactory(department=departments[i]) for i in range(100)]
    pipeline = len(metric_get(key).args) == 3
    counts = []
    for size in (10, 100):
        calls = [(p.pk, None) for p in people[:size]] + [(None, d.pk) for d in departments[:size]]
        if pipeline:
            calls = [(one.pk if i % 2 else None, *c) for i, c in enumerate(calls)]
        counts.append(_queries(lambda calls=calls: compute(key, calls)))
    assert counts[0] == counts[1] == 3  # the departments' paths, by person, by department
