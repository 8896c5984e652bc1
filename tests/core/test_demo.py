"""`manage.py seed_demo`: a believable company through the real services, and idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from portal.core.demo import DEMO_DOMAIN, DEMO_LOGINS, DEMO_PASSWORD
from portal.groups.models import Membership, Workgroup
from portal.people import selectors
from portal.people.models import Department, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(demo_company, db):
    return demo_company


def test_seed_demo_builds_the_company(seeded):
    assert "Demo company ready" in seeded
    people = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")
    assert 38 <= people.count() <= 45
    departments = list(Department.objects.all())
    assert len(departments) >= 8 + 1  # eight departments under the company itself
    assert max(d.depth for d in departments) >= 3
    assert all(d.head_id for d in departments), "every demo department has a head"
    for dept in departments:
        assert User.objects.get(pk=dept.head_id).department_id == dept.pk
    assert {
        d.pk: d.members_count for d in departments if d.members_count
    } == selectors.department_head_counts()


def test_demo_logins_work_and_supervision_is_derived(seeded):
    for email, _role in DEMO_LOGINS:
        assert User.objects.get(email=email).check_password(DEMO_PASSWORD), email
    assert User.objects.get(email=f"admin@{DEMO_DOMAIN}").is_superuser
    ceo = User.objects.get(email=f"ceo@{DEMO_DOMAIN}")
    sales_head = User.objects.get(email=f"sales.head@{DEMO_DOMAIN}")
    manager = User.objects.get(email=f"sales.manager@{DEMO_DOMAIN}")
    assert selectors.supervisor_of(manager) == sales_head
    assert selectors.supervisor_of(sales_head) == ceo
    assert selectors.supervisor_of(ceo) is None
    key_accounts = User.objects.get(email=f"ka.manager1@{DEMO_DOMAIN}")
    assert selectors.supervises(sales_head, key_accounts)
    assert not manager.is_staff


def test_demo_groups_of_every_visibility(seeded):
    groups = Workgroup.objects.all()
    assert {g.visibility for g in groups} == {"open", "closed", "secret"}
    assert {g.kind for g in groups} == {"group", "project"}
    news = Workgroup.objects.get(name="Company news")
    active = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}", is_active=True).count()
    assert Membership.objects.filter(group=news).count() == active
    board = Workgroup.objects.get(name="Board")
    outsider = User.objects.get(email=f"sales.manager@{DEMO_DOMAIN}")
    assert not Workgroup.objects.visible_to(outsider).filter(pk=board.pk).exists()


def test_second_run_creates_nothing(seeded):
    counts = (
        User.objects.count(),
        Department.objects.count(),
        Workgroup.objects.count(),
        Membership.objects.count(),
    )
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "0 people, 0 departments, 0 groups, 0 memberships created." in out.getvalue()
    assert (
        User.objects.count(),
        Department.objects.count(),
        Workgroup.objects.count(),
        Membership.objects.count(),
    ) == counts


def test_if_empty_leaves_a_registered_portal_alone(db):
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "registered already" in out.getvalue()
    assert not User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").exists()
