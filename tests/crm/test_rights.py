"""The CRM rights by level: for every level x entity x action, exactly which records `visible_to` /
`allowed(action)` return, and that `rights.allows` agrees record by record; unions of roles; department
assignments with and without sub-departments; admins, inactive and anonymous people; deal observers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from crm import rights
from crm.choices import Action, Entity, Level
from crm.models import Company, Contact, CrmRole, CrmRolePermission, Deal, DealObserver, Lead
from tests.crm.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    PipelineFactory,
    give_role,
    role_with,
)

MODELS = {Entity.LEAD: Lead, Entity.CONTACT: Contact, Entity.COMPANY: Company, Entity.DEAL: Deal}
WHOSE = ("own", "colleague", "sub", "elsewhere")
# Which records each level reaches, for a person of Sales East: their own, a colleague's in Sales East, one of
# East Field (a sub-department), one of IT (elsewhere).
REACHES = {
    Level.NONE: set(),
    Level.OWN: {"own"},
    Level.DEPARTMENT: {"own", "colleague"},
    Level.SUBTREE: {"own", "colleague", "sub"},
    Level.ALL: {"own", "colleague", "sub", "elsewhere"},
}


@pytest.fixture
def no_default_roles(db):
    """Without the migration's "Employee" role (own level for everybody), so each test says what it gives."""
    CrmRole.objects.filter(is_default=True).update(is_default=False)


@pytest.fixture
def records(org, no_default_roles):
    """{entity: {whose: record}}."""
    people = {
        "own": org.east_rep,
        "colleague": org.east_head,
        "sub": org.field_rep,
        "elsewhere": org.developer,
    }
    pipeline = PipelineFactory()
    made = {}
    for entity, factory in (
        (Entity.LEAD, LeadFactory),
        (Entity.CONTACT, ContactFactory),
        (Entity.COMPANY, CompanyFactory),
        (Entity.DEAL, lambda **kw: DealFactory(pipeline=pipeline, **kw)),
    ):
        made[entity] = {whose: factory(responsible=person) for whose, person in people.items()}
    return made


def _seen(user, entity, action) -> set[str]:
    pks = set(MODELS[entity].objects.allowed(user, action).values_list("pk", flat=True))
    return pks


def _names(records_of_entity, pks) -> set[str]:
    return {whose for whose, record in records_of_entity.items() if record.pk in pks}


def _fresh(user):
    rights.forget(user)
    return user


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize("entity", list(Entity))
def test_level_entity_action_matrix(org, records, level, entity):
    """A role holding `level` on one (entity, action) at a time: that action reaches exactly the records the
    level reaches, every other action and entity nothing; `rights.allows` says the same per record."""
    person = org.east_rep
    role = CrmRole.objects.create(name="Under test")
    give_role(role, user=person)
    cell = CrmRolePermission.objects.create(role=role, entity=entity, action=Action.VIEW, level=level)
    failures = []
    loaded = {
        other_entity: {
            whose: type(record).objects.select_related("responsible__department").get(pk=record.pk)
            for whose, record in records[other_entity].items()
        }
        for other_entity in Entity
    }
    for action in Action:
        CrmRolePermission.objects.filter(pk=cell.pk).update(action=action)
        _fresh(person)
        for other_entity in Entity:
            for other_action in Action:
                expected = REACHES[level] if (other_entity, other_action) == (entity, action) else set()
                got = _names(records[other_entity], _seen(person, other_entity, other_action))
                if got != expected:
                    failures.append(f"{other_entity}.{other_action}: {sorted(got)} != {sorted(expected)}")
                for whose, record in loaded[other_entity].items():
                    if rights.allows(person, other_entity, other_action, record) != (whose in expected):
                        failures.append(f"allows {other_entity}.{other_action} {whose}")
    assert not failures, f"level {level.label} on {entity}:\n" + "\n".join(failures)


def test_union_of_person_department_and_default_roles(org, records):
    person = org.east_rep
    give_role(role_with("Leads own", Level.OWN, entities=[Entity.LEAD]), user=person)
    give_role(
        role_with("Deals department", Level.DEPARTMENT, entities=[Entity.DEAL], actions=["view"]),
        department=org.east,
        include_subdepartments=False,
    )
    role_with("Everybody contacts", Level.ALL, entities=[Entity.CONTACT], actions=["view"], is_default=True)
    _fresh(person)
    assert _names(records[Entity.LEAD], _seen(person, Entity.LEAD, "view")) == {"own"}
    assert _names(records[Entity.DEAL], _seen(person, Entity.DEAL, "view")) == {"own", "colleague"}
    assert _names(records[Entity.DEAL], _seen(person, Entity.DEAL, "edit")) == set()
    assert _names(records[Entity.CONTACT], _seen(person, Entity.CONTACT, "view")) == set(WHOSE)
    assert _names(records[Entity.COMPANY], _seen(person, Entity.COMPANY, "view")) == set()
    # The highest level of the roles held wins.
    give_role(
        role_with("Leads subtree", Level.SUBTREE, entities=[Entity.LEAD], actions=["view"]), user=person
    )
    _fresh(person)
    assert _names(records[Entity.LEAD], _seen(person, Entity.LEAD, "view")) == {"own", "colleague", "sub"}
    assert _names(records[Entity.LEAD], _seen(person, Entity.LEAD, "edit")) == {"own"}


def test_department_assignment_with_and_without_subdepartments(org, records):
    """A role given to Sales with its sub-departments reaches the people of Sales East and East Field; given to
    Sales alone, only the people of Sales."""
    role = role_with("Sales own", Level.OWN, entities=[Entity.DEAL], actions=["view"])
    assignment = give_role(role, department=org.sales, include_subdepartments=True)
    for person in (org.sales_rep, org.east_rep, org.field_rep):
        assert rights.level(_fresh(person), Entity.DEAL, "view") == Level.OWN
    assert rights.level(_fresh(org.developer), Entity.DEAL, "view") == Level.NONE
    assignment.include_subdepartments = False
    assignment.save(update_fields=["include_subdepartments"])
    assert rights.level(_fresh(org.sales_rep), Entity.DEAL, "view") == Level.OWN
    assert rights.level(_fresh(org.east_rep), Entity.DEAL, "view") == Level.NONE
    assert rights.level(_fresh(org.field_rep), Entity.DEAL, "view") == Level.NONE
    assert _names(records[Entity.DEAL], _seen(_fresh(org.east_rep), Entity.DEAL, "view")) == set()


def test_admins_see_everything(org, records):
    crm_admin = org.it_head
    give_role(CrmRole.objects.create(name="Admins", is_admin=True), user=crm_admin)
    for user in (org.admin, crm_admin):
        for entity in Entity:
            for action in Action:
                assert _names(records[entity], _seen(_fresh(user), entity, action)) == set(WHOSE)
    assert rights.is_crm_admin(org.admin) and rights.is_crm_admin(crm_admin)
    assert not rights.is_crm_admin(_fresh(org.east_rep))


def test_inactive_and_anonymous_see_nothing(org, records):
    give_role(role_with("All", Level.ALL), user=org.east_rep)
    org.east_rep.is_active = False
    org.east_rep.save(update_fields=["is_active"])
    for user in (_fresh(org.east_rep), AnonymousUser()):
        for entity in Entity:
            assert _seen(user, entity, "view") == set()
            assert rights.level(user, entity, "view") == Level.NONE
        assert not rights.allows(user, Entity.DEAL, "view", records[Entity.DEAL]["own"])


def test_anonymous_sees_no_deal(records):
    assert _seen(AnonymousUser(), Entity.DEAL, "view") == set()


def test_deal_observers_see_the_deal_at_own(org, records):
    person = org.east_rep
    give_role(role_with("Own deals", Level.OWN, entities=[Entity.DEAL], actions=["view"]), user=person)
    theirs = records[Entity.DEAL]["elsewhere"]
    DealObserver.objects.create(deal=theirs, user=person)
    _fresh(person)
    assert _names(records[Entity.DEAL], _seen(person, Entity.DEAL, "view")) == {"own", "elsewhere"}
    observes = DealObserver.objects.filter(deal=theirs, user=person).exists
    assert rights.allows(person, Entity.DEAL, "view", theirs, observers=observes)
    # Observing gives nothing without a right on deals.
    CrmRolePermission.objects.filter(role__name="Own deals").update(level=Level.NONE)
    assert _seen(_fresh(person), Entity.DEAL, "view") == set()


def test_the_default_role_gives_own_to_everybody(org):
    """The migration's "Employee" role: a person with no role of their own sees their own records only."""
    pipeline = PipelineFactory()
    mine = DealFactory(pipeline=pipeline, responsible=org.developer)
    DealFactory(pipeline=pipeline, responsible=org.it_head)
    assert set(Deal.objects.visible_to(_fresh(org.developer))) == {mine}


def test_a_list_is_one_query(org, records, django_assert_num_queries):
    person = org.east_rep
    give_role(role_with("Dept", Level.SUBTREE), user=person)
    _fresh(person)
    with django_assert_num_queries(1):
        rights.levels(person)  # the person's levels: one query, kept for the request
    for model in MODELS.values():
        with django_assert_num_queries(1):
            assert len(list(model.objects.visible_to(person))) == 3


# --- the roles admin's services ------------------------------------------------------------------------------


def test_role_services_write_the_table_holders_and_audit(org):
    from crm.services import rights as services
    from portal.core.errors import NotFound
    from portal.core.models import AuditLog

    levels = {(Entity.DEAL, Action.VIEW): Level.SUBTREE, (Entity.DEAL, Action.EDIT): Level.OWN}
    role = services.role_create(
        actor=org.admin,
        name="Sales heads",
        levels=levels,
        users=[org.sales_head],
        subtree_departments=[org.east],
        departments=[org.it],
    )
    assert set(role.permissions.values_list("entity", "action", "level")) == {
        ("deal", "view", Level.SUBTREE),
        ("deal", "edit", Level.OWN),
    }
    assert set(role.assignments.values_list("user_id", "department_id", "include_subdepartments")) == {
        (org.sales_head.pk, None, True),
        (None, org.east.pk, True),
        (None, org.it.pk, False),
    }
    # The next request (a fresh user object) has the new rights.
    head = type(org.sales_head).objects.get(pk=org.sales_head.pk)
    assert rights.level(head, Entity.DEAL, "view") == Level.SUBTREE
    services.role_update(
        actor=org.admin, role=role, name="Sales heads", is_admin=False, is_default=False, levels={}, users=[]
    )
    head = type(org.sales_head).objects.get(pk=org.sales_head.pk)
    assert rights.level(head, Entity.DEAL, "view") == Level.OWN  # the default "Employee" role is left
    actions = list(AuditLog.objects.filter(target_id=str(role.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["crm.role_create", "crm.role_update"]
    with pytest.raises(NotFound):
        services.role_create(actor=org.east_rep, name="Sneaky")
    assert not CrmRole.objects.filter(name="Sneaky").exists()


def test_a_crm_admin_cannot_take_away_their_own_administration(org):
    from crm.services import rights as services
    from portal.core.errors import Invalid

    admins = CrmRole.objects.create(name="Admins", is_admin=True)
    give_role(admins, user=org.it_head)
    with pytest.raises(Invalid):
        services.role_delete(actor=_fresh(org.it_head), role=admins)
    assert CrmRole.objects.filter(pk=admins.pk).exists()
    with pytest.raises(Invalid):
        services.role_update(
            actor=_fresh(org.it_head), role=admins, name="Admins", is_admin=True, is_default=False, levels={}
        )
    assert admins.assignments.filter(user=org.it_head).exists()
    # With the administration held by another role too, or for a portal administrator, it goes.
    give_role(CrmRole.objects.create(name="Admins 2", is_admin=True), user=org.it_head)
    services.role_delete(actor=_fresh(org.it_head), role=admins)
    services.role_delete(actor=org.admin, role=CrmRole.objects.get(name="Admins 2"))
    assert not CrmRole.objects.filter(is_admin=True, name__startswith="Admins").exists()


def test_names_are_unique_and_levels_valid(org):
    from crm.services import rights as services
    from portal.core.errors import Invalid

    services.role_create(actor=org.admin, name="Twice")
    with pytest.raises(Invalid) as error:
        services.role_create(actor=org.admin, name="Twice")
    assert "name" in error.value.fields
    with pytest.raises(Invalid):
        services.role_create(actor=org.admin, name="Bad", levels={("deal", "fly"): 1})
    with pytest.raises(Invalid):
        services.role_create(actor=org.admin, name="Bad", levels={("deal", "view"): 9})
    assert not CrmRole.objects.filter(name="Bad").exists()


# --- the roles admin in a browser ----------------------------------------------------------------------------


@pytest.mark.browser
def test_the_role_page_in_a_browser(page, live_server, login, screenshot, js_errors):
    from django.urls import reverse

    from tests.people.factories import AdminFactory

    admin = AdminFactory(email="crm.admin@acme.test", first_name="Cora", last_name="Admin")
    role = role_with("Sales managers", Level.OWN, entities=[Entity.LEAD, Entity.DEAL])
    give_role(role, user=admin)
    login(page, live_server, admin.email, "pass-word-123")
    page.goto(live_server.url + reverse("crm:role_list"))
    assert page.locator("#crm-roles").is_visible()
    screenshot("crm-roles-list")
    page.goto(live_server.url + reverse("crm:role_edit", args=[role.pk]))
    page.select_option("#id_level_deal_view", str(Level.SUBTREE))
    screenshot("crm-role-form")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("crm-role-form-phone")
    with page.expect_navigation():
        page.locator("#role-form [type=submit]").first.click()
    assert CrmRolePermission.objects.get(role=role, entity="deal", action="view").level == Level.SUBTREE
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("crm:settings_general"))
    screenshot("crm-settings-general")
    assert not js_errors


def test_the_won_post_threshold_is_saved_with_its_currency(org):
    from djmoney.money import Money

    from crm.models import CrmSettings
    from crm.services.rights import crm_settings_update

    crm_settings_update(actor=org.admin, won_post_threshold=Money("5000.00", "EUR"))
    assert CrmSettings.current().won_post_threshold == Money("5000.00", "EUR")
