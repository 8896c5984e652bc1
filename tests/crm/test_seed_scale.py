"""`manage.py seed_scale_crm` (and `seed_scale --crm-…`): the CRM at scale for the benchmark, in bulk."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F

from crm import counters
from crm.choices import CommunicationKind, Level, StageKind
from crm.management.commands import seed_scale_crm
from crm.models import (
    Activity,
    Communication,
    Company,
    Contact,
    ContactCompany,
    CrmRole,
    Deal,
    DealLine,
    DealStageChange,
    PbxConnection,
    Pipeline,
    StoreConnection,
    TimelineEntry,
)
from crm.selectors.telephony import caller_find
from crm.services.telephony import pbx_authenticate
from portal.notifications.models import UserCounter
from portal.people.models import Company as PortalCompany
from portal.people.models import Department, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(db, monkeypatch):
    """A small seeded company without CRM records; chunks small enough that each kind takes several."""
    PortalCompany.objects.all().delete()
    monkeypatch.setattr(seed_scale_crm, "CHUNK", 300)
    call_command(
        "seed_scale",
        *("--employees", "40", "--groups", "8", "--entries", "0", "--tasks", "0", "--crm-scale", "0"),
        verbosity=0,
    )


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_scale_crm", *args, stdout=out)
    return out.getvalue()


def test_the_proportions_of_the_issue(company):
    """Per employee 40 contacts, 10 companies, 60 deals, 400 activities (5,000 people: the issue's numbers)."""
    assert not Contact.objects.exists()
    employees = User.objects.filter(is_active=True, is_staff=False).count()
    output = seed("--scale", "0.25")
    contacts, companies, deals, activities = (round(n * employees * 0.25) for n in (40, 10, 60, 400))
    assert (
        f"Seeded CRM: {contacts} contacts, {companies} companies, {deals} deals, {activities} activities"
        in output
    )
    assert (Contact.objects.count(), Company.objects.count()) == (contacts, companies)
    assert (Deal.objects.count(), Activity.objects.count()) == (deals, activities)
    assert seed_scale_crm.scale_counts(5000, 1.0, {}) == {
        "contacts": 200_000,
        "companies": 50_000,
        "deals": 300_000,
        "activities": 2_000_000,
    }

    # Every contact and company with a phone (E.164, its tail) and an e-mail; the phones are distinct.
    phones = Communication.objects.filter(kind=CommunicationKind.PHONE)
    assert phones.count() == contacts + companies
    assert phones.values("normalized").distinct().count() == contacts + companies
    assert Communication.objects.filter(kind=CommunicationKind.EMAIL).count() == contacts + companies
    assert ContactCompany.objects.count() > contacts // 3

    # Three pipelines, each with deals in open, won and lost stages; each deal with a line and its history.
    assert Pipeline.objects.count() == 3
    for pipeline in Pipeline.objects.all():
        kinds = set(Deal.objects.filter(pipeline=pipeline).values_list("stage_kind", flat=True))
        assert kinds == set(StageKind.values), pipeline.name
    assert DealLine.objects.count() == deals
    assert DealStageChange.objects.filter(from_stage=None).count() == deals
    assert not Deal.objects.filter(stage_kind=StageKind.LOST, lost_reason="").exists()
    assert not Deal.objects.exclude(stage__pipeline_id=F("pipeline_id")).exists()

    # Activities on the timeline of their records, most of them on deals, some planned and overdue.
    assert TimelineEntry.objects.filter(kind="activity").count() == activities
    assert Activity.objects.filter(deal__isnull=False).count() > activities // 2
    assert Activity.objects.filter(is_done=False).exists()
    owners = Deal.objects.values("responsible").annotate(n=Count("id"))
    assert owners.count() > employees // 2


def test_settings_connections_and_lookup(company):
    seed("--contacts", "50", "--companies", "10", "--deals", "60", "--activities", "200")
    heads = set(Department.objects.exclude(head=None).values_list("head_id", flat=True))
    role = CrmRole.objects.get(name="Head of department")
    assert set(role.assignments.values_list("user_id", flat=True)) == heads
    assert role.permissions.filter(level=Level.SUBTREE).exists()
    assert CrmRole.objects.get(is_default=True).name == "Employee"
    # The benchmark's PBX and store, with the fixed credentials the locustfile uses.
    assert pbx_authenticate(token=seed_scale_crm.PBX_TOKEN) == PbxConnection.objects.get()
    assert PbxConnection.objects.get().extensions.count() == 40
    assert StoreConnection.objects.get(token=seed_scale_crm.STORE_TOKEN).pipeline.name == "Store orders"
    # Contact n has phone_digits(n): the pop-up lookup finds it by any writing of the number.
    digits = seed_scale_crm.phone_digits(7)
    match = caller_find(number=f"+1 ({digits[:3]}) {digits[3:6]}-{digits[6:]}", region="US")
    assert match.contact_id == 8
    # The stored counters were computed from the seeded data.
    assert UserCounter.objects.filter(key__in=counters.KEYS).exists()


def test_a_second_run_with_the_same_numbers_changes_nothing(company):
    seed("--scale", "0.05")
    first = list(Deal.objects.order_by("pk").values_list("pk", "title")[:20])
    assert "Already seeded" in seed("--scale", "0.05")
    assert list(Deal.objects.order_by("pk").values_list("pk", "title")[:20]) == first
    seed("--scale", "0.05", "--reset")
    assert Deal.objects.count() == round(60 * 40 * 0.05)


def test_seed_scale_runs_the_crm_step(db):
    PortalCompany.objects.all().delete()
    out = io.StringIO()
    call_command(
        "seed_scale",
        *("--employees", "20", "--groups", "6", "--entries", "0", "--tasks", "0", "--crm-scale", "0.1"),
        stdout=out,
    )
    assert "Seeded CRM: 80 contacts, 20 companies, 120 deals, 800 activities" in out.getvalue()
    again = io.StringIO()
    call_command(
        "seed_scale",
        *("--employees", "20", "--groups", "6", "--entries", "0", "--tasks", "0", "--crm-scale", "0.1"),
        stdout=again,
    )
    assert "Already seeded: 80 contacts" in again.getvalue()


def test_refuses_a_real_company(db):
    User.objects.create(email="someone@example.com")
    with pytest.raises(CommandError, match="did not create"):
        seed("--scale", "0.01")
