"""Factories of the knowledge base's core (spaces, pages, revisions). They only lay data: the tests of rules call
the services. `kb_world(org)` lays the spaces the rights tests share."""

from __future__ import annotations

from types import SimpleNamespace

import factory

from knowledgebase.choices import EveryoneAccess, PageStatus, SpaceKind, SpaceRole
from knowledgebase.models import Page, PageRevision, Space, SpaceGrant
from tests.people.factories import UserFactory


class SpaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Space

    kind = SpaceKind.COMPANY
    title = factory.Sequence(lambda n: f"Space {n}")
    responsible = factory.SubFactory(UserFactory)
    everyone_access = EveryoneAccess.READ


class PageFactory(factory.django.DjangoModelFactory):
    """A published page with its first revision."""

    class Meta:
        model = Page
        skip_postgeneration_save = True

    space = factory.SubFactory(SpaceFactory)
    title = factory.Sequence(lambda n: f"Page {n}")
    body = "Some text."
    status = PageStatus.PUBLISHED
    revision = 1
    position = factory.Sequence(lambda n: n)

    @factory.post_generation
    def first_revision(self, create, extracted, **kwargs):
        if create:
            PageRevision.objects.create(page=self, number=self.revision, title=self.title, body=self.body)


def grant(space: Space, role: str = SpaceRole.READ, **grantee) -> SpaceGrant:
    """A grant laid directly (a person's also in guardian's table, as `portal.core.sharing` writes it)."""
    from guardian.shortcuts import assign_perm

    row = SpaceGrant.objects.create(content_object=space, role=role, **grantee)
    if grantee.get("user") is not None:
        assign_perm("knowledgebase.view_space", grantee["user"], space)
    return row


def kb_world(org) -> SimpleNamespace:
    """A restricted space of Sales (with sub-departments: east_rep reads it) answered for by sales_head, where
    sales_rep edits and east_head administers; a company-wide space; and a page in each."""
    restricted = SpaceFactory(
        title="Sales handbook", everyone_access=EveryoneAccess.NONE, responsible=org.sales_head
    )
    grant(restricted, SpaceRole.READ, department=org.sales, include_subdepartments=True)
    grant(restricted, SpaceRole.EDIT, user=org.sales_rep)
    grant(restricted, SpaceRole.ADMIN, user=org.east_head)
    company = SpaceFactory(title="Company", everyone_access=EveryoneAccess.READ, responsible=org.ceo)
    secret = PageFactory(space=restricted, title="Discount rules", body="Discounts up to ten percent.")
    public = PageFactory(space=company, title="Office hours", body="We work from nine to six.")
    return SimpleNamespace(restricted=restricted, company=company, secret=secret, public=public)
