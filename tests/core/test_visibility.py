"""Core's visibility rule: each builder, `visible`, and explicit grants (share/unshare, audited) on tasks.

The org fixture (tests/conftest.py): Acme (ceo) > Sales (sales_head; sales_rep) > Sales East (east_head;
east_rep) > East Field (field_rep); Acme > IT (it_head; developer).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.db.models import Q

from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.core.models import AuditLog
from portal.core.sharing import object_grant_get, object_grants, object_share, object_unshare
from portal.core.visibility import (
    NOTHING,
    any_of,
    by_role,
    granted_to,
    in_groups_of,
    listed_on,
    owned_by,
    supervised_by,
    viewer_rule,
    visible,
)
from portal.groups.choices import GroupVisibility
from portal.people.models import headed_path
from tasks.models import Task, TaskGrant, TaskMember, TaskUserObjectPermission, task_visibility_q
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.people.factories import UserFactory
from tests.tasks.factories import TaskFactory, TaskMemberFactory


@pytest.fixture
def task(org):
    """A task of the developer's (IT), in no group: nobody in Sales sees it through the structure."""
    return TaskFactory(creator=org.developer, responsible=org.developer)


def ids(q) -> set[int]:
    return set(Task.objects.filter(q).values_list("pk", flat=True))


def sees(user, task) -> bool:
    return Task.objects.visible_to(user).filter(pk=task.pk).exists()


# --- builders ---------------------------------------------------------------------------------------------


def test_owned_by_matches_any_of_the_fields(org):
    mine = TaskFactory(creator=org.east_rep, responsible=org.developer)
    theirs = TaskFactory(creator=org.developer, responsible=org.east_rep)
    other = TaskFactory(creator=org.developer, responsible=org.developer)
    assert ids(owned_by(org.east_rep, "creator")) == {mine.pk}
    assert ids(owned_by(org.east_rep, "creator", "responsible")) == {mine.pk, theirs.pk}
    assert other.pk not in ids(owned_by(org.east_rep, "creator", "responsible"))


def test_builders_match_nothing_for_anonymous_and_inactive_people(org, task):
    inactive = UserFactory(is_active=False)
    TaskFactory(creator=inactive, responsible=inactive)
    for user in (AnonymousUser(), inactive, None):
        assert owned_by(user, "creator") is NOTHING
        assert in_groups_of(user, "group") is NOTHING
        assert supervised_by(user, "responsible") is NOTHING
        assert granted_to(user, Task) is NOTHING
        assert not by_role(user)
        assert not Task.objects.visible_to(user).exists()


def test_listed_on_is_an_exists_on_the_people_list(org, task):
    TaskMemberFactory(task=task, user=org.east_rep)
    assert ids(listed_on(org.east_rep, TaskMember, "task")) == {task.pk}
    assert ids(listed_on(org.field_rep, TaskMember, "task")) == set()


def test_in_groups_of_sees_only_the_groups_one_is_a_member_of(org):
    group = WorkgroupFactory(visibility=GroupVisibility.CLOSED)
    in_group = TaskFactory(creator=org.developer, responsible=org.developer, group=group)
    TaskFactory(creator=org.developer, responsible=org.developer, group=WorkgroupFactory())
    MembershipFactory(group=group, user=org.east_rep)
    assert ids(in_groups_of(org.east_rep, "group")) == {in_group.pk}
    assert ids(in_groups_of(org.field_rep, "group")) == set()


def test_supervised_by_covers_the_sub_tree_of_the_headed_department(org):
    field_task = TaskFactory(creator=org.developer, responsible=org.field_rep)
    east_task = TaskFactory(creator=org.developer, responsible=org.east_rep)
    it_task = TaskFactory(creator=org.developer, responsible=org.developer)
    assert ids(supervised_by(org.sales_head, "responsible")) == {field_task.pk, east_task.pk}
    assert ids(supervised_by(org.east_head, "responsible")) == {field_task.pk, east_task.pk}
    assert ids(supervised_by(org.ceo, "responsible")) == {field_task.pk, east_task.pk, it_task.pk}
    assert ids(supervised_by(org.it_head, "responsible")) == {it_task.pk}
    assert supervised_by(org.sales_rep, "responsible") is NOTHING  # heads nothing
    # Several person fields: the creator's supervisors too.
    assert ids(supervised_by(org.it_head, "creator", "responsible")) == {
        field_task.pk,
        east_task.pk,
        it_task.pk,
    }


def test_by_role_admins_and_permission_holders(org):
    hr = UserFactory()
    hr.user_permissions.add(Permission.objects.get(codename="view_all", content_type__app_label="reports"))
    assert by_role(org.admin)
    assert not by_role(org.admin, admins=False)
    assert not by_role(hr)
    assert by_role(hr, "reports.view_all")
    assert not by_role(org.ceo, "reports.view_all")
    org.admin.is_active = False
    assert not by_role(org.admin)


def test_visible_none_all_or_one_filter(org, task):
    qs = Task.objects.all()
    assert not visible(qs, AnonymousUser(), owned_by(org.developer, "creator")).exists()
    assert visible(qs, org.east_rep, NOTHING).count() == 0
    assert visible(qs, org.east_rep, lambda: NOTHING, sees_all=lambda: True).count() == 1
    assert list(visible(qs, org.developer, lambda: owned_by(org.developer, "creator"))) == [task]
    assert any_of(NOTHING, NOTHING) is NOTHING


def test_the_role_is_decided_before_the_rule_is_built(org):
    def rule():
        raise AssertionError("built although the role sees all")

    assert visible(Task.objects.all(), org.admin, rule, sees_all=lambda: True).count() == 0


# --- memoised rules -------------------------------------------------------------------------------------


def fresh(user):
    """The same person as the next request loads them: a new object, read from the database."""
    return type(user).objects.get(pk=user.pk)


def test_a_memoised_rule_is_built_once_per_viewer(org):
    built = []

    @viewer_rule(heads=True)
    def rule(user):
        built.append(user.pk)
        return owned_by(user, "creator")

    first = rule(org.east_rep)
    assert rule(fresh(org.east_rep)) is first
    assert rule(org.sales_rep) is not first
    assert built == [org.east_rep.pk, org.sales_rep.pk]
    # Anonymous and inactive people see nothing, and nothing is built or kept for them.
    assert rule(AnonymousUser()) is NOTHING
    org.east_rep.is_active = False
    assert rule(org.east_rep) is NOTHING
    assert built == [org.east_rep.pk, org.sales_rep.pk]


def test_a_memoised_rule_compiles_the_same_however_often_it_is_used(org, task):
    task_visibility_q.cache_clear()
    rule = task_visibility_q(org.east_rep)
    sql = str(Task.objects.filter(rule).query)
    assert not Task.objects.filter(rule).filter(pk=task.pk).exists()
    Task.objects.filter(Q(pk__gt=0) & rule).count()  # combined with another condition, negated, ORed
    Task.objects.filter(~rule | Q(pk=task.pk)).count()
    assert task_visibility_q(fresh(org.east_rep)) is rule
    assert str(Task.objects.filter(task_visibility_q(fresh(org.east_rep))).query) == sql


def test_a_memoised_rule_sees_grants_and_memberships_made_after_it_was_built(org, task):
    assert not sees(org.east_rep, task)  # the rule of east_rep is built and kept
    object_share(actor=org.developer, obj=task, user=org.east_rep)
    assert sees(fresh(org.east_rep), task)
    group = WorkgroupFactory(visibility=GroupVisibility.CLOSED)
    grouped = TaskFactory(creator=org.developer, responsible=org.developer, group=group)
    assert not sees(fresh(org.field_rep), grouped)
    MembershipFactory(group=group, user=org.field_rep)
    assert sees(fresh(org.field_rep), grouped)


def test_a_memoised_rule_follows_the_viewer_to_another_department_and_to_a_headship(org, task):
    object_share(actor=org.developer, obj=task, department=org.it)
    assert not sees(org.east_rep, task)  # not in IT: the rule is built and kept
    org.east_rep.department = org.it
    org.east_rep.save(update_fields=["department"])
    assert sees(fresh(org.east_rep), task)  # the same person in another department: another rule

    unshared = TaskFactory(creator=org.developer, responsible=org.developer)
    assert not sees(fresh(org.sales_rep), unshared)
    org.it.head = org.sales_rep
    org.it.save(update_fields=["head"])
    assert sees(fresh(org.sales_rep), unshared)  # now the head of the responsible person's department


# --- grants -----------------------------------------------------------------------------------------------


def test_share_with_a_person(org, task):
    assert not sees(org.east_rep, task)
    grant = object_share(actor=org.developer, obj=task, user=org.east_rep)
    assert grant.user == org.east_rep and grant.granted_by == org.developer
    assert sees(org.east_rep, task)
    assert not sees(org.field_rep, task)
    # Stored on guardian's direct-FK table, so guardian's backend answers too.
    assert TaskUserObjectPermission.objects.filter(content_object=task, user=org.east_rep).exists()
    fresh = type(org.east_rep).objects.get(pk=org.east_rep.pk)
    assert fresh.has_perm("tasks.view_task", task)
    assert not fresh.has_perm("tasks.view_task", TaskFactory())


def test_share_with_a_department_without_its_sub_departments(org, task):
    object_share(actor=org.developer, obj=task, department=org.east)
    assert sees(org.east_rep, task)
    assert sees(org.east_head, task)
    assert not sees(org.field_rep, task)  # East Field is below East: not included
    assert not sees(org.sales_rep, task)  # Sales is above East


def test_share_with_a_department_and_its_sub_departments(org, task):
    object_share(actor=org.developer, obj=task, department=org.sales, include_subdepartments=True)
    for person in (org.sales_rep, org.east_rep, org.field_rep):
        assert sees(person, task)
    assert not sees(UserFactory(department=org.it), task)  # IT is another branch
    assert not sees(UserFactory(department=org.root), task)  # the department above is not included


def test_re_sharing_a_department_changes_the_sub_department_flag_and_keeps_one_grant(org, task):
    first = object_share(actor=org.developer, obj=task, department=org.east)
    again = object_share(actor=org.developer, obj=task, department=org.east, include_subdepartments=True)
    assert again.pk == first.pk and again.include_subdepartments
    assert TaskGrant.objects.filter(content_object=task).count() == 1
    assert sees(org.field_rep, task)


def test_share_with_a_workgroup(org, task):
    group = WorkgroupFactory(visibility=GroupVisibility.SECRET)
    MembershipFactory(group=group, user=org.field_rep)
    object_share(actor=org.developer, obj=task, group=group)
    assert sees(org.field_rep, task)
    assert not sees(org.east_rep, task)


def test_unshare_removes_visibility(org, task):
    person = object_share(actor=org.developer, obj=task, user=org.east_rep)
    department = object_share(actor=org.developer, obj=task, department=org.field)
    object_unshare(actor=org.developer, grant=person)
    object_unshare(actor=org.developer, grant=department)
    assert not sees(org.east_rep, task)
    assert not sees(org.field_rep, task)
    assert not TaskGrant.objects.filter(content_object=task).exists()
    assert not TaskUserObjectPermission.objects.filter(content_object=task).exists()


def test_sharing_twice_keeps_one_grant_and_one_audit_row(org, task):
    first = object_share(actor=org.developer, obj=task, user=org.east_rep)
    second = object_share(actor=org.developer, obj=task, user=org.east_rep)
    assert first.pk == second.pk
    assert TaskGrant.objects.filter(content_object=task).count() == 1
    assert TaskUserObjectPermission.objects.filter(content_object=task).count() == 1
    assert AuditLog.objects.filter(action="object.share", target_id=str(task.pk)).count() == 1


def test_share_and_unshare_are_audited(org, task):
    grant = object_share(actor=org.developer, obj=task, department=org.east, include_subdepartments=True)
    row = AuditLog.objects.get(action="object.share", target_id=str(task.pk))
    assert row.actor == org.developer
    assert row.changes["shared_with"][0] is None
    assert row.changes["shared_with"][1]["kind"] == "department"
    assert row.changes["shared_with"][1]["grantee"]["id"] == org.east.pk
    assert row.changes["shared_with"][1]["include_subdepartments"] is True
    object_unshare(actor=org.developer, grant=grant)
    row = AuditLog.objects.get(action="object.unshare", target_id=str(task.pk))
    assert row.changes["shared_with"][1] is None


def test_who_may_share(org, task):
    TaskMemberFactory(task=task, user=org.east_rep)  # a participant sees the task but does not own it
    with pytest.raises(NotAllowed):
        object_share(actor=org.east_rep, obj=task, user=org.field_rep)
    with pytest.raises(NotAllowed):  # the supervisor sees it, but it is not theirs either
        object_share(actor=org.it_head, obj=task, user=org.field_rep)
    with pytest.raises(NotFound):  # not even visible: existence does not leak
        object_share(actor=org.sales_rep, obj=task, user=org.field_rep)
    assert not TaskGrant.objects.exists()
    assert not TaskUserObjectPermission.objects.exists()
    assert not AuditLog.objects.filter(action="object.share").exists()
    assert not sees(org.field_rep, task)
    # The responsible person and an admin may.
    responsible_task = TaskFactory(creator=org.developer, responsible=org.east_rep)
    object_share(actor=org.east_rep, obj=responsible_task, user=org.field_rep)
    object_share(actor=org.admin, obj=task, user=org.field_rep)
    assert sees(org.field_rep, task) and sees(org.field_rep, responsible_task)


def test_unshare_needs_the_right_to_share(org, task):
    grant = object_share(actor=org.developer, obj=task, user=org.east_rep)
    with pytest.raises(NotAllowed):  # the grantee sees the task now, but may not withdraw the grant
        object_unshare(actor=org.east_rep, grant=grant)
    assert sees(org.east_rep, task)


def test_exactly_one_grantee(org, task):
    with pytest.raises(Invalid):
        object_share(actor=org.developer, obj=task)
    with pytest.raises(Invalid):
        object_share(actor=org.developer, obj=task, user=org.east_rep, department=org.east)
    with pytest.raises(Invalid):
        object_share(actor=org.developer, obj=task, user=org.east_rep, include_subdepartments=True)
    assert not TaskGrant.objects.exists()


def test_object_grants_lists_for_viewers_only(org, task):
    grant = object_share(actor=org.developer, obj=task, user=org.east_rep)
    group_grant = object_share(actor=org.developer, obj=task, group=WorkgroupFactory())
    assert list(object_grants(user=org.developer, obj=task)) == [grant, group_grant]
    assert list(object_grants(user=org.east_rep, obj=task)) == [grant, group_grant]
    assert object_grant_get(user=org.developer, obj=task, pk=grant.pk) == grant
    with pytest.raises(NotFound):
        object_grants(user=org.sales_rep, obj=task)
    with pytest.raises(NotFound):
        object_grant_get(user=org.developer, obj=task, pk="x")


def test_a_list_with_grants_is_one_query_without_duplicates(org, django_assert_num_queries):
    """One viewer reached by every kind of grant at once (and by the structure) still gets each task once."""
    group = WorkgroupFactory(visibility=GroupVisibility.CLOSED)
    MembershipFactory(group=group, user=org.field_rep)
    tasks = [TaskFactory(creator=org.developer, responsible=org.developer, group=group) for _ in range(3)]
    TaskFactory(creator=org.developer, responsible=org.developer)  # not shared: stays hidden
    for task in tasks:
        object_share(actor=org.developer, obj=task, user=org.field_rep)
        object_share(actor=org.developer, obj=task, department=org.field)
        object_share(actor=org.developer, obj=task, department=org.sales, include_subdepartments=True)
        object_share(actor=org.developer, obj=task, group=group)
    TaskMemberFactory(task=tasks[0], user=org.field_rep)
    headed_path(org.field_rep)  # memoised per request, as on a page
    with django_assert_num_queries(1):
        seen = list(Task.objects.visible_to(org.field_rep).values_list("pk", flat=True))
    assert sorted(seen) == sorted(t.pk for t in tasks)
