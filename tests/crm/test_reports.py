"""The CRM reports: their numbers on a small data set counted by hand, who sees which numbers, the drill-down
links and the query budgets."""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from crm.choices import ActivityKind, LeadSource, LeadStatus, Level, StageKind
from crm.models import CrmRole, Deal, DealStageChange, Lead
from crm.selectors import reports as selectors
from crm.views.reports import duration
from tests.crm.factories import (
    ActivityFactory,
    DealFactory,
    LeadFactory,
    PipelineFactory,
    give_role,
    role_with,
)
from tests.utils import client_as

pytestmark = pytest.mark.django_db

MARCH = {"date_from": "2025-03-01", "date_to": "2025-03-31"}
DAY = 86400
THOUSAND = Money(Decimal("1000"), "USD")


def at(day: int, month: int = 3, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2025, month, day, hour))


def stages(pipeline) -> dict:
    return {stage.name: stage for stage in pipeline.stages.all()}


def deal(pipeline, stage, person, *, created, closed=None, amount=THOUSAND, moves=()):
    """A deal of `person` made on `created`, now in `stage`, that went through `moves` ((from, to, seconds, day))."""
    made = DealFactory(
        pipeline=pipeline,
        stage=stage,
        amount=amount,
        responsible=person,
        lost_reason="Too expensive" if stage.kind == StageKind.LOST else "",
    )
    Deal.objects.filter(pk=made.pk).update(created_at=created, stage_kind=stage.kind, closed_at=closed)
    for source, target, seconds, day in moves:
        DealStageChange.objects.create(
            deal=made,
            pipeline=pipeline,
            from_stage=source,
            to_stage=target,
            changed_at=at(day),
            seconds_in_stage=seconds,
        )
    return made


@pytest.fixture
def head(org):
    """sales_head sees his sub-tree (the seeded role; made afresh after a live-server test emptied the tables)."""
    role = CrmRole.objects.filter(name="Head of department").first() or role_with(
        "Head of department", Level.SUBTREE
    )
    give_role(role, user=org.sales_head)
    return org.sales_head


@pytest.fixture
def sales(org, head):
    """A pipeline and, in March 2025, five deals of east_rep and one of sales_rep (and one of February):

    d1 in Talk; d2 Talk -> Offer; d3 Talk -> Offer -> Won (500 EUR); d4 Talk -> Offer -> Lost; d5 Talk -> Lost.
    Reached: Talk 5, Offer 3, Won 1; lost 2.
    """
    pipeline = PipelineFactory(name="Wholesale")
    s = stages(pipeline)
    talk, offer, won, lost = s["Talk"], s["Offer"], s["Won"], s["Lost"]
    rep = org.east_rep
    deals = {
        "d1": deal(pipeline, talk, rep, created=at(2)),
        "d2": deal(pipeline, offer, rep, created=at(3), moves=[(talk, offer, DAY, 4)]),
        "d3": deal(
            pipeline,
            won,
            rep,
            created=at(3),
            closed=at(10),
            amount=Money(Decimal("500"), "EUR"),
            moves=[(talk, offer, 2 * DAY, 5), (offer, won, DAY, 10)],
        ),
        "d4": deal(
            pipeline,
            lost,
            rep,
            created=at(4),
            closed=at(12),
            moves=[(talk, offer, 3 * DAY, 7), (offer, lost, 2 * DAY, 12)],
        ),
        "d5": deal(pipeline, lost, rep, created=at(5), closed=at(20), moves=[(talk, lost, 6 * 3600, 20)]),
        # sales_rep (Sales, not Sales East): the head sees it, east_rep does not.
        "other": deal(
            pipeline, won, org.sales_rep, created=at(6), closed=at(6), amount=Money(Decimal("2000"), "USD")
        ),
        # Made in February: outside the funnel's period.
        "february": deal(pipeline, talk, rep, created=at(10, month=2)),
    }
    return {"pipeline": pipeline, "stages": s, "deals": deals}


def query(pipeline=None, **kwargs) -> selectors.ReportQuery:
    return selectors.ReportQuery(
        start=datetime.date(2025, 3, 1), end=datetime.date(2025, 3, 31), pipeline=pipeline, **kwargs
    )


def page(user, name: str, params=None):
    """The report page's response (200), its numbers in `context["data"]`."""
    response = client_as(user).get(reverse(name), params or MARCH)
    assert response.status_code == 200, response.status_code
    return response


def link_params(url: str) -> dict:
    """The list and the parameters a drill-down link asks for."""
    parts = urlsplit(url)
    return {"path": parts.path, **{key: values[0] for key, values in parse_qs(parts.query).items()}}


def by_stage(data: dict, stage) -> dict:
    return next(step for step in data["steps"] if step["stage"].pk == stage.pk)


# --- the funnel ---------------------------------------------------------------------------------------------


def test_funnel_counts_reached_stages_and_conversions(org, sales):
    report = selectors.funnel_report(user=org.east_rep, query=query(sales["pipeline"]))
    steps = {str(step["stage"]): step for step in report["steps"]}
    assert [str(step["stage"]) for step in report["steps"]] == ["Talk", "Offer", "Won"]  # lost is apart
    assert [steps[name]["reached"] for name in ("Talk", "Offer", "Won")] == [5, 3, 1]
    assert steps["Offer"]["step_conversion"] == 60.0
    assert steps["Won"]["step_conversion"] == 33.3
    assert steps["Won"]["conversion"] == 20.0
    assert [steps[name]["now"] for name in ("Talk", "Offer", "Won")] == [1, 1, 1]
    assert report["won_conversion"] == 20.0
    assert (report["total"], report["won"], report["lost"], report["lost_share"]) == (5, 1, 2, 40.0)
    assert steps["Talk"]["reached_sums"] == [Money(Decimal("500"), "EUR"), Money(Decimal("4000"), "USD")]
    assert steps["Offer"]["reached_sums"] == [Money(Decimal("500"), "EUR"), Money(Decimal("2000"), "USD")]
    assert report["lost_sums"] == [Money(Decimal("2000"), "USD")]


def test_the_head_counts_his_whole_sub_tree_and_a_member_only_their_own(org, sales):
    head = selectors.funnel_report(user=org.sales_head, query=query(sales["pipeline"]))
    assert [step["reached"] for step in head["steps"]] == [6, 4, 2]
    mine = selectors.funnel_report(user=org.sales_rep, query=query(sales["pipeline"]))
    assert [step["reached"] for step in mine["steps"]] == [1, 1, 1]
    nobody = selectors.funnel_report(user=org.developer, query=query(sales["pipeline"]))
    assert nobody["total"] == 0
    # The manager filter narrows the head's numbers to one person.
    one = selectors.funnel_report(
        user=org.sales_head, query=query(sales["pipeline"], responsible_id=org.sales_rep.pk)
    )
    assert [step["reached"] for step in one["steps"]] == [1, 1, 1]
    # A department takes its sub-tree: Sales East holds east_rep only.
    east = selectors.funnel_report(
        user=org.sales_head,
        query=query(sales["pipeline"], department_id=org.east.pk, department_path=org.east.path),
    )
    assert east["total"] == 5


def test_funnel_page_shows_the_numbers_and_links_them_to_the_deal_list(org, sales):
    pipeline, s = sales["pipeline"], sales["stages"]
    response = page(org.east_rep, "crm:report_funnel", {**MARCH, "pipeline": pipeline.pk})
    content = response.content.decode()
    data = response.context["data"]
    offer = by_stage(data, s["Offer"])
    assert f'<tr data-stage="{s["Offer"].pk}">' in content
    assert 'data-reached="3"' in content and "60.0%" in content
    assert link_params(offer["now_url"]) == {
        "path": reverse("crm:deal_list"),
        "pipeline": str(pipeline.pk),
        "created_from": "2025-03-01",
        "created_to": "2025-03-31",
        "stage": str(s["Offer"].pk),
    }
    assert f'href="{offer["now_url"].replace("&", "&amp;")}"' in content
    assert link_params(data["lost_url"])["stage_kind"] == "lost"
    assert link_params(data["won_url"])["stage_kind"] == "won"
    assert 'id="crm-report-chart"' in content and 'id="crm-report-chart-data"' in content
    assert response.context["chart"]["datasets"][0]["values"] == [5, 3, 1]


def test_funnel_links_carry_the_department_and_manager(org, sales):
    pipeline, s = sales["pipeline"], sales["stages"]
    params = {**MARCH, "pipeline": pipeline.pk, "department": org.east.pk, "responsible": org.east_rep.pk}
    data = page(org.sales_head, "crm:report_funnel", params).context["data"]
    found = link_params(by_stage(data, s["Talk"])["reached_url"])
    assert found["department"] == str(org.east.pk)
    assert found["responsible"] == str(org.east_rep.pk)
    assert "stage" not in found  # the first stage reached = every deal of the period
    assert by_stage(data, s["Offer"])["reached_url"] == ""  # no list filter says "reached this stage"
    assert data["total"] == 5


def test_the_default_pipeline_and_this_month_without_filters(org, head):
    response = client_as(org.sales_head).get(reverse("crm:report_funnel"))
    assert response.status_code == 200
    query = response.context["query"]
    assert query.pipeline.name == "Sales"
    today = timezone.localdate()
    assert (query.start, query.end.month) == (today.replace(day=1), today.month)
    content = response.content.decode()
    assert 'data-period="this_month"' in content
    assert [link["key"] for link in response.context["quick_links"] if link["active"]] == ["this_month"]


def test_wrong_dates_are_explained(org, head):
    response = page(org.sales_head, "crm:report_funnel", {"date_from": "2025-03-10", "date_to": "2025-03-01"})
    assert "The period ends before it starts." in response.content.decode()
    assert response.context["data"] is None
    assert "<table" not in response.content.decode()


def test_htmx_gets_the_report_part_only(org, sales):
    response = client_as(org.east_rep).get(
        reverse("crm:report_funnel"), {**MARCH, "pipeline": sales["pipeline"].pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b'id="crm-report"' in response.content
    assert b"crm-report-nav" not in response.content


# --- won and lost -------------------------------------------------------------------------------------------


def test_won_lost_by_manager_and_period(org, sales):
    report = selectors.won_lost_report(user=org.sales_head, query=query())
    by_person = {row["person"]["id"]: row for row in report["managers"]}
    east = by_person[org.east_rep.pk]
    assert (east["won"], east["lost"], east["win_rate"]) == (1, 2, 33.3)
    assert east["won_sums"] == [Money(Decimal("500"), "EUR")]
    assert east["lost_sums"] == [Money(Decimal("2000"), "USD")]
    other = by_person[org.sales_rep.pk]
    assert (other["won"], other["lost"], other["win_rate"]) == (1, 0, 100.0)
    assert (report["total"]["won"], report["total"]["lost"], report["total"]["win_rate"]) == (2, 2, 50.0)
    assert [row["period"]["start"] for row in report["periods"]] == [datetime.date(2025, 3, 1)]
    mine = selectors.won_lost_report(user=org.east_rep, query=query())
    assert [row["person"]["id"] for row in mine["managers"]] == [org.east_rep.pk]


def test_won_lost_by_week_links_each_week(org, sales):
    data = page(org.east_rep, "crm:report_deals", {**MARCH, "group": "week"}).context["data"]
    weeks = data["periods"]
    # Weeks starting on Monday 10 and 17 March: d3 won and d4 lost in the first, d5 lost in the second.
    assert [row["period"]["start"] for row in weeks] == [
        datetime.date(2025, 3, 10),
        datetime.date(2025, 3, 17),
    ]
    assert [(row["won"], row["lost"], row["win_rate"]) for row in weeks] == [(1, 1, 50.0), (0, 1, 0.0)]
    assert link_params(weeks[1]["lost_url"]) == {
        "path": reverse("crm:deal_list"),
        "closed_from": "2025-03-17",
        "closed_to": "2025-03-23",
        "stage_kind": "lost",
    }
    found = link_params(data["managers"][0]["won_url"])
    assert (found["responsible"], found["stage_kind"], found["closed_from"], found["closed_to"]) == (
        str(org.east_rep.pk),
        "won",
        "2025-03-01",
        "2025-03-31",
    )


def test_a_week_at_the_edge_is_clamped_to_the_period(org, sales):
    data = page(
        org.sales_head,
        "crm:report_deals",
        {"date_from": "2025-03-05", "date_to": "2025-03-31", "group": "week"},
    )
    first = data.context["data"]["periods"][0]
    # sales_rep's deal closed on Thursday 6 March: its week starts on 3 March, the link on the 5th.
    assert first["period"]["start"] == datetime.date(2025, 3, 5)
    assert link_params(first["won_url"])["closed_from"] == "2025-03-05"
    assert link_params(first["won_url"])["closed_to"] == "2025-03-09"


# --- lead sources -------------------------------------------------------------------------------------------


@pytest.fixture
def leads(org, head):
    def lead(source, status=LeadStatus.NEW, *, person=org.east_rep, day=5, month=3):
        made = LeadFactory(
            source=source,
            status=status,
            responsible=person,
            junk_reason="Spam" if status == LeadStatus.JUNK else "",
        )
        Lead.objects.filter(pk=made.pk).update(created_at=at(day, month))
        return made

    lead(LeadSource.WEB_FORM, LeadStatus.CONVERTED, day=3)
    lead(LeadSource.WEB_FORM, LeadStatus.JUNK, day=4)
    lead(LeadSource.WEB_FORM, day=12)
    lead(LeadSource.EMAIL, LeadStatus.CONVERTED, day=20)
    lead(LeadSource.MANUAL, LeadStatus.IN_PROGRESS, day=21)
    lead(LeadSource.EMAIL, person=org.sales_rep, day=22)
    lead(LeadSource.EMAIL, day=1, month=2)


def test_lead_sources_count_and_converted_share(org, leads):
    report = selectors.lead_sources_report(user=org.east_rep, query=query())
    by_source = {row["source"]: row for row in report["sources"]}
    assert [row["source"] for row in report["sources"]] == ["web_form", "email", "manual"]
    web = by_source["web_form"]
    assert (web["total"], web["converted"], web["junk"], web["open"], web["converted_share"]) == (
        3,
        1,
        1,
        1,
        33.3,
    )
    assert by_source["email"]["converted_share"] == 100.0
    assert (report["total"], report["converted"], report["converted_share"]) == (5, 2, 40.0)
    head = selectors.lead_sources_report(user=org.sales_head, query=query())
    assert head["total"] == 6


def test_lead_sources_page_links_to_the_lead_list(org, leads):
    response = page(org.east_rep, "crm:report_leads")
    web = response.context["data"]["sources"][0]
    assert link_params(web["converted_url"]) == {
        "path": reverse("crm:lead_list"),
        "created_from": "2025-03-01",
        "created_to": "2025-03-31",
        "source": "web_form",
        "status": "converted",
    }
    assert '<tr data-source="web_form">' in response.content.decode()
    assert response.context["chart"]["datasets"][0]["values"] == [3, 1, 1]


# --- activity by manager ------------------------------------------------------------------------------------


@pytest.fixture
def activities(org, sales):
    d1 = sales["deals"]["d1"]
    now = timezone.now()

    def activity(kind, *, done_on=None, deadline=None, person=org.east_rep, on=d1):
        return ActivityFactory(
            kind=kind,
            deal=on,
            responsible=person,
            is_done=done_on is not None,
            done_at=done_on,
            deadline=deadline,
        )

    activity(ActivityKind.CALL, done_on=at(3))
    activity(ActivityKind.CALL, done_on=at(4))
    activity(ActivityKind.MEETING, done_on=at(5))
    activity(ActivityKind.TODO, done_on=at(6))
    activity(ActivityKind.TODO, deadline=now - datetime.timedelta(days=1))  # overdue now
    activity(ActivityKind.TODO, deadline=now + datetime.timedelta(days=1))  # open, not overdue
    activity(ActivityKind.CALL, done_on=at(3, month=2))  # outside the period
    # On sales_rep's own deal: east_rep sees neither; on east_rep's deal it would show (the deal is visible).
    activity(ActivityKind.EMAIL, done_on=at(8), person=org.sales_rep, on=sales["deals"]["other"])


def test_activity_by_manager(org, activities):
    report = selectors.activity_report(user=org.east_rep, query=query())
    assert [row["person"]["id"] for row in report["people"]] == [org.east_rep.pk]
    row = report["people"][0]
    assert {cell["kind"]: cell["count"] for cell in row["cells"]} == {
        "call": 2,
        "meeting": 1,
        "email": 0,
        "todo": 1,
    }
    assert (row["done"], row["overdue"]) == (4, 1)
    assert row["overdue_params"] == {"overdue": 1, "responsible": org.east_rep.pk}
    calls = row["cells"][0]["params"]
    assert calls == {
        "done": 1,
        "done_from": "2025-03-01",
        "done_to": "2025-03-31",
        "responsible": org.east_rep.pk,
        "kind": "call",
    }
    head = selectors.activity_report(user=org.sales_head, query=query())
    assert {row["person"]["id"] for row in head["people"]} == {org.east_rep.pk, org.sales_rep.pk}
    assert head["done"] == 5
    assert selectors.activity_report(user=org.developer, query=query())["people"] == []


def test_activity_page(org, activities):
    response = page(org.east_rep, "crm:report_activities")
    content = response.content.decode()
    assert f'<tr data-person="{org.east_rep.pk}">' in content
    row = response.context["data"]["people"][0]
    assert [cell["count"] for cell in row["cells"]] == [2, 1, 0, 1]


# --- time in stage ------------------------------------------------------------------------------------------


def test_average_time_in_stage(org, sales):
    s = sales["stages"]
    report = selectors.stage_time_report(user=org.east_rep, query=query(sales["pipeline"]))
    rows = {str(row["stage"]): row for row in report["rows"]}
    # Talk: 1 d, 2 d, 3 d and 6 h -> 135,000 s; Offer: 1 d and 2 d -> 1.5 d.
    assert (rows["Talk"]["moves"], rows["Talk"]["seconds"], rows["Talk"]["longest"]) == (4, 135000, 3 * DAY)
    assert (rows["Offer"]["moves"], rows["Offer"]["seconds"]) == (2, 129600)
    assert rows["Won"]["seconds"] is None
    response = page(org.east_rep, "crm:report_stages", {**MARCH, "pipeline": sales["pipeline"].pk})
    shown = {row["stage"].pk: row["average"] for row in response.context["data"]["rows"]}
    assert (shown[s["Talk"].pk], shown[s["Offer"].pk]) == ("1 d 13 h", "1 d 12 h")
    assert "1 d 13 h" in response.content.decode()
    # The head sees the same moves (sales_rep's deal never moved); a stranger none.
    assert selectors.stage_time_report(user=org.developer, query=query(sales["pipeline"]))["moves"] == 0


def test_durations_read_in_days_hours_and_minutes():
    assert duration(None) == "—"
    assert duration(59) == "0 min"
    assert duration(3600 * 5 + 60 * 20) == "5 h 20 min"
    assert duration(DAY * 3 + 3600 * 4 + 59) == "3 d 4 h"


# --- who may open the reports -------------------------------------------------------------------------------


def test_without_any_deal_or_lead_right_the_reports_are_404(org):
    CrmRole.objects.filter(is_default=True).update(is_default=False)
    client = client_as(org.developer)
    for name in ("crm:report_index", "crm:report_funnel", "crm:report_leads", "crm:report_activities"):
        assert client.get(reverse(name)).status_code == 404, name


def test_the_index_opens_the_first_report_allowed(org):
    response = client_as(org.east_rep).get(reverse("crm:report_index"), MARCH)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("crm:report_funnel") + "?date_from=2025-03-01")


# --- query budgets ------------------------------------------------------------------------------------------


def _grow(org, sales, n: int) -> None:
    s = sales["stages"]
    people = [org.east_rep, org.field_rep, org.sales_rep, org.east_head]
    for i in range(n):
        made = deal(
            sales["pipeline"],
            s["Won"] if i % 3 == 0 else s["Offer"],
            people[i % len(people)],
            created=at(1 + i % 28),
            closed=at(1 + i % 28) if i % 3 == 0 else None,
            amount=Money(Decimal("10"), "EUR" if i % 2 else "USD"),
            moves=[(s["Talk"], s["Offer"], 3600 * i, 1 + i % 28)],
        )
        ActivityFactory(
            kind=ActivityKind.CALL, deal=made, responsible=made.responsible, is_done=True, done_at=at(2)
        )
        lead = LeadFactory(source=LeadSource.EMAIL, responsible=made.responsible)
        Lead.objects.filter(pk=lead.pk).update(created_at=at(1 + i % 28))


@pytest.mark.parametrize(
    "name",
    [
        "crm:report_funnel",
        "crm:report_deals",
        "crm:report_leads",
        "crm:report_activities",
        "crm:report_stages",
    ],
)
def test_query_budget_does_not_grow_with_records(django_assert_max_num_queries, org, sales, name):
    client = client_as(org.sales_head)
    params = {**MARCH, "pipeline": sales["pipeline"].pk, "group": "week"}
    _grow(org, sales, 10)
    with django_assert_max_num_queries(16) as small:
        assert client.get(reverse(name), params).status_code == 200
    _grow(org, sales, 40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse(name), params).status_code == 200
