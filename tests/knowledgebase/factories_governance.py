"""Factories of the knowledge base's governance part (comments, campaigns, reading requests; spaces and pages
come from `tests.knowledgebase.factories`) and the small worlds the governance tests share."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import factory
from django.utils import timezone

from knowledgebase.choices import EveryoneAccess, SpaceRole
from knowledgebase.models import Campaign, CommentStatus, Page, PageComment, ReadingAssignment
from tests.knowledgebase.factories import PageFactory, SpaceFactory, grant
from tests.people.factories import UserFactory


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PageComment

    page = factory.SubFactory(PageFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment {n}")
    status = CommentStatus.APPROVED


class CampaignFactory(factory.django.DjangoModelFactory):
    """A campaign row only (no requests): `reading_laid` adds requests without the service's notifications."""

    class Meta:
        model = Campaign

    space = factory.SubFactory(SpaceFactory)
    title = factory.Sequence(lambda n: f"Campaign {n}")
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))
    created_by = factory.SelfAttribute("space.responsible")


def reading_laid(campaign: Campaign, page: Page, user, *, due_on=None, confirmed=False) -> ReadingAssignment:
    campaign.pages.add(page)
    return ReadingAssignment.objects.create(
        campaign=campaign,
        page=page,
        user=user,
        due_on=due_on or campaign.deadline,
        confirmed_at=timezone.now() if confirmed else None,
        confirmed_revision=page.revision if confirmed else None,
    )


def governance_world(org, *, moderated: bool = False, everyone: str = EveryoneAccess.READ) -> SimpleNamespace:
    """A space "Rules" answered for by sales_head (the org fixture's head of Sales), with two pages; the
    second one's own responsible editor is east_head. Moderated or not; open to every employee or not."""
    space = SpaceFactory(
        title="Rules", responsible=org.sales_head, moderated=moderated, everyone_access=everyone
    )
    rules = PageFactory(space=space, title="Rules of work", body="Be kind. See [[Daily report]].")
    report = PageFactory(space=space, title="Daily report", responsible=org.east_head)
    return SimpleNamespace(space=space, rules=rules, report=report)


def matrix_world(org) -> SimpleNamespace:
    """The permission matrices' world: a moderated space closed to the company but read by Sales with its
    sub-departments (the roles' member, east_rep, and supervisor, sales_head, who answers for it); the
    outsider (developer, IT) reads nothing of it."""
    world = governance_world(org, moderated=True, everyone=EveryoneAccess.NONE)
    grant(world.space, SpaceRole.READ, department=org.sales, include_subdepartments=True)
    world.campaign = CampaignFactory(space=world.space, created_by=org.sales_head)
    world.campaign.people.add(org.east_rep)
    world.reading = reading_laid(world.campaign, world.rules, org.east_rep)
    world.comment = CommentFactory(page=world.rules, author=org.sales_head)
    return world
