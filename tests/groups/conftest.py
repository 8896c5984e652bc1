"""Fixtures of the groups tests: a group laid out with an owner, a member, a file and a pending request."""

from __future__ import annotations

import pytest

from portal.groups.choices import JoinRequestStatus, MemberRole
from portal.groups.models import JoinRequest
from tests.groups.factories import GroupFileFactory, MembershipFactory, WorkgroupFactory


@pytest.fixture
def make_group(org):
    """`make_group(visibility)`: owned by field_rep, with east_rep (the `member` role) as a plain member,
    one file uploaded by the owner and a pending join request from sales_rep."""

    def make(visibility: str = "open", **kwargs):
        group = WorkgroupFactory(visibility=visibility, members_count=2, files_count=1, **kwargs)
        MembershipFactory(group=group, user=org.field_rep, role=MemberRole.OWNER)
        MembershipFactory(group=group, user=org.east_rep, role=MemberRole.MEMBER)
        group.file_ = GroupFileFactory(group=group, uploaded_by=org.field_rep, name="plan.txt")
        group.request_ = JoinRequest.objects.create(
            group=group, user=org.sales_rep, status=JoinRequestStatus.PENDING
        )
        return group

    return make
