"""Process roles (portal.workflows.services.roles): admins make them, name their holders, and cannot delete
one a route still needs."""

from __future__ import annotations

import pytest
from django.utils import timezone

from portal.core.errors import Invalid, NotAllowed
from portal.core.models import AuditLog
from portal.workflows.choices import ProcessStatus
from portal.workflows.models import Process, ProcessRole, ProcessTemplate
from portal.workflows.selectors import roles as selectors
from portal.workflows.services import roles as services
from portal.workflows.services import templates as template_services
from tests.people.factories import UserFactory
from tests.workflows.factories import SIMPLE_FIELDS, SIMPLE_STEPS

pytestmark = pytest.mark.django_db


def test_create_update_and_holders(org):
    role = services.role_create(
        actor=org.admin, key="buyer", name=" Buyer ", description="Buys things", members=[org.sales_rep]
    )
    assert (role.key, role.name, role.description) == ("buyer", "Buyer", "Buys things")
    assert list(role.members.all()) == [org.sales_rep]
    services.role_update(
        actor=org.admin, role=role, name="Purchaser", description="", members=[org.it_head.pk]
    )
    role.refresh_from_db()
    assert role.name == "Purchaser" and list(role.members.all()) == [org.it_head]
    services.role_members_set(actor=org.admin, role=role, members=[org.it_head, org.developer])
    assert set(role.members.all()) == {org.it_head, org.developer}
    # Leaving out the holders keeps them.
    services.role_update(actor=org.admin, role=role, name="Purchaser")
    assert role.members.count() == 2
    actions = set(AuditLog.objects.filter(target_id=str(role.pk)).values_list("action", flat=True))
    assert actions == {"workflows.role.create", "workflows.role.update", "workflows.role.members"}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"key": "Bad Key", "name": "X"}, "key"),
        ({"key": "9lives", "name": "X"}, "key"),
        ({"key": "hr", "name": "Another HR"}, "key"),  # taken by the built-in one
        ({"key": "fine", "name": " "}, "name"),
        ({"key": "fine", "name": "X", "description": "d" * 301}, "description"),
    ],
)
def test_bad_roles_are_refused(org, values, field):
    before = ProcessRole.objects.count()
    with pytest.raises(Invalid) as error:
        services.role_create(actor=org.admin, **values)
    assert error.value.fields[field]
    assert ProcessRole.objects.count() == before


def test_holders_must_be_active_employees(org):
    gone = UserFactory(is_active=False)
    role = ProcessRole.objects.get(key="lawyer")
    with pytest.raises(Invalid) as error:
        services.role_members_set(actor=org.admin, role=role, members=[org.ceo, gone])
    assert error.value.fields["members"]
    assert not role.members.exists()


def test_only_admins_manage_roles(org):
    role = ProcessRole.objects.get(key="cfo")
    with pytest.raises(NotAllowed):
        services.role_create(actor=org.sales_head, key="mine", name="Mine")
    with pytest.raises(NotAllowed):
        services.role_update(actor=org.sales_head, role=role, name="Mine")
    with pytest.raises(NotAllowed):
        services.role_members_set(actor=org.developer, role=role, members=[org.developer])
    with pytest.raises(NotAllowed):
        services.role_delete(actor=org.developer, role=role)
    role.refresh_from_db()
    assert role.name != "Mine" and not role.members.exists()


def _template_naming(actor, key: str) -> ProcessTemplate:
    steps = [*SIMPLE_STEPS, {"key": "r", "name": "R", "rule": {"kind": "role", "role": key}}]
    return template_services.template_create(
        actor=actor, name=f"Uses {key}", fields=SIMPLE_FIELDS, steps=steps
    )


def test_a_role_a_route_names_is_not_deleted(org):
    role = services.role_create(actor=org.admin, key="auditor", name="Auditor")
    template = _template_naming(org.admin, "auditor")
    assert selectors.routes_naming("auditor") == ["Uses auditor"]
    with pytest.raises(Invalid) as error:
        services.role_delete(actor=org.admin, role=role)
    assert error.value.code == "in_use" and "Uses auditor" in error.value.message

    # A new version without the role, but a process in progress still follows the old one.
    old = template.current_version
    Process.objects.create(
        template=template,
        version=old,
        kind=template.kind,
        title="Old route",
        requester=org.east_rep,
        status=ProcessStatus.RUNNING,
        submitted_at=timezone.now(),
    )
    template_services.template_version_save(
        actor=org.admin, template=template, fields=SIMPLE_FIELDS, steps=SIMPLE_STEPS
    )
    with pytest.raises(Invalid):
        services.role_delete(actor=org.admin, role=role)

    # Once that process is over, the role can go.
    Process.objects.filter(version=old).update(status=ProcessStatus.APPROVED)
    assert selectors.routes_naming("auditor") == []
    services.role_delete(actor=org.admin, role=role)
    assert not ProcessRole.objects.filter(key="auditor").exists()


def test_builtin_roles_stay(org):
    role = ProcessRole.objects.get(key="hr")
    with pytest.raises(Invalid) as error:
        services.role_delete(actor=org.admin, role=role)
    assert error.value.code == "builtin"
    assert ProcessRole.objects.filter(key="hr").exists()


def test_routes_by_role_reads_every_current_route_at_once(org, django_assert_num_queries):
    _template_naming(org.admin, "lawyer")
    with django_assert_num_queries(1):
        found = selectors.routes_by_role()
    assert found["lawyer"] == ["Contract approval", "Uses lawyer"]
    assert found["cfo"] == ["Contract approval", "Outgoing payment"]
    assert found["hr"] == ["Business trip", "Leave request"]
    assert found["accountant"] == ["Expense report", "Outgoing payment"]
