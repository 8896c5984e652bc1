"""Every group page and API endpoint, called as every role, for each visibility.

The group of each row is made fresh for each role (owner field_rep, plain member east_rep = the `member`
role, one file by the owner, a pending request by sales_rep), so that writes of one role do not change
what the next one meets. Hidden groups answer 404; visible groups without the right answer 403.
"""

from __future__ import annotations

import sys

import pytest
from django.urls import reverse

from portal.groups.models import GroupFile, JoinRequest, Membership, Workgroup
from tests.groups.factories import upload
from tests.matrix import assert_covers_every_route
from tests.utils import ROLES, Endpoint, assert_matrix, rows

LOGIN = 302  # pages send anonymous visitors to the login page
API_ANON = (401, 403)

# Side-effect probes of the write rows (see tests.utils.Endpoint.changed).
GROUPS = rows(Workgroup)
NAMES = rows(Workgroup, "name")
ARCHIVED = rows(Workgroup, "is_archived")
MEMBERS = rows(Membership)
MEMBER_ROLES = rows(Membership, "role")
FILES = rows(GroupFile)
REQUESTS = rows(JoinRequest, "status")


def joins():
    """Joining makes a membership (open groups) or a pending request (closed ones)."""
    return MEMBERS(), REQUESTS()


NOT_MEMBERS = ("outsider", "supervisor", "admin")  # leaving a group one is not in has nothing to do


def _expect(visibility: str, *, outsider: int, member: int, admin: int, anonymous=LOGIN, hidden=404) -> dict:
    """Outsider and supervisor (not members) get `outsider` on visible groups and `hidden` on secret ones."""
    seen = outsider if visibility != "secret" else hidden
    return {"anonymous": anonymous, "outsider": seen, "member": member, "supervisor": seen, "admin": admin}


def _page_endpoints(visibility: str, fresh, org) -> list[Endpoint]:
    def url(name, *args):
        def build(role):
            group = fresh(role)
            values = {"group": group.pk, "file": group.file_.pk, "request": group.request_.pk}
            return reverse(f"groups:{name}", args=[values[a] if a in values else a for a in args])

        return build

    e = lambda **kw: _expect(visibility, **kw)  # noqa: E731
    edit_data = {"name": "Renamed", "description": "", "kind": "group", "visibility": visibility}
    admin_joins = 302 if visibility != "secret" else 403
    return [
        Endpoint(
            "page list",
            "GET",
            reverse("groups:list"),
            {r: (LOGIN if r == "anonymous" else 200) for r in ROLES},
        ),
        Endpoint(
            "page create",
            "GET",
            reverse("groups:create"),
            {"anonymous": LOGIN, "outsider": 403, "member": 403, "supervisor": 200, "admin": 200},
        ),
        Endpoint(
            "page create post",
            "POST",
            reverse("groups:create"),
            {"anonymous": LOGIN, "outsider": 403, "member": 403, "supervisor": 302, "admin": 302},
            lambda role: {"name": f"New {role}", "kind": "group", "visibility": visibility},
            "form",
            changed=GROUPS,
        ),
        Endpoint("page detail", "GET", url("detail", "group"), e(outsider=200, member=200, admin=200)),
        Endpoint("page edit", "GET", url("edit", "group"), e(outsider=403, member=403, admin=200)),
        Endpoint(
            "page edit post",
            "POST",
            url("edit", "group"),
            e(outsider=403, member=403, admin=302),
            edit_data,
            "form",
            changed=NAMES,
        ),
        Endpoint(
            "page archive",
            "POST",
            url("archive", "group"),
            e(outsider=403, member=403, admin=302),
            {},
            "form",
            changed=ARCHIVED,
        ),
        Endpoint(
            "page join",
            "POST",
            url("join", "group"),
            {**e(outsider=302, member=302, admin=admin_joins)},
            {},
            "form",
            changed=joins,
            unchanged_for=("member",),
        ),
        Endpoint(
            "page leave",
            "POST",
            url("leave", "group"),
            e(outsider=302, member=302, admin=302),
            {},
            "form",
            changed=MEMBERS,
            unchanged_for=NOT_MEMBERS,
        ),
        Endpoint("page members", "GET", url("members", "group"), e(outsider=403, member=403, admin=200)),
        Endpoint(
            "page member add",
            "POST",
            url("members", "group"),
            e(outsider=403, member=403, admin=302),
            {"user": org.it_head.pk, "role": "member"},
            "form",
            changed=MEMBERS,
        ),
        Endpoint(
            "page member role",
            "POST",
            url("member_role", "group", org.east_rep.pk),
            e(outsider=403, member=403, admin=302),
            {"role": "moderator"},
            "form",
            changed=MEMBER_ROLES,
        ),
        Endpoint(
            "page member remove",
            "POST",
            url("member_remove", "group", org.east_rep.pk),
            e(outsider=403, member=302, admin=302),  # a member may remove themselves (leave)
            {},
            "form",
            changed=MEMBERS,
        ),
        Endpoint(
            "page file upload",
            "POST",
            url("file_upload", "group"),
            e(outsider=403, member=302, admin=302),
            lambda role: {"file": upload()},
            "multipart",
            changed=FILES,
        ),
        Endpoint(
            "page file download", "GET", url("file_download", "file"), e(outsider=404, member=200, admin=200)
        ),
        Endpoint(
            "page file delete",
            "POST",
            url("file_delete", "file"),
            e(outsider=404, member=403, admin=302),
            {},
            "form",
            changed=FILES,
        ),
        Endpoint(
            "page request approve",
            "POST",
            url("request_approve", "request"),
            e(outsider=404, member=404, admin=302),
            {},
            "form",
            changed=REQUESTS,
        ),
        Endpoint(
            "page request reject",
            "POST",
            url("request_reject", "request"),
            e(outsider=404, member=404, admin=302),
            {},
            "form",
            changed=REQUESTS,
        ),
        Endpoint(
            "page request cancel",
            "POST",
            url("request_cancel", "request"),
            e(outsider=404, member=404, admin=302),
            {},
            "form",
            changed=REQUESTS,
        ),
    ]


def _api_endpoints(visibility: str, fresh, org) -> list[Endpoint]:
    def url(suffix: str = ""):
        def build(role):
            group = fresh(role)
            path = suffix.format(file=group.file_.pk, request=group.request_.pk, member=org.east_rep.pk)
            return f"/api/v1/groups/{group.pk}/{path}"

        return build

    def e(**kw):
        return _expect(visibility, anonymous=API_ANON, **kw)

    admin_joins = 201 if visibility != "secret" else 403
    return [
        Endpoint(
            "api list", "GET", "/api/v1/groups/", {r: (API_ANON if r == "anonymous" else 200) for r in ROLES}
        ),
        Endpoint(
            "api create",
            "POST",
            "/api/v1/groups/",
            {"anonymous": API_ANON, "outsider": 403, "member": 403, "supervisor": 201, "admin": 201},
            {"name": "New", "visibility": visibility},
            changed=GROUPS,
        ),
        Endpoint("api retrieve", "GET", url(), e(outsider=200, member=200, admin=200)),
        Endpoint(
            "api update",
            "PATCH",
            url(),
            e(outsider=403, member=403, admin=200),
            {"name": "Renamed"},
            changed=NAMES,
        ),
        Endpoint(
            "api archive",
            "POST",
            url("archive/"),
            e(outsider=403, member=403, admin=200),
            {},
            changed=ARCHIVED,
        ),
        Endpoint("api members", "GET", url("members/"), e(outsider=200, member=200, admin=200)),
        Endpoint(
            "api member add",
            "POST",
            url("members/"),
            e(outsider=403, member=403, admin=201),
            {"user": org.it_head.pk},
            changed=MEMBERS,
        ),
        Endpoint(
            "api member role",
            "PATCH",
            url("members/{member}/"),
            e(outsider=403, member=403, admin=200),
            {"role": "moderator"},
            changed=MEMBER_ROLES,
        ),
        Endpoint(
            "api member remove",
            "DELETE",
            url("members/{member}/"),
            e(outsider=403, member=204, admin=204),
            changed=MEMBERS,
        ),
        Endpoint(
            "api join",
            "POST",
            url("join/"),
            e(outsider=201, member=400, admin=admin_joins),
            {},
            changed=joins,
        ),
        Endpoint("api leave", "POST", url("leave/"), e(outsider=400, member=204, admin=400), changed=MEMBERS),
        Endpoint("api join requests", "GET", url("join-requests/"), e(outsider=200, member=200, admin=200)),
        Endpoint(
            "api request approve",
            "POST",
            url("join-requests/{request}/approve/"),
            e(outsider=404, member=404, admin=200),
            changed=REQUESTS,
        ),
        Endpoint(
            "api request reject",
            "POST",
            url("join-requests/{request}/reject/"),
            e(outsider=404, member=404, admin=200),
            changed=REQUESTS,
        ),
        Endpoint(
            "api request cancel",
            "DELETE",
            url("join-requests/{request}/"),
            e(outsider=404, member=404, admin=204),
            changed=REQUESTS,
        ),
        Endpoint("api files", "GET", url("files/"), e(outsider=404, member=200, admin=200)),
        Endpoint(
            "api file upload",
            "POST",
            url("files/"),
            e(outsider=403, member=201, admin=201),
            lambda role: {"file": upload()},
            "multipart",
            changed=FILES,
        ),
        Endpoint(
            "api file download", "GET", url("files/{file}/download/"), e(outsider=404, member=200, admin=200)
        ),
        Endpoint(
            "api file delete",
            "DELETE",
            url("files/{file}/"),
            e(outsider=404, member=403, admin=204),
            changed=FILES,
        ),
    ]


@pytest.fixture
def fresh(make_group):
    """A new group of the visibility under test for each call."""

    def factory(visibility):
        return lambda role: make_group(visibility)

    return factory


@pytest.mark.parametrize("visibility", ["open", "closed", "secret"])
def test_pages_matrix(roles, org, fresh, visibility):
    assert_matrix(roles, _page_endpoints(visibility, fresh(visibility), org))


@pytest.mark.parametrize("visibility", ["open", "closed", "secret"])
def test_api_matrix(roles, org, fresh, visibility):
    assert_matrix(roles, _api_endpoints(visibility, fresh(visibility), org))


def test_matrix_covers_every_route(request, db):
    assert_covers_every_route(
        request,
        urlconfs=["portal.groups.urls", "portal.groups.api.urls"],
        modules=[sys.modules[__name__]],
        public={},
    )


def test_requester_may_cancel_but_not_decide(make_group, org, client_for):
    group = make_group("closed")
    client = client_for(org.sales_rep)
    approve = f"/api/v1/groups/{group.pk}/join-requests/{group.request_.pk}/approve/"
    assert client.post(approve).status_code == 403
    assert client.delete(f"/api/v1/groups/{group.pk}/join-requests/{group.request_.pk}/").status_code == 204


def test_moderator_rights(make_group, org, client_for):
    group = make_group("closed")
    from portal.groups.models import Membership

    Membership.objects.filter(group=group, user=org.east_rep).update(role="moderator")
    client = client_for(org.east_rep)
    base = f"/api/v1/groups/{group.pk}/"
    assert client.patch(base, {"name": "x"}, format="json").status_code == 403  # owners edit
    assert client.post(base + "members/", {"user": org.it_head.pk}, format="json").status_code == 201
    assert (
        client.post(base + "members/", {"user": org.ceo.pk, "role": "owner"}, format="json").status_code
        == 403
    )
    assert client.delete(base + f"members/{org.field_rep.pk}/").status_code == 403  # not the owner
    assert client.delete(base + f"files/{group.file_.pk}/").status_code == 204
    assert client.post(base + f"join-requests/{group.request_.pk}/approve/").status_code == 200
