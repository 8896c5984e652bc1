"""Services: every rule of groups, members, join requests and files, and the counters they keep."""

from __future__ import annotations

import datetime
import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.core.errors import NotFound
from portal.core.models import AuditLog
from portal.groups import services
from portal.groups.choices import JoinRequestStatus, MemberRole
from portal.groups.models import GroupFile, JoinRequest, Membership, Workgroup
from portal.people.models import Company
from tests.groups.factories import MembershipFactory, WorkgroupFactory, upload


def set_policy(policy: str) -> None:
    Company.objects.update(group_creation_policy=policy)


def assert_counters_right(group: Workgroup) -> None:
    group.refresh_from_db()
    assert group.members_count == Membership.objects.filter(group=group).count()
    assert group.files_count == GroupFile.objects.filter(group=group).count()


# --- creating and changing groups ----------------------------------------------------------------------


def test_create_makes_the_creator_owner_and_audits(org):
    group = services.group_create(actor=org.sales_head, name="  Pipeline review ", description="Weekly.")
    assert group.name == "Pipeline review"
    assert group.created_by == org.sales_head
    assert Membership.objects.get(group=group).role == MemberRole.OWNER
    assert_counters_right(group)
    assert group.members_count == 1
    assert AuditLog.objects.filter(action="group.create", target_id=str(group.pk)).exists()


@pytest.mark.parametrize(
    "policy, person, allowed",
    [
        ("everyone", "developer", True),
        ("everyone", "sales_head", True),
        ("supervisors", "developer", False),
        ("supervisors", "sales_head", True),
        ("supervisors", "admin", True),
        ("admins", "sales_head", False),
        ("admins", "developer", False),
        ("admins", "admin", True),
    ],
)
def test_creation_policy(org, policy, person, allowed):
    set_policy(policy)
    actor = getattr(org, person)
    if allowed:
        assert services.group_create(actor=actor, name="Team").pk
    else:
        with pytest.raises(PermissionDenied):
            services.group_create(actor=actor, name="Team")
        assert not Workgroup.objects.exists()


def test_default_policy_is_supervisors(org):
    assert Company.objects.get().group_creation_policy == "supervisors"
    with pytest.raises(PermissionDenied):
        services.group_create(actor=org.east_rep, name="Team")


def test_project_needs_ordered_dates(org):
    with pytest.raises(ValidationError) as exc:
        services.group_create(actor=org.admin, name="Launch", kind="project")
    assert set(exc.value.message_dict) == {"start_date", "end_date"}
    with pytest.raises(ValidationError) as exc:
        services.group_create(
            actor=org.admin,
            name="Launch",
            kind="project",
            start_date=datetime.date(2026, 5, 1),
            end_date=datetime.date(2026, 4, 1),
        )
    assert "end_date" in exc.value.message_dict
    assert not Workgroup.objects.exists()


def test_blank_name_and_unknown_choices_are_refused_field_by_field(org):
    with pytest.raises(ValidationError) as exc:
        services.group_create(actor=org.admin, name="  ", kind="team", visibility="public")
    assert set(exc.value.message_dict) == {"name", "kind", "visibility"}


def test_update_by_owner_changes_only_what_is_given(org):
    group = services.group_create(actor=org.sales_head, name="Old", description="Keep me")
    services.group_update(actor=org.sales_head, group=group, name="New")
    group.refresh_from_db()
    assert (group.name, group.description) == ("New", "Keep me")
    row = AuditLog.objects.get(action="group.update")
    assert row.changes == {"name": ["Old", "New"]}


def test_update_refused_to_plain_members_and_hidden_to_outsiders(org):
    group = services.group_create(actor=org.sales_head, name="Board", visibility="secret")
    services.group_member_add(actor=org.sales_head, group=group, user=org.sales_rep)
    with pytest.raises(PermissionDenied):
        services.group_update(actor=org.sales_rep, group=group, name="Mine now")
    with pytest.raises(NotFound):
        services.group_update(actor=org.developer, group=group, name="Mine now")
    group.refresh_from_db()
    assert group.name == "Board"


def test_archived_group_takes_no_joins_or_files(org):
    group = services.group_create(actor=org.sales_head, name="Old team")
    services.group_archive(actor=org.sales_head, group=group)
    with pytest.raises(ValidationError):
        services.group_join(actor=org.developer, group=group)
    with pytest.raises(ValidationError):
        services.group_file_upload(actor=org.sales_head, group=group, uploaded_file=upload())
    services.group_archive(actor=org.sales_head, group=group, archived=False)
    services.group_join(actor=org.developer, group=group)
    assert_counters_right(group)


# --- members -------------------------------------------------------------------------------------------


def test_member_add_and_duplicate_is_a_clear_error(org):
    group = services.group_create(actor=org.sales_head, name="Team")
    services.group_member_add(actor=org.sales_head, group=group, user=org.sales_rep)
    with pytest.raises(ValidationError) as exc:
        services.group_member_add(actor=org.sales_head, group=group, user=org.sales_rep)
    assert "already" in exc.value.message_dict["user"][0]
    assert_counters_right(group)
    assert group.members_count == 2


def test_only_owners_moderators_and_admins_add_members(org):
    group = services.group_create(actor=org.sales_head, name="Team")
    services.group_member_add(actor=org.sales_head, group=group, user=org.sales_rep)
    services.group_member_add(actor=org.sales_head, group=group, user=org.east_rep, role="moderator")
    with pytest.raises(PermissionDenied):
        services.group_member_add(actor=org.sales_rep, group=group, user=org.developer)
    services.group_member_add(actor=org.east_rep, group=group, user=org.developer)
    with pytest.raises(PermissionDenied):  # moderators add plain members only
        services.group_member_add(actor=org.east_rep, group=group, user=org.field_rep, role="owner")
    services.group_member_add(actor=org.admin, group=group, user=org.field_rep, role="owner")
    assert_counters_right(group)
    assert group.members_count == 5


def test_adding_someone_settles_their_pending_request(org):
    group = services.group_create(actor=org.sales_head, name="Closed", visibility="closed")
    request = services.join_request_create(actor=org.developer, group=group)
    services.group_member_add(actor=org.sales_head, group=group, user=org.developer)
    request.refresh_from_db()
    assert request.status == JoinRequestStatus.APPROVED


def test_there_always_remains_an_owner(org):
    group = services.group_create(actor=org.sales_head, name="Team")
    services.group_member_add(actor=org.sales_head, group=group, user=org.sales_rep)
    with pytest.raises(ValidationError):
        services.group_member_set_role(actor=org.sales_head, group=group, user=org.sales_head, role="member")
    with pytest.raises(ValidationError):
        services.group_leave(actor=org.sales_head, group=group)
    with pytest.raises(ValidationError):
        services.group_member_remove(actor=org.admin, group=group, user=org.sales_head)
    services.group_member_set_role(actor=org.sales_head, group=group, user=org.sales_rep, role="owner")
    services.group_leave(actor=org.sales_head, group=group)
    assert list(Membership.objects.filter(group=group).values_list("user_id", "role")) == [
        (org.sales_rep.pk, "owner")
    ]
    assert_counters_right(group)


def test_role_changes_only_by_owners(org):
    group = services.group_create(actor=org.sales_head, name="Team")
    services.group_member_add(actor=org.sales_head, group=group, user=org.east_rep, role="moderator")
    services.group_member_add(actor=org.sales_head, group=group, user=org.sales_rep)
    with pytest.raises(PermissionDenied):
        services.group_member_set_role(actor=org.east_rep, group=group, user=org.sales_rep, role="moderator")
    with pytest.raises(ValidationError):
        services.group_member_set_role(actor=org.sales_head, group=group, user=org.sales_rep, role="boss")
    membership = services.group_member_set_role(
        actor=org.sales_head, group=group, user=org.sales_rep, role="moderator"
    )
    assert membership.role == "moderator"
    assert AuditLog.objects.filter(action="group.member_role").count() == 1


def test_moderators_remove_plain_members_but_not_owners(org):
    group = services.group_create(actor=org.sales_head, name="Team")
    services.group_member_add(actor=org.sales_head, group=group, user=org.east_rep, role="moderator")
    services.group_member_add(actor=org.sales_head, group=group, user=org.sales_rep)
    with pytest.raises(PermissionDenied):
        services.group_member_remove(actor=org.east_rep, group=group, user=org.sales_head)
    services.group_member_remove(actor=org.east_rep, group=group, user=org.sales_rep)
    with pytest.raises(ValidationError):
        services.group_member_remove(actor=org.east_rep, group=group, user=org.sales_rep)
    assert_counters_right(group)
    assert group.members_count == 2


# --- joining -------------------------------------------------------------------------------------------


def test_join_open_group_directly(org):
    group = services.group_create(actor=org.sales_head, name="Open")
    membership = services.group_join(actor=org.developer, group=group)
    assert isinstance(membership, Membership) and membership.role == "member"
    with pytest.raises(ValidationError):
        services.group_join(actor=org.developer, group=group)
    assert_counters_right(group)


def test_join_closed_group_asks(org):
    group = services.group_create(actor=org.sales_head, name="Closed", visibility="closed")
    request = services.group_join(actor=org.developer, group=group, message="Let me in")
    assert isinstance(request, JoinRequest) and request.status == "pending"
    assert not Membership.objects.filter(group=group, user=org.developer).exists()
    with pytest.raises(ValidationError):  # one pending request at a time
        services.group_join(actor=org.developer, group=group)
    assert_counters_right(group)


def test_join_secret_group_is_not_found_by_outsiders(org):
    group = services.group_create(actor=org.sales_head, name="Board", visibility="secret")
    with pytest.raises(NotFound):
        services.group_join(actor=org.developer, group=group)
    with pytest.raises(NotFound):
        services.join_request_create(actor=org.developer, group=group)
    assert not JoinRequest.objects.exists()


def test_join_request_approve_flow(org):
    group = services.group_create(actor=org.sales_head, name="Closed", visibility="closed")
    services.group_member_add(actor=org.sales_head, group=group, user=org.east_rep, role="moderator")
    request = services.join_request_create(actor=org.developer, group=group)
    with pytest.raises(PermissionDenied):  # the requester cannot approve themselves
        services.join_request_approve(actor=org.developer, join_request=request)
    membership = services.join_request_approve(actor=org.east_rep, join_request=request)
    request.refresh_from_db()
    assert (request.status, request.decided_by, membership.user) == ("approved", org.east_rep, org.developer)
    assert request.decided_at is not None
    with pytest.raises(ValidationError):
        services.join_request_reject(actor=org.sales_head, join_request=request)
    assert_counters_right(group)
    assert group.members_count == 3


def test_join_request_reject_flow_and_asking_again(org):
    group = services.group_create(actor=org.sales_head, name="Closed", visibility="closed")
    request = services.join_request_create(actor=org.developer, group=group)
    services.join_request_reject(actor=org.sales_head, join_request=request)
    request.refresh_from_db()
    assert request.status == "rejected"
    assert not Membership.objects.filter(group=group, user=org.developer).exists()
    again = services.join_request_create(actor=org.developer, group=group)
    assert again.pk != request.pk and again.status == "pending"
    assert_counters_right(group)


def test_join_request_cancel_only_by_requester(org):
    group = services.group_create(actor=org.sales_head, name="Closed", visibility="closed")
    request = services.join_request_create(actor=org.developer, group=group)
    with pytest.raises(PermissionDenied):
        services.join_request_cancel(actor=org.sales_head, join_request=request)
    services.join_request_cancel(actor=org.developer, join_request=request)
    assert not JoinRequest.objects.exists()


def test_open_groups_take_no_requests(org):
    group = services.group_create(actor=org.sales_head, name="Open")
    with pytest.raises(ValidationError):
        services.join_request_create(actor=org.developer, group=group)


# --- files ---------------------------------------------------------------------------------------------


def test_upload_keeps_the_file_with_a_sanitised_name(org, settings):
    group = services.group_create(actor=org.sales_head, name="Team")
    group_file = services.group_file_upload(
        actor=org.sales_head, group=group, uploaded_file=upload("../../etc/pass wd.txt", b"secret")
    )
    assert group_file.name == "pass_wd.txt"
    assert group_file.size == 6 and group_file.content_type == "text/plain"
    assert group_file.file.name.startswith(f"groups/{group.pk}/")
    assert ".." not in group_file.file.name
    with group_file.file.open("rb") as fh:
        assert fh.read() == b"secret"
    assert_counters_right(group)
    assert group.files_count == 1


def test_oversized_upload_is_refused_and_saves_nothing(org, settings):
    settings.LUMEN_GROUP_FILE_MAX_BYTES = 10
    group = services.group_create(actor=org.sales_head, name="Team")
    with pytest.raises(ValidationError) as exc:
        services.group_file_upload(actor=org.sales_head, group=group, uploaded_file=upload(content=b"x" * 11))
    assert "too large" in exc.value.message_dict["file"][0]
    assert not GroupFile.objects.exists()
    assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, "groups"))
    assert_counters_right(group)


def test_empty_upload_is_refused(org):
    group = services.group_create(actor=org.sales_head, name="Team")
    with pytest.raises(ValidationError) as exc:
        services.group_file_upload(actor=org.sales_head, group=group, uploaded_file=upload(content=b""))
    assert "empty" in exc.value.message_dict["file"][0]
    assert not GroupFile.objects.exists()


def test_only_members_upload(org):
    open_group = services.group_create(actor=org.sales_head, name="Open")
    secret = services.group_create(actor=org.sales_head, name="Secret", visibility="secret")
    with pytest.raises(PermissionDenied):
        services.group_file_upload(actor=org.developer, group=open_group, uploaded_file=upload())
    with pytest.raises(NotFound):
        services.group_file_upload(actor=org.developer, group=secret, uploaded_file=upload())
    assert not GroupFile.objects.exists()


def test_file_delete_rights_counters_and_storage(org, django_capture_on_commit_callbacks):
    group = services.group_create(actor=org.sales_head, name="Team")
    services.group_member_add(actor=org.sales_head, group=group, user=org.sales_rep)
    services.group_member_add(actor=org.sales_head, group=group, user=org.east_rep)
    mine = services.group_file_upload(actor=org.sales_rep, group=group, uploaded_file=upload("a.txt"))
    theirs = services.group_file_upload(actor=org.east_rep, group=group, uploaded_file=upload("b.txt"))
    with pytest.raises(PermissionDenied):
        services.group_file_delete(actor=org.sales_rep, group_file=theirs)
    with pytest.raises(NotFound):
        services.group_file_delete(actor=org.developer, group_file=theirs)
    stored = mine.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.group_file_delete(actor=org.sales_rep, group_file=mine)
    assert not mine.file.storage.exists(stored)
    services.group_file_delete(actor=org.sales_head, group_file=theirs)  # owners moderate files
    assert not GroupFile.objects.exists()
    assert_counters_right(group)
    assert group.files_count == 0


def test_counters_stay_right_through_a_busy_day(org):
    group = services.group_create(actor=org.sales_head, name="Busy", visibility="closed")
    services.group_member_add(actor=org.sales_head, group=group, user=org.sales_rep)
    request = services.group_join(actor=org.developer, group=group)
    services.join_request_approve(actor=org.sales_head, join_request=request)
    services.group_file_upload(actor=org.developer, group=group, uploaded_file=upload())
    services.group_file_upload(actor=org.sales_rep, group=group, uploaded_file=upload())
    services.group_leave(actor=org.developer, group=group)
    with pytest.raises(ValidationError):
        services.group_member_add(actor=org.sales_head, group=group, user=org.sales_rep)
    group.refresh_from_db()
    assert (group.members_count, group.files_count) == (2, 2)
    assert_counters_right(group)


def test_factories_group_counts_are_not_trusted_by_services(org):
    # A group laid by factories with a wrong counter is corrected only by services' increments, never reset:
    # the service updates with F() so concurrent writers do not lose each other's changes.
    group = WorkgroupFactory(members_count=5)
    MembershipFactory(group=group, user=org.sales_head, role="owner")
    services.group_member_add(actor=org.sales_head, group=group, user=org.sales_rep)
    group.refresh_from_db()
    assert group.members_count == 6
