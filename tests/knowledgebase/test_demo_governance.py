"""The governance part of the demo on a small company laid like the demo's: a moderated discussion on a Rules
page (a thread, a comment waiting) and a running campaign "Rules of work" for Sales with people confirmed,
pending and overdue; a second run adds nothing; without Rules pages it is skipped."""

from __future__ import annotations

import pytest
from django.utils import timezone

from knowledgebase.demo.governance import seed_demo_kb_governance
from knowledgebase.models import Campaign, CommentStatus, PageComment, ReadingAssignment, ReadingState
from knowledgebase.selectors.familiarisation import campaign_progress
from portal.core.demo import demo_email
from tests.knowledgebase.factories import PageFactory, SpaceFactory
from tests.people.factories import AdminFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _company():
    from portal.people.models import Department

    admin = AdminFactory(email=demo_email("admin"))
    root = DepartmentFactory(name="Company")
    sales = DepartmentFactory(name="Sales", parent=root)
    inside = DepartmentFactory(name="Inside Sales", parent=sales)
    head = UserFactory(email=demo_email("sales.head"), department=sales)
    Department.objects.filter(pk=sales.pk).update(head=head)
    UserFactory(email=demo_email("sales.manager"), department=sales)
    UserFactory(email=demo_email("inside.head"), department=inside)
    for n in range(4):
        UserFactory(email=demo_email(f"seller{n}"), department=inside)
    return admin


def test_the_demo_seeds_a_moderated_discussion_and_a_running_campaign(django_capture_on_commit_callbacks):
    admin = _company()
    assert seed_demo_kb_governance()["campaigns"] == 0  # no Rules pages yet: skipped
    space = SpaceFactory(key="rules", title="Rules", responsible=admin)
    rules = PageFactory(space=space, title="Rules of work", position=0)
    PageFactory(space=space, title="Areas of responsibility", position=1)
    with django_capture_on_commit_callbacks(execute=True):
        created = seed_demo_kb_governance()
    assert created == {"comments": 4, "campaigns": 1, "confirmations": 4}
    space.refresh_from_db()
    assert space.moderated
    statuses = list(PageComment.objects.filter(page=rules).order_by("pk").values_list("status", flat=True))
    assert statuses.count(CommentStatus.PENDING) == 1 and statuses.count(CommentStatus.APPROVED) == 3
    campaign = Campaign.objects.get(title="Rules of work")
    assert campaign.deadline < timezone.localdate()
    states = {line.state for line in campaign_progress(user=admin, campaign=campaign)}
    assert states == {ReadingState.READ, ReadingState.PENDING, ReadingState.OVERDUE}
    assert ReadingAssignment.objects.filter(campaign=campaign).values("user").distinct().count() == 7
    # A second run adds nothing.
    assert seed_demo_kb_governance() == {"comments": 0, "campaigns": 0, "confirmations": 0}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_on_the_demo_company_with_its_rules(language, django_capture_on_commit_callbacks):
    """The demo's people and the knowledge base's demo pages, then this part: as `seed_demo` runs them."""
    from knowledgebase.demo.pages import seed_demo_kb_pages
    from portal.core.demo import demo_speaking
    from portal.core.registry import registry
    from portal.people.models import Company

    Company.objects.all().delete()
    with demo_speaking(language), django_capture_on_commit_callbacks(execute=True):
        for seeder in registry.demo_seeders:
            if seeder.stage == "company":
                seeder.func()
        seed_demo_kb_pages()
        created = seed_demo_kb_governance()
    assert created["campaigns"] == 1 and created["comments"] == 4 and created["confirmations"] > 0
    campaign = Campaign.objects.get()
    assert campaign.space.key == "rules" and campaign.space.moderated
    lines = campaign_progress(user=campaign.space.responsible, campaign=campaign)
    assert {line.state for line in lines} == {ReadingState.READ, ReadingState.PENDING, ReadingState.OVERDUE}
    assert PageComment.objects.filter(status=CommentStatus.PENDING).count() == 1
    if language == "ru":
        assert campaign.title == "Правила работы"
