"""The CRM on the control pages: dashboard cells of a head's people, the digests' counter lines, and the work
report's pre-fill of CRM activities done that day (with the reader's check)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from crm import counters
from crm.choices import ActivityKind
from crm.models import CrmRole
from crm.registrations import control as registration
from portal.core.registry import registry
from portal.notifications.counters import counters_store
from reports.selectors import control as control_selectors
from tests.crm.factories import ActivityFactory, ContactFactory, DealFactory, PipelineFactory, give_role

NOW = timezone.now()
COLUMNS = {
    "crm_activities_overdue": counters.ACTIVITIES_OVERDUE,
    "crm_deals_idle": counters.DEALS_IDLE,
    "crm_leads_untaken": counters.LEADS_UNTAKEN,
}


def _cells(board) -> dict[int, dict]:
    keys = [column.key for column in board.columns]
    return {row.person.pk: dict(zip(keys, row.cells, strict=True)) for row in board.rows}


def _list_url(route: str) -> str:
    try:
        return reverse(route)
    except NoReverseMatch:
        return ""


def test_the_columns_are_registered_with_their_lists_and_thresholds():
    for column, key in COLUMNS.items():
        spec = registry.dashboard_counters[key]
        assert spec.column == column
        assert spec.amber_at == 1 and spec.red_at and spec.red_at > 1
        assert "CRM role" in str(spec.help_text)
        assert spec.in_digest
    if _list_url("crm:deal_list"):
        assert registration.idle_url(7) == f"{reverse('crm:deal_list')}?idle=1&responsible=7"
    if _list_url("crm:activity_list"):
        assert registration.overdue_url(7) == f"{reverse('crm:activity_list')}?overdue=1&responsible=7"
    if _list_url("crm:lead_list"):
        assert registration.untaken_url(7) == f"{reverse('crm:lead_list')}?untaken=1&responsible=7"


def test_a_heads_dashboard_shows_the_crm_cells_of_their_people(org):
    rep = org.east_rep
    pipeline = PipelineFactory(idle_days=3)
    for _ in range(5):
        ActivityFactory(responsible=rep, deadline=NOW - datetime.timedelta(hours=1))
    idle = DealFactory(pipeline=pipeline, responsible=rep)
    type(idle).objects.filter(pk=idle.pk).update(created_at=NOW - datetime.timedelta(days=5))
    people = [rep.pk, org.sales_rep.pk, org.field_rep.pk]
    counters_store(people, counters.KEYS, push=False)

    cells = _cells(control_selectors.dashboard(user=org.sales_head, subtree=True, now=NOW))
    mine = cells[rep.pk]
    assert mine["crm_activities_overdue"].value == 5
    assert str(mine["crm_activities_overdue"].signal) == "red"
    assert mine["crm_deals_idle"].value == 1
    assert str(mine["crm_deals_idle"].signal) == "amber"
    assert mine["crm_leads_untaken"].value == 0
    assert str(mine["crm_leads_untaken"].signal) == "green"
    quiet = cells[org.sales_rep.pk]
    assert {str(quiet[c].signal) for c in COLUMNS} == {"green"}
    if _list_url("crm:activity_list"):
        assert mine["crm_activities_overdue"].url.endswith(f"overdue=1&responsible={rep.pk}")


def test_the_head_sees_the_records_behind_a_cell_with_a_role(org):
    """The lists filter by `visible_to`: the "Head of department" role lets the head see them, without it the
    head's own level shows nothing (what the column's help text says)."""
    from crm.models import Activity, Deal

    pipeline = PipelineFactory(idle_days=1)
    deal = DealFactory(pipeline=pipeline, responsible=org.east_rep)
    ActivityFactory(responsible=org.east_rep, deal=deal, deadline=NOW - datetime.timedelta(hours=1))
    assert not Deal.objects.visible_to(org.sales_head).exists()
    assert not Activity.objects.visible_to(org.sales_head).exists()
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    from crm import rights

    rights.forget(org.sales_head)
    assert list(Deal.objects.visible_to(org.sales_head)) == [deal]
    assert Activity.objects.visible_to(org.sales_head).count() == 1


def test_the_digest_reports_the_crm_counters():
    from reports.selectors.digests import digest_counters

    keys = {counter.key for counter in digest_counters()}
    assert set(COLUMNS.values()) <= keys


@pytest.fixture
def done_today(org):
    rep = org.east_rep
    contact = ContactFactory(responsible=rep, first_name="Anna", last_name="Berg")
    deal = DealFactory(pipeline=PipelineFactory(), responsible=rep, title="Big order")
    call = ActivityFactory(
        responsible=rep, kind=ActivityKind.CALL, subject="Intro call", deal=deal, is_done=True, done_at=NOW
    )
    meeting = ActivityFactory(
        responsible=rep,
        kind=ActivityKind.MEETING,
        subject="Demo",
        contact=contact,
        is_done=True,
        done_at=NOW - datetime.timedelta(minutes=5),
    )
    ActivityFactory(responsible=rep, subject="Not done", deal=deal)
    ActivityFactory(
        responsible=rep, subject="Yesterday", is_done=True, done_at=NOW - datetime.timedelta(days=2)
    )
    ActivityFactory(responsible=org.sales_rep, subject="Someone else's", is_done=True, done_at=NOW)
    return {"call": call, "meeting": meeting, "deal": deal, "contact": contact}


def test_the_prefill_lists_the_activities_done_that_day(org, done_today, django_assert_num_queries):
    source = registry.report_prefill["crm"]
    start = NOW - datetime.timedelta(hours=12)
    with django_assert_num_queries(1):
        items = source.compute(org.east_rep, start, NOW + datetime.timedelta(minutes=1))
    assert [item["id"] for item in items] == [done_today["meeting"].pk, done_today["call"].pk]
    call = items[1]
    assert call["title"] == "Call: Intro call · Big order"
    assert call["kind"] == "call" and call["record"] == "Big order"
    assert items[0]["record"] == "Anna Berg"


def test_the_prefill_reader_check(org, done_today):
    source = registry.report_prefill["crm"]
    ids = {done_today["call"].pk, done_today["meeting"].pk}
    assert set(source.visible(org.east_rep, ids)) == ids
    assert set(source.visible(org.developer, ids)) == set()
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    assert set(source.visible(org.sales_head, ids)) == ids
    if _list_url("crm:deal_list"):
        assert source.url(done_today["call"].pk) == done_today["deal"].get_absolute_url()
