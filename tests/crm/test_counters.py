"""The CRM counters: what each counts, the rights gate, constant queries, the sweep, and that the incremental
recount and the nightly rebuild store the same numbers."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from crm import counters
from crm.choices import Entity, LeadStatus, Level, StageKind
from crm.models import CrmRole, CrmSettings, Deal, Lead, Stage
from portal.notifications.counters import counters_get, counters_rebuild_all, counters_store
from portal.notifications.models import UserCounter
from tests.crm.factories import (
    ActivityFactory,
    DealFactory,
    LeadFactory,
    PipelineFactory,
    give_role,
    role_with,
)

NOW = timezone.now()


def _ago(**kw) -> datetime.datetime:
    return NOW - datetime.timedelta(**kw)


def _backdate(model, pk, **fields) -> None:
    model.objects.filter(pk=pk).update(**fields)


@pytest.fixture
def data(org):
    """east_rep: 2 leads without activity (one new and untaken), 1 lead with an activity, 1 junk lead; 2 open
    deals (one idle), a won deal long idle; activities: 1 overdue, 1 due later, 1 done past deadline."""
    rep = org.east_rep
    pipeline = PipelineFactory(idle_days=7)
    untaken = LeadFactory(responsible=rep)
    _backdate(Lead, untaken.pk, created_at=_ago(hours=2))
    LeadFactory(responsible=rep, status=LeadStatus.IN_PROGRESS)
    worked = LeadFactory(responsible=rep)
    ActivityFactory(responsible=rep, lead=worked, is_done=True, done_at=NOW)
    LeadFactory(responsible=rep, status=LeadStatus.JUNK, junk_reason="spam")
    idle = DealFactory(pipeline=pipeline, responsible=rep)
    _backdate(Deal, idle.pk, created_at=_ago(days=10))
    fresh = DealFactory(pipeline=pipeline, responsible=rep)
    _backdate(Deal, fresh.pk, created_at=_ago(days=10), last_activity_at=_ago(days=1))
    won = pipeline.stages.get(kind=StageKind.WON)
    closed = DealFactory(pipeline=pipeline, responsible=rep, stage=won, stage_kind=StageKind.WON)
    _backdate(Deal, closed.pk, created_at=_ago(days=30))
    ActivityFactory(responsible=rep, deal=idle, deadline=_ago(hours=1))
    ActivityFactory(responsible=rep, deal=fresh, deadline=NOW + datetime.timedelta(days=1))
    ActivityFactory(responsible=rep, deal=fresh, deadline=_ago(days=2), is_done=True, done_at=_ago(days=1))
    return {"pipeline": pipeline, "idle": idle, "untaken": untaken}


EXPECTED = {
    counters.LEADS_NO_ACTIVITY: 2,
    counters.ACTIVITIES_OVERDUE: 1,
    counters.DEALS_IDLE: 1,
    counters.LEADS_UNTAKEN: 1,
}


def test_each_counter_counts_what_it_says(org, data):
    rep = org.east_rep
    for key, expected in EXPECTED.items():
        assert counters.COMPUTE[key]([rep.pk, org.developer.pk]) == {rep.pk: expected}, key


def test_thresholds_move_the_timed_counters(org, data):
    rep = org.east_rep
    settings_row = CrmSettings.current()
    settings_row.lead_take_minutes = 180
    settings_row.save(update_fields=["lead_take_minutes"])
    assert counters.leads_untaken([rep.pk]) == {}
    data["pipeline"].idle_days = 14
    data["pipeline"].save(update_fields=["idle_days"])
    assert counters.deals_idle([rep.pk]) == {}
    # An activity on the idle deal (the service sets `last_activity_at`) ends its idleness.
    data["pipeline"].idle_days = 7
    data["pipeline"].save(update_fields=["idle_days"])
    _backdate(Deal, data["idle"].pk, last_activity_at=NOW)
    assert counters.deals_idle([rep.pk]) == {}


def test_records_count_only_for_people_whose_roles_see_them(org, data):
    """Without any view right on leads and deals (no default role), those counters are 0; activities stay."""
    rep = org.east_rep
    CrmRole.objects.filter(is_default=True).update(is_default=False)
    values = {key: fn([rep.pk]).get(rep.pk, 0) for key, fn in counters.COMPUTE.items()}
    assert values == {**{k: 0 for k in EXPECTED}, counters.ACTIVITIES_OVERDUE: 1}
    # A role given to the department above with its sub-departments brings them back.
    give_role(role_with("Sales", Level.OWN, entities=[Entity.LEAD, Entity.DEAL]), department=org.sales)
    assert counters.deals_idle([rep.pk]) == {rep.pk: 1}
    assert counters.leads_no_activity([rep.pk]) == {rep.pk: 2}


def test_compute_is_a_constant_number_of_queries(org, data, django_assert_max_num_queries):
    people = [org.east_rep.pk, org.sales_rep.pk, org.developer.pk]
    budget = {
        counters.LEADS_NO_ACTIVITY: 2,
        counters.ACTIVITIES_OVERDUE: 1,
        counters.DEALS_IDLE: 3,  # the viewers, the pipelines (their idle days), the count
        counters.LEADS_UNTAKEN: 3,
    }
    for key, fn in counters.COMPUTE.items():
        CrmSettings.current()  # made once; later reads are one query
        with django_assert_max_num_queries(budget[key]):
            fn(people)
    pipeline = data["pipeline"]
    for person in (org.sales_rep, org.developer):
        for _ in range(10):
            DealFactory(pipeline=pipeline, responsible=person)
            LeadFactory(responsible=person)
            ActivityFactory(responsible=person, deadline=_ago(hours=1))
    for key, fn in counters.COMPUTE.items():
        with django_assert_max_num_queries(budget[key]):
            fn(people)


def test_counters_are_registered_in_the_crm_area(org, data):
    from portal.core.registry import registry

    for key in counters.KEYS:
        assert registry.counters[key].area == "crm"


def test_incremental_recount_and_rebuild_agree(org, data):
    rep = org.east_rep
    people = [rep.pk, org.developer.pk, org.sales_head.pk]
    counters_store(people, counters.KEYS, push=False)
    incremental = {
        p: {k: v for k, v in counters_get(type(rep)(pk=p)).items() if k in counters.KEYS} for p in people
    }
    assert incremental[rep.pk] == EXPECTED
    UserCounter.objects.filter(key__in=counters.KEYS).delete()
    counters_rebuild_all()
    rebuilt = {
        p: {k: v for k, v in counters_get(type(rep)(pk=p)).items() if k in counters.KEYS} for p in people
    }
    assert rebuilt == incremental


def test_recount_for_schedules_the_crm_counters(org, data, django_capture_on_commit_callbacks, monkeypatch):
    from portal.notifications import jobs

    calls = []
    monkeypatch.setattr(jobs.counters_recount_job, "delay", lambda ids, keys: calls.append((ids, keys)))
    with django_capture_on_commit_callbacks(execute=True):
        counters.recount_for([org.east_rep, None, org.developer.pk])
    assert calls == [(sorted([org.east_rep.pk, org.developer.pk]), counters.KEYS)]


def test_the_sweep_recounts_people_whose_time_came(
    org, data, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.cache import cache

    from portal.notifications import jobs

    cache.delete(counters.SWEEP_LAST_KEY)
    calls = []
    monkeypatch.setattr(jobs.counters_recount_job, "delay", lambda ids, keys: calls.append((ids, keys)))
    rep = org.east_rep
    # Crossing within the last sweep window: an activity due 3 minutes ago, a deal that became idle 2 minutes
    # ago, a lead that became untaken a minute ago.
    ActivityFactory(responsible=org.sales_rep, deadline=NOW - datetime.timedelta(minutes=3))
    quiet = DealFactory(pipeline=data["pipeline"], responsible=org.it_head)
    _backdate(Deal, quiet.pk, created_at=NOW - datetime.timedelta(days=7, minutes=2))
    late = LeadFactory(responsible=org.field_rep)
    _backdate(Lead, late.pk, created_at=NOW - datetime.timedelta(minutes=31))
    with django_capture_on_commit_callbacks(execute=True):
        people = counters.counters_sweep(now=NOW)
    assert people == 3
    by_key = {keys[0]: ids for ids, keys in calls}
    assert by_key == {
        counters.ACTIVITIES_OVERDUE: [org.sales_rep.pk],
        counters.DEALS_IDLE: [org.it_head.pk],
        counters.LEADS_UNTAKEN: [org.field_rep.pk],
    }
    assert rep.pk not in {pk for ids, _keys in calls for pk in ids}  # their records crossed long ago
    assert cache.get(counters.SWEEP_LAST_KEY) == NOW


def test_the_sweep_job_runs_once_at_a_time(org, data):
    from django.core.cache import cache

    from crm.jobs import COUNTERS_SWEEP_LOCK_KEY, counters_sweep_job

    cache.set(COUNTERS_SWEEP_LOCK_KEY, "other", 60)
    try:
        assert counters_sweep_job() is None
    finally:
        cache.delete(COUNTERS_SWEEP_LOCK_KEY)
    assert counters_sweep_job() is not None
    assert Stage.objects.exists()


# --- the services keep the stored counters in step ----------------------------------------------------------


def test_completing_an_activity_recounts_its_people(org, data, django_capture_on_commit_callbacks):
    from crm.models import Activity
    from crm.services.activities import activity_complete

    rep = org.east_rep
    counters_store([rep.pk], counters.KEYS, push=False)
    assert counters_get(rep)[counters.ACTIVITIES_OVERDUE] == 1
    overdue = Activity.objects.get(responsible=rep, is_done=False, deadline__lt=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        activity_complete(actor=rep, activity=overdue)
    stored = counters_get(rep)
    assert stored[counters.ACTIVITIES_OVERDUE] == 0
    assert stored[counters.DEALS_IDLE] == 0  # the idle deal it was on just had an activity


def _scheduled(monkeypatch) -> list:
    from portal.notifications import jobs

    calls: list = []
    monkeypatch.setattr(jobs.counters_recount_job, "delay", lambda ids, keys: calls.append((ids, keys)))
    return calls


def test_new_idle_days_recount_the_pipelines_people(
    org, data, django_capture_on_commit_callbacks, monkeypatch
):
    from crm.services.pipelines import pipeline_update

    pipeline = data["pipeline"]
    calls = _scheduled(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        pipeline_update(actor=org.admin, pipeline=pipeline, name="Renamed", idle_days=7, is_default=False)
    assert calls == []  # the days did not change
    with django_capture_on_commit_callbacks(execute=True):
        pipeline_update(actor=org.admin, pipeline=pipeline, name="Renamed", idle_days=30, is_default=False)
    assert calls == [([org.east_rep.pk], [counters.DEALS_IDLE])]


def test_a_new_take_time_recounts_the_waiting_leads_people(
    org, data, django_capture_on_commit_callbacks, monkeypatch
):
    from crm.services.rights import crm_settings_update

    calls = _scheduled(monkeypatch)
    minutes = CrmSettings.current().lead_take_minutes
    with django_capture_on_commit_callbacks(execute=True):
        crm_settings_update(actor=org.admin, lead_take_minutes=minutes + 60)
    assert calls == [([org.east_rep.pk], [counters.LEADS_UNTAKEN])]


def test_merging_leads_recounts_both_responsible_people(
    org, data, django_capture_on_commit_callbacks, monkeypatch
):
    from crm.services.merges import record_merge

    kept = LeadFactory(responsible=org.east_rep)
    merged = LeadFactory(responsible=org.sales_rep)
    calls = _scheduled(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        record_merge(actor=org.admin, kept=kept, merged=merged, choices={"responsible": "merged"})
    assert calls == [(sorted([org.east_rep.pk, org.sales_rep.pk]), counters.KEYS)]
