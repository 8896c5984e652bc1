"""The groups API: the same rules as the pages, JSON errors of one shape, query budgets."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.groups.models import GroupFile, JoinRequest, Membership, Workgroup
from portal.people.models import Company
from tests.groups.factories import MembershipFactory, WorkgroupFactory, upload
from tests.utils import assert_query_budget, client_as

LIST = "/api/v1/groups/"


def detail(group, suffix: str = "") -> str:
    return f"{LIST}{group.pk}/{suffix}"


def test_list_url_name():
    assert reverse("workgroup-list") == LIST


def test_list_uses_the_filterset_and_hides_secret_groups(org):
    WorkgroupFactory(name="Website", kind="project", start_date="2026-01-01", end_date="2026-03-01")
    mine = WorkgroupFactory(name="Book club")
    WorkgroupFactory(name="Board", visibility="secret")
    MembershipFactory(group=mine, user=org.east_rep, role="moderator")
    client = client_as(org.east_rep)
    body = client.get(LIST).json()
    assert [g["name"] for g in body["results"]] == ["Book club", "Website"]
    assert body["results"][0]["my_role"] == "moderator" and body["results"][1]["my_role"] is None
    assert [g["name"] for g in client.get(LIST, {"kind": "project"}).json()["results"]] == ["Website"]
    assert [g["name"] for g in client.get(LIST, {"mine": "true"}).json()["results"]] == ["Book club"]
    assert [g["name"] for g in client.get(LIST, {"q": "book"}).json()["results"]] == ["Book club"]
    assert client.get(LIST, {"kind": "team"}).status_code == 400


def test_list_api_query_budget(org):
    for i in range(10):
        MembershipFactory(group=WorkgroupFactory(name=f"Group {i:04d}"), user=org.east_rep)
    client = client_as(org.east_rep)
    pages = []

    def grow():
        Workgroup.objects.bulk_create([Workgroup(name=f"Bulk {i:04d}") for i in range(990)])

    def fetch():
        pages.append(client.get(LIST))

    fetch()
    assert_query_budget(fetch, grow, budget=5)  # session, user, count, one page
    assert pages[-1].json()["count"] == 1000 and len(pages[-1].json()["results"]) == 50


def test_create_and_error_shapes(org):
    client = client_as(org.sales_head)
    response = client.post(LIST, {"name": "Pipeline", "visibility": "closed"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["my_role"] == "owner" and body["members_count"] == 1 and body["visibility"] == "closed"

    response = client.post(LIST, {"name": "Launch", "kind": "project"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == {"start_date", "end_date"}

    response = client_as(org.east_rep).post(LIST, {"name": "Mine"}, format="json")
    assert response.status_code == 403 and response.json()["error"]["status"] == 403
    assert Workgroup.objects.count() == 1


def test_creation_policy_everyone(org):
    Company.objects.update(group_creation_policy="everyone")
    assert client_as(org.east_rep).post(LIST, {"name": "Mine"}, format="json").status_code == 201


def test_patch_changes_only_what_is_sent(make_group, org):
    group = make_group("open", description="Keep")
    response = client_as(org.field_rep).patch(detail(group), {"name": "Renamed"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Renamed"
    group.refresh_from_db()
    assert group.description == "Keep"


def test_secret_group_is_404_on_every_endpoint_for_outsiders(make_group, org):
    group = make_group("secret")
    client = client_as(org.developer)
    for url in [
        detail(group),
        detail(group, "members/"),
        detail(group, "join-requests/"),
        detail(group, "files/"),
        detail(group, f"files/{group.file_.pk}/download/"),
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"
    assert client.post(detail(group, "join/"), {}, format="json").status_code == 404
    assert client.patch(detail(group), {"name": "x"}, format="json").status_code == 404


def test_members_add_role_remove(make_group, org):
    group = make_group("open")
    client = client_as(org.field_rep)
    response = client.post(
        detail(group, "members/"), {"user": org.developer.pk, "role": "moderator"}, format="json"
    )
    assert response.status_code == 201 and response.json()["role"] == "moderator"
    again = client.post(detail(group, "members/"), {"user": org.developer.pk}, format="json")
    assert again.status_code == 400 and "user" in again.json()["error"]["fields"]
    members = client.get(detail(group, "members/")).json()
    assert members["count"] == 3 and members["results"][0]["user"]["id"] == org.field_rep.pk
    response = client.patch(detail(group, f"members/{org.developer.pk}/"), {"role": "member"}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "member"
    last_owner = client.patch(
        detail(group, f"members/{org.field_rep.pk}/"), {"role": "member"}, format="json"
    )
    assert last_owner.status_code == 400 and "role" in last_owner.json()["error"]["fields"]
    assert client.delete(detail(group, f"members/{org.developer.pk}/")).status_code == 204
    assert client.delete(detail(group, f"members/{org.developer.pk}/")).status_code == 404
    group.refresh_from_db()
    assert group.members_count == 2


def test_join_leave_and_last_owner(make_group, org):
    open_group = make_group("open")
    closed = make_group("closed")
    client = client_as(org.developer)
    assert client.post(detail(open_group, "join/"), {}, format="json").json() == {
        "status": "joined",
        "role": "member",
        "join_request": None,
    }
    body = client.post(detail(closed, "join/"), {"message": "Hi"}, format="json").json()
    assert body["status"] == "requested"
    assert JoinRequest.objects.get(pk=body["join_request"]).message == "Hi"
    assert client.post(detail(open_group, "leave/")).status_code == 204
    response = client_as(org.field_rep).post(detail(open_group, "leave/"))
    assert response.status_code == 400 and "last owner" in str(response.json()["error"]["fields"])


def test_join_request_approve_reject_cancel(make_group, org):
    group = make_group("closed")
    owner = client_as(org.field_rep)
    listed = owner.get(detail(group, "join-requests/")).json()
    assert [r["user"]["id"] for r in listed["results"]] == [org.sales_rep.pk]
    url = detail(group, f"join-requests/{group.request_.pk}/approve/")
    assert owner.post(url).status_code == 200
    assert Membership.objects.filter(group=group, user=org.sales_rep).exists()
    assert owner.post(url).status_code == 400  # decided already

    client = client_as(org.developer)
    request_id = client.post(detail(group, "join/"), {}, format="json").json()["join_request"]
    assert owner.post(detail(group, f"join-requests/{request_id}/reject/")).json()["status"] == "rejected"
    request_id = client.post(detail(group, "join/"), {}, format="json").json()["join_request"]
    assert client.delete(detail(group, f"join-requests/{request_id}/")).status_code == 204
    assert not JoinRequest.objects.filter(pk=request_id).exists()


def test_files_upload_list_download_delete(make_group, org):
    group = make_group("open")
    client = client_as(org.east_rep)
    response = client.post(
        detail(group, "files/"), {"file": upload("a/../b c.txt", b"data")}, format="multipart"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "b_c.txt" and body["size"] == 4
    names = [f["name"] for f in client.get(detail(group, "files/")).json()["results"]]
    assert sorted(names) == ["b_c.txt", "plan.txt"]
    download = client.get(body["download_url"])
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"data"
    assert client.delete(detail(group, f"files/{group.file_.pk}/")).status_code == 403  # not the uploader
    assert client.delete(detail(group, f"files/{body['id']}/")).status_code == 204
    group.refresh_from_db()
    assert group.files_count == 1


def test_oversized_upload_answers_the_json_error_and_saves_nothing(make_group, org, settings):
    settings.LUMEN_GROUP_FILE_MAX_BYTES = 8
    group = make_group("open")
    response = client_as(org.east_rep).post(
        detail(group, "files/"), {"file": upload("big.bin", b"x" * 9)}, format="multipart"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "too large" in error["fields"]["file"][0]
    assert GroupFile.objects.filter(group=group).count() == 1


def test_empty_upload_is_refused(make_group, org):
    group = make_group("open")
    response = client_as(org.east_rep).post(
        detail(group, "files/"), {"file": upload("e.txt", b"")}, format="multipart"
    )
    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]


@pytest.mark.parametrize("visibility", ["open", "closed", "secret"])
def test_file_access_for_outsiders_is_404(make_group, org, visibility):
    group = make_group(visibility)
    for outsider in (org.developer, org.sales_head):
        client = client_as(outsider)
        assert client.get(detail(group, f"files/{group.file_.pk}/download/")).status_code == 404
        assert client.get(detail(group, "files/")).status_code == 404
        assert client.delete(detail(group, f"files/{group.file_.pk}/")).status_code == 404
    assert GroupFile.objects.filter(pk=group.file_.pk).exists()


def test_file_of_another_group_is_404_under_the_wrong_group(make_group, org):
    group, other = make_group("open"), make_group("open")
    url = detail(group, f"files/{other.file_.pk}/download/")
    assert client_as(org.east_rep).get(url).status_code == 404


def test_schema_lists_group_endpoints(org):
    schema = client_as(org.east_rep).get("/api/schema/")
    assert schema.status_code == 200
    for path in [b"/api/v1/groups/{id}/members/{user_id}/", b"/api/v1/groups/{id}/files/{file_id}/download/"]:
        assert path in schema.content


# --- found by the API sweep and fuzz (tests/core/test_api_methods.py, test_api_fuzz.py) -----------------


def test_head_reads_members_and_files_and_changes_nothing(org, make_group):
    """HEAD went down the write branch of the actions that answer GET and POST."""
    group = make_group()
    client = client_as(org.field_rep)
    for suffix in ("members/", "files/"):
        response = client.head(detail(group, suffix), {"user": org.it_head.pk})
        assert response.status_code == 200 and not response.content
    assert not Membership.objects.filter(group=group, user=org.it_head).exists()
    assert GroupFile.objects.filter(group=group).count() == 1
