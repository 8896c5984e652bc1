"""The CRM of the demo company (`manage.py seed_demo`): both pipelines filled, every channel and status of leads,
the roles, the intake channels, and a normal day's signals on the head of Sales' control dashboard."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from crm import counters, rights
from crm.choices import Entity, LeadSource, LeadStatus, Level, StageKind
from crm.demo import demo_pbx_token, seed_demo_crm, simulator_command
from crm.models import (
    Activity,
    Communication,
    Company,
    Contact,
    CrmRole,
    Deal,
    DealLine,
    Lead,
    Mailbox,
    PbxConnection,
    Pipeline,
    Product,
    Stage,
    StoreConnection,
    StoreDelivery,
    TimelineEntry,
    WebForm,
)
from crm.services.telephony import pbx_authenticate
from portal.core.demo import DEMO_DOMAIN, demo_speaking, seed_demo
from portal.people.models import Department, User

pytestmark = pytest.mark.django_db
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def person(local: str) -> User:
    return User.objects.get(email=f"{local}@{DEMO_DOMAIN}")


@pytest.fixture
def seeded(demo_company, db):
    """The whole demo as `make run` seeds it (the jobs scheduled on commit run)."""
    return demo_company


def test_both_pipelines_have_deals_in_every_stage(seeded):
    assert re.search(r"CRM: \d+ companies, \d+ contacts, \d+ leads, \d+ deals, \d+ activities", seeded)
    pipelines = {p.name: p for p in Pipeline.objects.all()}
    assert {"Sales", "Store orders"} <= set(pipelines)
    for pipeline in pipelines.values():
        stages = Stage.objects.filter(pipeline=pipeline)
        assert stages.count() >= 5
        for stage in stages:
            assert Deal.objects.filter(stage=stage).exists(), f"{pipeline.name}: {stage.name} is empty"
    assert Deal.objects.filter(stage_kind=StageKind.LOST).exclude(lost_reason="").exists()
    assert Company.objects.count() >= 12 and Contact.objects.count() >= 30
    assert Product.objects.count() == 10


def test_deals_are_believable(seeded):
    sales = Deal.objects.filter(pipeline__name="Sales")
    assert sales.count() >= 30
    assert str(sales.first().amount.currency) == "USD"
    # Line items from the catalogue, the amount their sum.
    for deal in sales.prefetch_related("lines"):
        lines = list(deal.lines.all())
        assert lines, deal.title
        assert all(line.product_id for line in lines)
        assert deal.amount.amount == sum(line.total.amount for line in lines).quantize(deal.amount.amount)
    # A history: made over the past months, stage changes stamped in order, won deals closed in the past.
    oldest = sales.order_by("created_at").first()
    assert (seeded and oldest.created_at) < sales.order_by("-created_at").first().created_at
    won = sales.filter(stage_kind=StageKind.WON)
    assert won.count() >= 6 and not won.filter(closed_at__isnull=True).exists()
    assert len({d.closed_at.date() for d in won}) >= 5
    assert DealLine.objects.filter(deal__in=sales).count() >= 45
    # Every contact and company has a phone; the timelines have their entries.
    assert not Contact.objects.exclude(communications__kind="phone").exists()
    assert not Company.objects.filter(leads=None).exclude(communications__kind="email").exists()
    assert TimelineEntry.objects.filter(kind="stage").count() >= 40
    assert Activity.objects.filter(is_done=True).count() >= 60
    assert Activity.objects.filter(is_done=False, deadline__isnull=False).count() >= 10


def test_leads_from_every_source_in_every_status(seeded):
    leads = Lead.objects.all()
    assert set(leads.values_list("source", flat=True)) == set(LeadSource.values)
    assert set(leads.values_list("status", flat=True)) == set(LeadStatus.values)
    converted = leads.filter(status=LeadStatus.CONVERTED)
    assert converted.count() >= 3
    assert Deal.objects.filter(lead__in=converted).count() == converted.count()
    assert not leads.filter(status=LeadStatus.JUNK, junk_reason="").exists()


def test_roles_head_of_sales_sees_the_department(seeded):
    head, manager = person("sales.head"), person("sales.manager")
    role = CrmRole.objects.get(name="Head of department")
    assert list(role.assignments.values_list("user__email", flat=True)) == [head.email]
    assert rights.level(head, Entity.DEAL) == Level.SUBTREE
    assert rights.level(manager, Entity.DEAL) == Level.OWN
    sales = Department.objects.get(head=head)
    in_sales = Deal.objects.filter(responsible__department__path__startswith=sales.path)
    assert Deal.objects.visible_to(head).count() == in_sales.count() > 30
    assert set(Deal.objects.visible_to(manager).values_list("responsible", flat=True)) == {manager.pk}


def test_intake_channels(seeded):
    form = WebForm.objects.get()
    assert form.is_active and form.submissions_count == 2
    store = StoreConnection.objects.get()
    assert store.adapter == "woocommerce" and store.deliveries_count >= 6
    orders = Deal.objects.filter(store=store)
    assert orders.count() == 6 and orders.filter(stage_kind=StageKind.WON).count() == 2
    assert StoreDelivery.objects.filter(connection=store).count() >= 15
    mailbox = Mailbox.objects.get()
    assert not mailbox.is_active and mailbox.last_error
    pbx = PbxConnection.objects.get()
    assert pbx_authenticate(token=demo_pbx_token()) == pbx
    assert pbx.extensions.get(extension="101").user == person("sales.manager")
    line = simulator_command()
    assert line and demo_pbx_token() in line and "--to-extension 101" in line
    caller = line.split("--from ")[1].split()[0]
    # The number rings a known contact's card.
    assert Communication.objects.filter(normalized=caller, contact__isnull=False).exists()
    assert "crm_pbx_simulate" in seeded


def test_the_head_of_sales_sees_a_normal_day(seeded):
    """Each signal the CRM gives the control dashboard shows for someone in Sales, none of them red."""
    sales = Department.objects.get(head=person("sales.head"))
    team = list(
        User.objects.filter(department__path__startswith=sales.path, is_active=True).values_list(
            "pk", flat=True
        )
    )
    signals = {
        counters.ACTIVITIES_OVERDUE: (counters.activities_overdue(team), 5),
        counters.DEALS_IDLE: (counters.deals_idle(team), 5),
        counters.LEADS_UNTAKEN: (counters.leads_untaken(team), 3),
    }
    for key, (counts, red_at) in signals.items():
        assert sum(counts.values()) >= 1, key
        assert max(counts.values()) < red_at, key
    # The stored counters (what the dashboard reads) agree.
    from portal.notifications.models import UserCounter

    stored = UserCounter.objects.filter(key=counters.DEALS_IDLE, user_id__in=team, value__gt=0)
    assert sum(stored.values_list("value", flat=True)) == sum(signals[counters.DEALS_IDLE][0].values())


def test_a_second_run_adds_nothing(seeded):
    deals = Deal.objects.count()
    assert seed_demo_crm() == {"companies": 0, "contacts": 0, "leads": 0, "deals": 0, "activities": 0}
    assert Deal.objects.count() == deals


def test_the_crm_demo_in_russian(db):
    """In Russian: names, companies and deal titles in Russian, amounts in roubles, phones read as Russian."""
    from portal.people.models import Company as PortalCompany

    PortalCompany.objects.all().delete()
    seed_demo(language="ru")
    out = io.StringIO()
    with demo_speaking("ru"):
        created = seed_demo_crm(stdout=out)
    assert created["deals"] >= 36 and created["companies"] >= 14
    assert Pipeline.objects.filter(name="Продажи", is_default=True).exists()
    for stage in Stage.objects.all():
        assert CYRILLIC.search(stage.name), stage.name
        assert Deal.objects.filter(stage=stage).exists(), stage.name
    assert all(CYRILLIC.search(name) for name in Company.objects.values_list("name", flat=True))
    assert all(
        CYRILLIC.search(t) for t in Deal.objects.exclude(store__isnull=False).values_list("title", flat=True)
    )
    assert all(CYRILLIC.search(c.last_name) for c in Contact.objects.all())
    assert set(Deal.objects.values_list("amount_currency", flat=True)) == {"RUB"}
    assert Communication.objects.filter(kind="phone", normalized__startswith="+7").count() >= 40
    assert set(Lead.objects.values_list("status", flat=True)) == set(LeadStatus.values)
    call_command("check")  # nothing left half-registered


def test_demo_logins_command_still_prints(seeded):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "sales.head@" in out.getvalue()
