"""Selectors: what each role sees, the one FilterSet, and the search provider."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from portal.core.errors import NotFound
from portal.core.search import search_all
from portal.groups import selectors
from portal.groups.apps import search_groups
from portal.groups.models import Workgroup
from tests.groups.factories import GroupFileFactory, MembershipFactory, ProjectFactory, WorkgroupFactory

# role -> does it see a group of this visibility? ("member" is made a member of the group)
VISIBILITY = {
    "open": {"anonymous": False, "outsider": True, "member": True, "supervisor": True, "admin": True},
    "closed": {"anonymous": False, "outsider": True, "member": True, "supervisor": True, "admin": True},
    "secret": {"anonymous": False, "outsider": False, "member": True, "supervisor": False, "admin": True},
}


def _user(roles, role):
    return roles[role] if roles[role] is not None else AnonymousUser()


@pytest.mark.parametrize("visibility", ["open", "closed", "secret"])
@pytest.mark.parametrize("role", ["anonymous", "outsider", "member", "supervisor", "admin"])
def test_group_visibility_for_every_role(roles, visibility, role):
    group = WorkgroupFactory(visibility=visibility)
    MembershipFactory(group=group, user=roles["member"])
    user = _user(roles, role)
    expected = VISIBILITY[visibility][role]

    assert (group in selectors.group_list(user=user)) is expected
    assert (group in Workgroup.objects.visible_to(user)) is expected
    assert selectors.can_see(user, Workgroup.objects.get(pk=group.pk)) is expected
    if expected:
        assert selectors.group_get(user=user, pk=group.pk) == group
    else:
        with pytest.raises(NotFound):
            selectors.group_get(user=user, pk=group.pk)


@pytest.mark.parametrize("visibility", ["open", "closed", "secret"])
@pytest.mark.parametrize(
    "role, reaches",
    [("anonymous", False), ("outsider", False), ("member", True), ("supervisor", False), ("admin", True)],
)
def test_group_files_reach_only_members(roles, visibility, role, reaches):
    group = WorkgroupFactory(visibility=visibility)
    MembershipFactory(group=group, user=roles["member"])
    group_file = GroupFileFactory(group=group)
    user = _user(roles, role)
    if reaches:
        assert list(selectors.group_files(user=user, group=group)) == [group_file]
        assert selectors.group_file_get(user=user, pk=group_file.pk) == group_file
    else:
        with pytest.raises(NotFound):
            selectors.group_files(user=user, group=group)
        with pytest.raises(NotFound):
            selectors.group_file_get(user=user, pk=group_file.pk)


def test_group_get_missing_is_404(org):
    with pytest.raises(NotFound):
        selectors.group_get(user=org.admin, pk=987654)


def test_group_members_of_secret_group_hidden_from_outsiders(org):
    group = WorkgroupFactory(visibility="secret")
    MembershipFactory(group=group, user=org.east_rep, role="member")
    MembershipFactory(group=group, user=org.field_rep, role="owner")
    members = list(selectors.group_members(user=org.east_rep, group=group))
    assert [m.user for m in members] == [org.field_rep, org.east_rep]  # owners first
    with pytest.raises(NotFound):
        selectors.group_members(user=org.developer, group=group)


def test_group_list_of_member_is_only_own_groups(org):
    mine = WorkgroupFactory(name="B mine")
    also_mine = WorkgroupFactory(name="A mine", visibility="secret")
    WorkgroupFactory(name="Other")
    MembershipFactory(group=mine, user=org.admin)
    MembershipFactory(group=also_mine, user=org.admin)
    assert list(selectors.group_list_of_member(user=org.admin)[:8]) == [also_mine, mine]
    assert list(selectors.group_list_of_member(user=AnonymousUser())) == []


def test_filterset_q_kind_visibility_mine_archived(org):
    launch = ProjectFactory(name="Website launch", description="New site")
    books = WorkgroupFactory(name="Book club", description="Novels and the website team reading")
    closed = WorkgroupFactory(name="Leadership", visibility="closed", is_archived=True)
    MembershipFactory(group=books, user=org.east_rep)
    user = org.east_rep

    def names(**filters):
        return sorted(g.name for g in selectors.group_list(user=user, filters=filters))

    assert names(q="website") == ["Book club", "Website launch"]
    assert names(q="website launch") == ["Website launch"]
    assert names(kind="project") == [launch.name]
    assert names(visibility="closed") == [closed.name]
    assert names(mine="true") == ["Book club"]
    assert names(mine="false") == ["Leadership", "Website launch"]
    assert names(archived="true") == ["Leadership"]
    assert names(archived="false") == ["Book club", "Website launch"]
    assert names(kind="nonsense") == []  # invalid filters give nothing rather than everything


def test_my_role_annotation(org):
    group = WorkgroupFactory()
    MembershipFactory(group=group, user=org.east_rep, role="moderator")
    assert selectors.group_list(user=org.east_rep).get(pk=group.pk).my_role == "moderator"
    assert selectors.group_list(user=org.developer).get(pk=group.pk).my_role is None


def test_join_requests_moderators_see_all_requesters_their_own(make_group, org):
    group = make_group("closed")
    from portal.groups.models import JoinRequest

    other = JoinRequest.objects.create(group=group, user=org.developer)
    assert set(selectors.group_join_requests(user=org.field_rep, group=group)) == {group.request_, other}
    assert list(selectors.group_join_requests(user=org.developer, group=group)) == [other]
    assert list(selectors.group_join_requests(user=org.east_rep, group=group)) == []


def test_permissions_summary(make_group, org):
    group = make_group("closed")
    owner = selectors.group_permissions(user=org.field_rep, group=group)
    assert owner.can_edit and owner.can_moderate and owner.can_leave and not owner.can_join
    member = selectors.group_permissions(user=org.east_rep, group=group)
    assert member.is_member and not member.can_moderate and member.can_upload
    requester = selectors.group_permissions(user=org.sales_rep, group=group)
    assert requester.pending_request == group.request_ and not requester.can_request
    outsider = selectors.group_permissions(user=org.developer, group=group)
    assert outsider.can_request and not outsider.can_join and not outsider.can_reach_content


def test_search_provider_respects_visibility(org):
    WorkgroupFactory(name="Secret board", visibility="secret", members_count=3)
    open_group = WorkgroupFactory(name="Board games", members_count=7)
    hits = search_groups(user=org.developer, query="board", limit=10)
    assert [h.title for h in hits] == ["Board games"]
    assert hits[0].url == open_group.get_absolute_url()
    assert hits[0].icon == "bi-people" and hits[0].snippet == "Workgroup · 7 members"
    assert {h.title for h in search_groups(user=org.admin, query="board", limit=10)} == {
        "Secret board",
        "Board games",
    }
    assert any(provider.key == "groups" for provider, _ in search_all(user=org.developer, query="board"))
