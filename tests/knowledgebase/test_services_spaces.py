"""The space services: who may make which space, the rights (roles through grants, the strongest wins, withdrawn
grants leave), the built-in spaces, and the rules a personal space keeps."""

from __future__ import annotations

import pytest

from knowledgebase.choices import EveryoneAccess, SpaceKind, SpaceRole
from knowledgebase.models import Page, Space, SpaceGrant
from knowledgebase.selectors.spaces import space_role
from knowledgebase.services import spaces as services
from knowledgebase.services.defaults import defaults_ensure
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.core.models import AuditLog
from tests.knowledgebase.factories import kb_world

pytestmark = pytest.mark.django_db


def test_anyone_makes_one_personal_space_that_is_theirs_alone(org):
    space = services.space_create(actor=org.developer, kind=SpaceKind.PERSONAL, title="My notes")
    assert space.owner == org.developer and space.everyone_access == EveryoneAccess.NONE
    assert list(Space.objects.visible_to(org.developer).filter(pk=space.pk)) == [space]
    assert not Space.objects.visible_to(org.it_head).filter(pk=space.pk).exists()
    with pytest.raises(Invalid) as caught:
        services.space_create(actor=org.developer, kind=SpaceKind.PERSONAL, title="Second")
    assert "kind" in caught.value.fields
    with pytest.raises(Invalid):
        services.space_update(actor=org.developer, space=space, everyone_access=EveryoneAccess.READ)


def test_company_spaces_are_the_admins_and_a_department_space_its_heads(org):
    with pytest.raises(NotAllowed):
        services.space_create(actor=org.sales_rep, kind=SpaceKind.COMPANY, title="Mine")
    with pytest.raises(NotAllowed):
        services.space_create(
            actor=org.it_head, kind=SpaceKind.DEPARTMENT, title="Sales", department=org.sales
        )
    space = services.space_create(
        actor=org.sales_head,
        kind=SpaceKind.DEPARTMENT,
        title="Sales",
        department=org.sales,
        everyone_access="none",
    )
    # Read by Sales with its sub-departments, not by IT; the head answers for it.
    assert space_role(user=org.field_rep, space=space) == SpaceRole.READ
    assert space_role(user=org.developer, space=space) is None
    assert space_role(user=org.sales_head, space=space) == SpaceRole.ADMIN
    assert AuditLog.objects.filter(action="kb.space.create", target_id=str(space.pk)).exists()


def test_rights_are_set_as_a_whole_and_the_strongest_role_wins(org):
    world = kb_world(org)
    space = world.restricted
    services.space_rights_set(
        actor=org.sales_head,
        space=space,
        everyone_access=EveryoneAccess.NONE,
        readers={"departments": [org.it]},
        editors={"users": [org.developer]},
        admins={"users": [org.developer, org.it_head]},
    )
    grants = {(g.user_id or g.department_id, g.role) for g in SpaceGrant.objects.filter(content_object=space)}
    assert grants == {
        (org.it.pk, SpaceRole.READ),
        (org.developer.pk, SpaceRole.ADMIN),
        (org.it_head.pk, SpaceRole.ADMIN),
    }
    # The Sales grant and sales_rep's are withdrawn: east_rep reads no more, the developer administers.
    assert space_role(user=org.east_rep, space=Space.objects.get(pk=space.pk)) is None
    assert space_role(user=org.developer, space=Space.objects.get(pk=space.pk)) == SpaceRole.ADMIN
    assert Page.objects.visible_to(org.developer).filter(pk=world.secret.pk).exists()
    assert not Page.objects.visible_to(org.east_rep).filter(pk=world.secret.pk).exists()
    assert AuditLog.objects.filter(action="object.unshare", target_id=str(space.pk)).count() == 3


def test_only_administrators_change_a_space_and_outsiders_do_not_see_it(org):
    world = kb_world(org)
    with pytest.raises(NotAllowed):
        services.space_update(actor=org.sales_rep, space=world.restricted, title="Mine")
    with pytest.raises(NotFound):
        services.space_update(actor=org.developer, space=world.restricted, title="Mine")
    with pytest.raises(NotAllowed):
        services.space_rights_set(actor=org.east_rep, space=world.restricted, everyone_access="read")
    other = Page.objects.create(space=world.company, title="Elsewhere", revision=1)
    with pytest.raises(Invalid):
        services.space_update(actor=org.sales_head, space=world.restricted, home_page=other)
    services.space_update(
        actor=org.sales_head, space=world.restricted, home_page=world.secret, title="Handbook"
    )
    world.restricted.refresh_from_db()
    assert (world.restricted.title, world.restricted.home_page_id) == ("Handbook", world.secret.pk)


def test_the_built_in_spaces_exist_once_and_cannot_be_deleted(org):
    made = defaults_ensure()
    assert {s.key for s in made} == {"rules", "strategy"}
    assert defaults_ensure() == []
    rules = Space.objects.get(key="rules")
    assert rules.everyone_access == EveryoneAccess.READ and rules.responsible.is_active
    with pytest.raises(Invalid):
        services.space_delete(actor=org.admin, space=rules)
    assert Space.objects.filter(key="rules").exists()


def test_a_fresh_portal_gets_its_built_in_spaces_when_the_kb_is_first_opened(org, client_for):
    Space.objects.filter(key__in=["rules", "strategy"]).delete()
    html = client_for(org.developer).get("/kb/").content.decode()
    assert Space.objects.filter(key="rules").exists() and Space.objects.filter(key="strategy").exists()
    assert "Rules" in html and "Strategy" in html
