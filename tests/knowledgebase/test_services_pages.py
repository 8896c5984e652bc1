"""The page services: create, edit with revisions and the optimistic lock, publish, move (cycles refused),
delete, and who may do each."""

from __future__ import annotations

import pytest

from knowledgebase.choices import PageStatus, SpaceRole
from knowledgebase.models import Page, PageRevision
from knowledgebase.selectors.pages import breadcrumbs, space_tree, tree_flat
from knowledgebase.services import pages as services
from knowledgebase.services.revisions import page_revised, revision_restore
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.core.models import AuditLog
from portal.stream.models import Entry
from tests.knowledgebase.factories import PageFactory, SpaceFactory, grant, kb_world

pytestmark = pytest.mark.django_db


def test_an_editor_writes_a_page_with_its_first_revision_a_stream_entry_and_an_audit_row(org):
    world = kb_world(org)
    page = services.page_create(
        actor=org.sales_rep,
        space=world.restricted,
        title=" Refunds ",
        body="Ask the head.",
        tags="Money, refunds,money",
    )
    assert page.title == "Refunds" and page.revision == 1 and page.status == PageStatus.PUBLISHED
    assert list(page.revisions.values_list("number", "title", "author")) == [(1, "Refunds", org.sales_rep.pk)]
    assert sorted(page.tags.values_list("name", flat=True)) == ["money", "refunds"]
    assert AuditLog.objects.filter(action="kb.page.create", target_id=str(page.pk)).exists()
    entry = Entry.objects.get(verb=services.PUBLISHED_VERB, target_id=str(page.pk))
    # The entry goes to the space's readers: Sales with its sub-departments, not everyone.
    assert not entry.audience_everyone
    assert Entry.objects.visible_to(org.east_rep).filter(pk=entry.pk).exists()
    assert not Entry.objects.visible_to(org.developer).filter(pk=entry.pk).exists()


def test_a_reader_may_not_write_and_an_outsider_does_not_see_the_space(org):
    world = kb_world(org)
    with pytest.raises(NotAllowed):
        services.page_create(actor=org.east_rep, space=world.restricted, title="Mine")
    with pytest.raises(NotFound):
        services.page_create(actor=org.developer, space=world.restricted, title="Mine")
    with pytest.raises(NotFound):
        services.page_update(actor=org.developer, page=world.secret, base_revision=1, title="x", body="y")
    assert not Page.objects.filter(title="Mine").exists()


def test_each_save_keeps_a_revision_and_an_unchanged_save_keeps_none(org):
    world = kb_world(org)
    page = world.secret
    services.page_update(
        actor=org.sales_rep, page=page, base_revision=1, title=page.title, body="New text", comment="Why"
    )
    services.page_update(actor=org.sales_rep, page=page, base_revision=2, title=page.title, body="New text")
    page.refresh_from_db()
    assert page.revision == 2 and page.body == "New text"
    assert list(page.revisions.order_by("number").values_list("number", "body", "comment")) == [
        (1, "Discounts up to ten percent.", ""),
        (2, "New text", "Why"),
    ]


def test_a_save_based_on_an_old_revision_is_refused_with_what_changed(org):
    world = kb_world(org)
    page = world.secret
    services.page_update(
        actor=org.east_head,
        page=page,
        base_revision=1,
        title=page.title,
        body="Discounts up to five percent.",
    )
    with pytest.raises(services.EditConflict) as caught:
        services.page_update(
            actor=org.sales_rep, page=page, base_revision=1, title=page.title, body="My version"
        )
    conflict = caught.value
    assert conflict.base == 1 and conflict.current.number == 2 and conflict.current.author == org.east_head
    assert ("add", "+Discounts up to five percent.") in conflict.diff.unified
    assert ("del", "-Discounts up to ten percent.") in conflict.diff.unified
    page.refresh_from_db()
    assert page.body == "Discounts up to five percent." and page.revision == 2


def test_page_revised_tells_listeners_of_each_revision_and_whether_it_is_minor(org):
    world = kb_world(org)
    heard = []

    def listener(sender, *, page, revision, minor, **kwargs):
        heard.append((page.pk, revision.number, minor))

    page_revised.connect(listener)
    try:
        page = services.page_create(actor=org.sales_rep, space=world.restricted, title="Heard")
        services.page_update(
            actor=org.sales_rep, page=page, base_revision=1, title="Heard", body="typo", minor=True
        )
        services.page_update(
            actor=org.sales_rep, page=page, base_revision=2, title="Heard", body="big change"
        )
        revision_restore(actor=org.sales_rep, page=page, number=1)
    finally:
        page_revised.disconnect(listener)
    assert heard == [(page.pk, 1, False), (page.pk, 2, True), (page.pk, 3, False), (page.pk, 4, False)]


def test_restore_makes_a_new_revision_with_the_old_text(org):
    world = kb_world(org)
    page = world.secret
    services.page_update(actor=org.sales_rep, page=page, base_revision=1, title="Renamed", body="Changed")
    revision = revision_restore(actor=org.sales_rep, page=page, number=1)
    page.refresh_from_db()
    assert revision.number == 3 and revision.restored_from == 1
    assert (page.title, page.body, page.revision) == ("Discount rules", "Discounts up to ten percent.", 3)
    with pytest.raises(NotAllowed):
        revision_restore(actor=org.east_rep, page=page, number=2)


def test_move_and_reorder_keep_positions_and_refuse_cycles(org):
    world = kb_world(org)
    space = world.restricted
    a = services.page_create(actor=org.sales_rep, space=space, title="A")
    b = services.page_create(actor=org.sales_rep, space=space, title="B", parent=a)
    c = services.page_create(actor=org.sales_rep, space=space, title="C", parent=b)
    with pytest.raises(Invalid):
        services.page_move(actor=org.sales_rep, page=a, parent=c)
    with pytest.raises(Invalid):
        services.page_move(actor=org.sales_rep, page=a, parent=a)
    # C goes to the top level, first.
    services.page_move(actor=org.sales_rep, page=c, parent=None, position=0)
    roots = space_tree(user=org.sales_rep, space=space)
    assert [n.title for n in roots] == ["C", "Discount rules", "A"]
    assert [n.title for n in tree_flat(roots)] == ["C", "Discount rules", "A", "B"]
    # B moves under C; its breadcrumbs follow.
    services.page_move(actor=org.sales_rep, page=b, parent=c)
    b.refresh_from_db()
    assert breadcrumbs(user=org.sales_rep, page=b) == [(c.pk, "C")]
    other = PageFactory(space=world.company)
    with pytest.raises(Invalid):
        services.page_move(actor=org.admin, page=b, parent=other)


def test_a_draft_is_seen_by_its_author_only_until_it_is_published(org):
    world = kb_world(org)
    draft = services.page_create(actor=org.sales_rep, space=world.restricted, title="Draft", publish=False)
    assert Page.objects.visible_to(org.sales_rep).filter(pk=draft.pk).exists()
    assert not Page.objects.visible_to(org.east_rep).filter(pk=draft.pk).exists()
    assert not Entry.objects.filter(target_id=str(draft.pk), verb=services.PUBLISHED_VERB).exists()
    services.page_publish(actor=org.sales_rep, page=draft)
    assert Page.objects.visible_to(org.east_rep).filter(pk=draft.pk).exists()
    assert Entry.objects.filter(target_id=str(draft.pk), verb=services.PUBLISHED_VERB).exists()


def test_delete_takes_the_sub_pages_and_revisions(org):
    world = kb_world(org)
    child = services.page_create(
        actor=org.sales_rep, space=world.restricted, title="Child", parent=world.secret
    )
    services.page_delete(actor=org.sales_rep, page=world.secret)
    assert not Page.objects.filter(pk__in=[world.secret.pk, child.pk]).exists()
    assert not PageRevision.objects.filter(page_id__in=[world.secret.pk, child.pk]).exists()


def test_roles_come_from_grants_of_people_departments_and_groups(org):
    from knowledgebase.selectors.spaces import space_role

    world = kb_world(org)
    space = world.restricted
    assert space_role(user=org.sales_head, space=space) == SpaceRole.ADMIN  # responsible
    assert space_role(user=org.east_head, space=space) == SpaceRole.ADMIN
    assert space_role(user=org.sales_rep, space=space) == SpaceRole.EDIT
    assert space_role(user=org.field_rep, space=space) == SpaceRole.READ  # Sales' sub-sub-department
    assert space_role(user=org.developer, space=space) is None
    assert space_role(user=org.admin, space=space) == SpaceRole.ADMIN
    only_sales = SpaceFactory(everyone_access="none")
    grant(only_sales, SpaceRole.READ, department=org.sales, include_subdepartments=False)
    assert space_role(user=org.sales_rep, space=only_sales) == SpaceRole.READ
    assert space_role(user=org.east_rep, space=only_sales) is None
