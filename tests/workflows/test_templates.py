"""Process templates (portal.workflows.services.templates): made and changed by admins only, checked before
anything is stored, versioned so that a running process keeps the version it started with."""

from __future__ import annotations

import pytest
from django.utils import timezone

from portal.core.errors import Invalid, NotAllowed
from portal.core.models import AuditLog
from portal.workflows.choices import ProcessStatus, TemplateKind
from portal.workflows.models import Process, ProcessTemplate, TemplateVersion
from portal.workflows.selectors import templates as selectors
from portal.workflows.services import templates as services
from tests.groups.factories import WorkgroupFactory
from tests.people.factories import UserFactory
from tests.workflows.factories import SIMPLE_FIELDS, SIMPLE_STEPS, ProcessRoleFactory

pytestmark = pytest.mark.django_db

CFO_STEP = {
    "key": "cfo",
    "name": "CFO",
    "rule": {"kind": "role", "role": "cfo"},
    "condition": {"field": "amount", "op": "gt", "value": "100000"},
    "deadline": {"hours": 8},
}


def _create(actor, **overrides) -> ProcessTemplate:
    values = {
        "name": "Purchase",
        "kind": TemplateKind.CUSTOM,
        "description": "Buy something",
        "fields": SIMPLE_FIELDS,
        "steps": SIMPLE_STEPS,
        "icon": "bi-cart",
    }
    values.update(overrides)
    return services.template_create(actor=actor, **values)


def _process(template, version, requester, status=ProcessStatus.RUNNING) -> Process:
    """A process row as the engine would have left it (the engine is tested elsewhere)."""
    return Process.objects.create(
        template=template,
        version=version,
        kind=template.kind,
        title="A process",
        requester=requester,
        data={"subject": "Chairs"},
        status=status,
        submitted_at=timezone.now(),
    )


def test_create_makes_version_one_with_normalised_definitions(org):
    role = ProcessRoleFactory(key="buyers")
    group = WorkgroupFactory()
    template = _create(
        org.admin,
        steps=[*SIMPLE_STEPS, CFO_STEP],
        starters_everyone=False,
        start_departments=[org.sales],
        start_groups=[group.pk],
        viewer_roles=[role],
    )
    version = template.current_version
    assert version.number == 1 and version.created_by == org.admin
    assert list(template.versions.all()) == [version]
    assert version.steps[1] == {
        "key": "cfo",
        "name": "CFO",
        "kind": "approval",
        "rule": {"kind": "role", "role": "cfo"},
        "mode": "any",
        "condition": {"field": "amount", "op": "gt", "value": "100000"},
        "deadline": {"hours": 8},
        "actions": ["approve", "reject", "return", "comment"],
    }
    assert version.fields[0] == {"key": "subject", "label": "Subject", "type": "text", "required": True}
    assert list(template.start_departments.all()) == [org.sales]
    assert list(template.start_groups.all()) == [group]
    assert list(template.viewer_roles.all()) == [role]
    assert template.created_by == org.admin and template.icon == "bi-cart"
    assert AuditLog.objects.filter(action="workflows.template.create", target_id=str(template.pk)).exists()


@pytest.mark.parametrize("who", ["sales_head", "developer"])
def test_only_admins_manage_templates(org, who):
    person = getattr(org, who)
    with pytest.raises(NotAllowed):
        _create(person)
    template = ProcessTemplate.objects.get(key="payment")
    with pytest.raises(NotAllowed):
        services.template_update(actor=person, template=template, name="Mine")
    with pytest.raises(NotAllowed):
        services.template_version_save(
            actor=person, template=template, fields=SIMPLE_FIELDS, steps=SIMPLE_STEPS
        )
    with pytest.raises(NotAllowed):
        services.template_delete(actor=person, template=template)
    template.refresh_from_db()
    assert template.name != "Mine" and template.current_version.number == 1


def test_a_running_process_keeps_its_version(org):
    template = _create(org.admin)
    first = template.current_version
    running = _process(template, first, org.east_rep)
    done = _process(template, first, org.sales_rep, status=ProcessStatus.APPROVED)

    result = services.template_save(
        actor=org.admin,
        template=template,
        fields=SIMPLE_FIELDS,
        steps=[*SIMPLE_STEPS, CFO_STEP],
        comment="The CFO approves large purchases",
    )

    assert result.created and result.version.number == 2
    assert result.previous == first and result.kept == 1  # the approved one is not "kept": it is over
    template.refresh_from_db()
    assert template.current_version == result.version
    assert result.version.comment == "The CFO approves large purchases"
    running.refresh_from_db()
    done.refresh_from_db()
    assert running.version == first and done.version == first
    first.refresh_from_db()
    assert [s["key"] for s in first.steps] == ["boss"]  # the old version is never changed
    assert [s["key"] for s in result.version.steps] == ["boss", "cfo"]
    assert selectors.running_on(first) == 1 and selectors.running_on(result.version) == 0

    # Another change: version 3; both earlier versions stay.
    third = services.template_version_save(
        actor=org.admin, template=template, fields=SIMPLE_FIELDS, steps=SIMPLE_STEPS
    )
    assert third.number == 3
    assert sorted(template.versions.values_list("number", flat=True)) == [1, 2, 3]


def test_saving_the_same_form_and_route_makes_no_version(org):
    template = _create(org.admin)
    # The same, written differently (defaults left out, dataclasses): still the same definitions.
    again = services.template_version_save(
        actor=org.admin,
        template=template,
        fields=[dict(f) for f in SIMPLE_FIELDS],
        steps=[{"key": "boss", "name": "Supervisor", "rule": {"kind": "supervisor"}}],
        comment="nothing",
    )
    assert again == template.current_version and again.number == 1
    assert TemplateVersion.objects.filter(template=template).count() == 1
    result = services.template_save(
        actor=org.admin, template=template, fields=SIMPLE_FIELDS, steps=SIMPLE_STEPS, name="Renamed"
    )
    assert not result.created and result.version.number == 1 and result.kept == 0
    template.refresh_from_db()
    assert template.name == "Renamed"


def test_update_changes_settings_without_a_version(org):
    template = ProcessTemplate.objects.get(key="leave")
    services.template_update(
        actor=org.admin,
        template=template,
        name="Time off",
        description="Rest",
        is_active=False,
        starters_everyone=False,
        start_departments=[org.it],
        viewer_roles=[],
    )
    template.refresh_from_db()
    assert (template.name, template.description, template.is_active) == ("Time off", "Rest", False)
    assert list(template.start_departments.all()) == [org.it]
    assert not template.viewer_roles.exists()
    assert template.versions.count() == 1
    log = AuditLog.objects.get(action="workflows.template.update", target_id=str(template.pk))
    assert log.changes["name"][1] == "Time off"
    assert log.changes["start_departments"] == [[], [org.it.pk]]


@pytest.mark.parametrize(
    ("meta", "key"),
    [
        ({"name": "  "}, "name"),
        ({"kind": "nonsense"}, "kind"),
        ({"icon": "javascript:alert(1)"}, "icon"),
        ({"starters_everyone": False}, "starters"),
        ({"start_departments": [999_999]}, "starters"),
        ({"viewer_roles": [999_999]}, "viewer_roles"),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(org, meta, key):
    template = _create(org.admin)
    with pytest.raises(Invalid) as error:
        services.template_update(actor=org.admin, template=template, **meta)
    assert error.value.fields[key]
    fresh = ProcessTemplate.objects.get(pk=template.pk)
    assert (fresh.name, fresh.kind, fresh.icon, fresh.starters_everyone) == (
        "Purchase",
        "custom",
        "bi-cart",
        True,
    )


def test_a_builtin_keeps_its_kind(org):
    template = ProcessTemplate.objects.get(key="payment")
    with pytest.raises(Invalid) as error:
        services.template_update(actor=org.admin, template=template, kind=TemplateKind.CUSTOM)
    assert error.value.fields["kind"]
    # A template of one's own may change what it is for.
    mine = _create(org.admin)
    services.template_update(actor=org.admin, template=mine, kind=TemplateKind.EXPENSE)
    assert ProcessTemplate.objects.get(pk=mine.pk).kind == TemplateKind.EXPENSE


@pytest.mark.parametrize(
    ("fields", "steps", "where"),
    [
        (SIMPLE_FIELDS + [{"key": "subject", "label": "Again", "type": "text"}], SIMPLE_STEPS, "fields"),
        ([{"key": "x", "label": "List", "type": "choice"}], SIMPLE_STEPS, "fields"),
        (SIMPLE_FIELDS, [], "steps"),
        (
            SIMPLE_FIELDS,
            [{"name": "Info", "kind": "info", "rule": {"kind": "supervisor"}}, *SIMPLE_STEPS],
            "steps",
        ),
        (
            SIMPLE_FIELDS,
            [{"name": "If", "rule": {"kind": "supervisor"}, "condition": {"field": "nope", "op": "eq"}}],
            "steps",
        ),
        (
            SIMPLE_FIELDS,
            [
                {
                    "name": "Big",
                    "rule": {"kind": "supervisor"},
                    "condition": {"field": "amount", "op": "gt", "value": "lots"},
                }
            ],
            "steps",
        ),
    ],
)
def test_bad_definitions_are_refused_and_make_no_version(org, fields, steps, where):
    template = _create(org.admin)
    with pytest.raises(Invalid) as error:
        services.template_save(actor=org.admin, template=template, fields=fields, steps=steps, name="Changed")
    assert error.value.fields[where]
    template.refresh_from_db()
    assert template.name == "Purchase"  # the settings saved with it are not stored either
    assert template.versions.count() == 1 and template.current_version.number == 1


def test_a_template_of_a_kind_keeps_the_fields_its_kind_needs(org):
    leave = ProcessTemplate.objects.get(key="leave")
    without_period = [f for f in leave.current_version.fields if f.get("purpose") != "period"]
    with pytest.raises(Invalid) as error:
        services.template_version_save(
            actor=org.admin, template=leave, fields=without_period, steps=leave.current_version.steps
        )
    assert any("period" in message for message in error.value.fields["fields"])
    with pytest.raises(Invalid):
        _create(org.admin, kind=TemplateKind.PAYMENT, fields=[SIMPLE_FIELDS[0]])


def _step(rule: dict) -> list[dict]:
    return [{"key": "who", "name": "Who", "rule": rule}]


def test_the_people_departments_groups_and_roles_a_route_names_must_exist(org):
    group = WorkgroupFactory()
    gone = UserFactory(is_active=False)
    template = _create(org.admin)
    good = [
        {"kind": "person", "person": org.it_head.pk},
        {"kind": "people", "people": [org.it_head.pk, org.ceo.pk]},
        {"kind": "department_head", "department": org.sales.pk},
        {"kind": "group", "group": group.pk},
        {"kind": "role", "role": "lawyer"},
        {"kind": "levels_up", "levels": 2},
    ]
    for number, rule in enumerate(good, start=2):
        version = services.template_version_save(
            actor=org.admin, template=template, fields=SIMPLE_FIELDS, steps=_step(rule)
        )
        assert version.number == number
    bad = [
        {"kind": "person", "person": 999_999},
        {"kind": "person", "person": gone.pk},
        {"kind": "people", "people": [org.it_head.pk, 999_999]},
        {"kind": "department_head", "department": 999_999},
        {"kind": "group", "group": 999_999},
        {"kind": "role", "role": "astronaut"},
    ]
    for rule in bad:
        with pytest.raises(Invalid) as error:
            services.template_version_save(
                actor=org.admin, template=template, fields=SIMPLE_FIELDS, steps=_step(rule)
            )
        assert error.value.fields["steps"][0].startswith("Step 1:"), rule
    assert template.versions.count() == 1 + len(good)


def test_delete_refuses_a_template_with_processes(org):
    template = _create(org.admin)
    process = _process(template, template.current_version, org.east_rep, status=ProcessStatus.WITHDRAWN)
    with pytest.raises(Invalid) as error:
        services.template_delete(actor=org.admin, template=template)
    assert error.value.code == "in_use" and "deactivate" in error.value.message
    assert ProcessTemplate.objects.filter(pk=template.pk).exists()
    process.delete()
    pk = template.pk
    services.template_delete(actor=org.admin, template=template)
    assert not ProcessTemplate.objects.filter(pk=pk).exists()
    assert not TemplateVersion.objects.filter(template_id=pk).exists()
    assert AuditLog.objects.filter(action="workflows.template.delete", target_id=str(pk)).exists()


def test_startable_templates_follow_departments_groups_and_activity(org):
    from portal.groups.models import Membership

    group = WorkgroupFactory()
    Membership.objects.create(group=group, user=org.developer)
    sales_only = _create(org.admin, name="Sales only", starters_everyone=False, start_departments=[org.sales])
    group_only = _create(org.admin, name="Group only", starters_everyone=False, start_groups=[group])
    inactive = _create(org.admin, name="Old", is_active=False)

    def names(user):
        return set(selectors.templates_startable(user=user).values_list("name", flat=True))

    builtins = set(ProcessTemplate.objects.filter(key__isnull=False).values_list("name", flat=True))
    assert names(org.field_rep) == builtins | {sales_only.name}  # a sub-department of Sales
    assert names(org.developer) == builtins | {group_only.name}
    assert names(org.admin) == builtins  # admins manage every template, but start what anyone may
    assert inactive.name not in names(org.admin)
