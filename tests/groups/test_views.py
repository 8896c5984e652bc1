"""Group pages: what each person sees and may do, forms with field errors, htmx partials, query budgets."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.groups.models import GroupFile, JoinRequest, Membership, Workgroup
from portal.people.models import Company
from tests.groups.factories import MembershipFactory, WorkgroupFactory, upload
from tests.utils import assert_query_budget, client_as


def page_client(user) -> Client:
    """A browser-like client: forms are posted as multipart, like a browser does."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def html_of(response) -> str:
    return response.content.decode()


# --- list ----------------------------------------------------------------------------------------------


def test_list_shows_visible_groups_and_filters(org):
    WorkgroupFactory(name="Website relaunch", kind="project", start_date="2026-01-01", end_date="2026-02-01")
    WorkgroupFactory(name="Book club")
    WorkgroupFactory(name="Board", visibility="secret")
    client = page_client(org.east_rep)
    html = html_of(client.get(reverse("groups:list")))
    assert "Website relaunch" in html and "Book club" in html and "Board" not in html
    html = html_of(client.get(reverse("groups:list"), {"kind": "project"}))
    assert "Website relaunch" in html and "Book club" not in html
    html = html_of(client.get(reverse("groups:list"), {"q": "book"}))
    assert "Book club" in html and "Website relaunch" not in html


def test_list_htmx_renders_only_the_results(org):
    WorkgroupFactory(name="Book club")
    response = page_client(org.east_rep).get(reverse("groups:list"), {"q": "book"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"<html" not in response.content and b'id="group-results"' in response.content
    assert b"Book club" in response.content


@pytest.mark.parametrize(
    "policy, person, shown",
    [("supervisors", "east_rep", False), ("supervisors", "sales_head", True), ("everyone", "east_rep", True)],
)
def test_new_group_button_only_for_those_allowed(org, policy, person, shown):
    Company.objects.update(group_creation_policy=policy)
    html = html_of(page_client(getattr(org, person)).get(reverse("groups:list")))
    assert ('id="group-create"' in html) is shown
    assert page_client(getattr(org, person)).get(reverse("groups:create")).status_code == (
        200 if shown else 403
    )


def test_list_page_query_budget(org):
    for i in range(10):
        group = WorkgroupFactory(name=f"Group {i:04d}")
        MembershipFactory(group=group, user=org.east_rep)
    client = page_client(org.east_rep)

    def grow():
        Workgroup.objects.bulk_create(
            [
                Workgroup(name=f"Bulk {i:04d}", visibility=("open", "closed", "secret")[i % 3])
                for i in range(990)
            ]
        )

    pages = []

    def fetch():
        pages.append(client.get(reverse("groups:list")))

    fetch()  # the session's first request writes it; measure the steady state
    # session, user, the shell (company, counters), policy check, count, one page of groups
    assert_query_budget(fetch, grow, budget=10)
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert pages[1].content.count(b"data-group=") == 10
    assert pages[2].content.count(b"data-group=") == 25


# --- create and edit -----------------------------------------------------------------------------------


def test_create_group_through_the_form(org):
    response = page_client(org.sales_head).post(
        reverse("groups:create"),
        {"name": "Pipeline review", "description": "Weekly", "kind": "group", "visibility": "closed"},
    )
    group = Workgroup.objects.get(name="Pipeline review")
    assert response.status_code == 302 and response["Location"] == group.get_absolute_url()
    assert Membership.objects.get(group=group).user == org.sales_head


def test_create_project_without_dates_shows_field_errors(org):
    response = page_client(org.sales_head).post(
        reverse("groups:create"), {"name": "Launch", "kind": "project", "visibility": "open"}
    )
    assert response.status_code == 200
    html = html_of(response)
    assert "A project needs a start date." in html and "A project needs an end date." in html
    assert not Workgroup.objects.exists()


def test_edit_by_owner(make_group, org):
    group = make_group("open")
    response = page_client(org.field_rep).post(
        reverse("groups:edit", args=[group.pk]),
        {"name": "Renamed", "description": "", "kind": "group", "visibility": "secret"},
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.visibility) == ("Renamed", "secret")


# --- detail --------------------------------------------------------------------------------------------


def test_detail_for_a_member(make_group, org):
    group = make_group("open")
    html = html_of(page_client(org.east_rep).get(group.get_absolute_url()))
    assert group.name in html
    assert org.field_rep.full_name in html and org.east_rep.full_name in html
    assert 'id="group-leave"' in html and 'id="group-join"' not in html
    assert "plan.txt" in html and reverse("groups:file_download", args=[group.file_.pk]) in html
    assert 'id="group-file-upload"' in html
    assert 'id="group-edit"' not in html and 'id="group-requests"' not in html
    assert "/media/" not in html  # files never have a public address


def test_detail_for_an_outsider_of_open_group(make_group, org):
    group = make_group("open")
    html = html_of(page_client(org.developer).get(group.get_absolute_url()))
    assert 'id="group-join"' in html
    assert 'id="group-leave"' not in html and "plan.txt" not in html and 'id="group-files"' not in html


def test_detail_for_an_outsider_of_closed_group_offers_request(make_group, org):
    group = make_group("closed")
    html = html_of(page_client(org.developer).get(group.get_absolute_url()))
    assert 'id="group-request-send"' in html and 'id="group-join"' not in html
    html = html_of(page_client(org.sales_rep).get(group.get_absolute_url()))
    assert 'id="group-request-cancel"' in html and 'id="group-request-send"' not in html


def test_detail_for_the_owner_shows_requests_and_management(make_group, org):
    group = make_group("closed")
    html = html_of(page_client(org.field_rep).get(group.get_absolute_url()))
    assert 'id="group-requests"' in html and org.sales_rep.full_name in html
    assert reverse("groups:request_approve", args=[group.request_.pk]) in html
    assert 'id="group-edit"' in html and 'id="group-manage-members"' in html


def test_secret_group_is_404_for_outsiders(make_group, org):
    group = make_group("secret")
    assert page_client(org.developer).get(group.get_absolute_url()).status_code == 404
    assert page_client(org.east_rep).get(group.get_absolute_url()).status_code == 200


# --- joining and leaving -------------------------------------------------------------------------------


def test_join_and_leave_open_group(make_group, org):
    group = make_group("open")
    client = page_client(org.developer)
    assert client.post(reverse("groups:join", args=[group.pk])).status_code == 302
    assert Membership.objects.filter(group=group, user=org.developer).exists()
    assert client.post(reverse("groups:leave", args=[group.pk])).status_code == 302
    assert not Membership.objects.filter(group=group, user=org.developer).exists()
    group.refresh_from_db()
    assert group.members_count == 2


def test_request_to_join_closed_group(make_group, org):
    group = make_group("closed")
    page_client(org.developer).post(reverse("groups:join", args=[group.pk]), {"message": "Please"})
    request = JoinRequest.objects.get(group=group, user=org.developer)
    assert request.message == "Please" and request.status == "pending"
    assert not Membership.objects.filter(group=group, user=org.developer).exists()


def test_last_owner_cannot_leave_and_is_told_why(make_group, org):
    group = make_group("open")
    response = page_client(org.field_rep).post(reverse("groups:leave", args=[group.pk]), follow=True)
    assert "last owner" in html_of(response)
    assert Membership.objects.filter(group=group, user=org.field_rep, role="owner").exists()


def test_approve_request_with_htmx_returns_the_partial(make_group, org):
    group = make_group("closed")
    response = page_client(org.field_rep).post(
        reverse("groups:request_approve", args=[group.request_.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b"<html" not in response.content and b'id="group-requests"' in response.content
    assert Membership.objects.filter(group=group, user=org.sales_rep).exists()


def test_reject_request(make_group, org):
    group = make_group("closed")
    page_client(org.field_rep).post(reverse("groups:request_reject", args=[group.request_.pk]))
    group.request_.refresh_from_db()
    assert group.request_.status == "rejected"
    assert not Membership.objects.filter(group=group, user=org.sales_rep).exists()


# --- members -------------------------------------------------------------------------------------------


def test_member_management(make_group, org):
    group = make_group("open")
    client = page_client(org.field_rep)
    page = html_of(client.get(reverse("groups:members", args=[group.pk])))
    assert 'id="member-add"' in page and org.developer.full_name in page
    response = client.post(
        reverse("groups:members", args=[group.pk]), {"user": org.developer.pk, "role": "member"}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("groups:member_role", args=[group.pk, org.developer.pk]),
        {"role": "moderator"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and b'id="member-table"' in response.content
    assert Membership.objects.get(group=group, user=org.developer).role == "moderator"
    client.post(reverse("groups:member_remove", args=[group.pk, org.developer.pk]))
    assert not Membership.objects.filter(group=group, user=org.developer).exists()
    group.refresh_from_db()
    assert group.members_count == 2


def test_demoting_last_owner_shows_error_in_partial(make_group, org):
    group = make_group("open")
    response = page_client(org.field_rep).post(
        reverse("groups:member_role", args=[group.pk, org.field_rep.pk]),
        {"role": "member"},
        HTTP_HX_REQUEST="true",
    )
    assert b"at least one owner" in response.content
    assert Membership.objects.get(group=group, user=org.field_rep).role == "owner"


def test_adding_an_existing_member_is_not_offered(make_group, org):
    group = make_group("open")
    response = page_client(org.field_rep).post(
        reverse("groups:members", args=[group.pk]), {"user": org.east_rep.pk}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in html_of(response)


# --- files ---------------------------------------------------------------------------------------------


def test_upload_download_and_delete(make_group, org):
    group = make_group("open")
    client = page_client(org.east_rep)
    response = client.post(
        reverse("groups:file_upload", args=[group.pk]), {"file": upload("Q3 report.txt", b"q3")}
    )
    assert response.status_code == 302
    group_file = GroupFile.objects.get(name="Q3_report.txt")
    response = client.get(reverse("groups:file_download", args=[group_file.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"q3"
    assert client.post(reverse("groups:file_delete", args=[group_file.pk])).status_code == 302
    assert not GroupFile.objects.filter(pk=group_file.pk).exists()
    group.refresh_from_db()
    assert group.files_count == 1


def test_oversized_upload_shows_field_error_and_saves_nothing(make_group, org, settings):
    settings.LUMEN_GROUP_FILE_MAX_BYTES = 16
    group = make_group("open")
    response = page_client(org.east_rep).post(
        reverse("groups:file_upload", args=[group.pk]), {"file": upload("big.bin", b"x" * 17)}
    )
    assert response.status_code == 400
    html = html_of(response)
    assert "The file is too large" in html and "invalid-feedback" in html
    assert GroupFile.objects.filter(group=group).count() == 1
    group.refresh_from_db()
    assert group.files_count == 1


def test_empty_upload_is_refused_on_the_page(make_group, org):
    group = make_group("open")
    response = page_client(org.east_rep).post(
        reverse("groups:file_upload", args=[group.pk]), {"file": upload("empty.txt", b"")}
    )
    assert response.status_code == 400
    assert "empty" in html_of(response)
    assert GroupFile.objects.filter(group=group).count() == 1


@pytest.mark.parametrize("visibility", ["open", "closed", "secret"])
def test_file_download_is_404_for_outsiders(make_group, org, visibility):
    group = make_group(visibility)
    url = reverse("groups:file_download", args=[group.file_.pk])
    for outsider in (org.developer, org.sales_head):
        assert page_client(outsider).get(url).status_code == 404
    assert page_client(org.east_rep).get(url).status_code == 200


def test_member_opens_the_group_chat_from_the_group_page(org):
    from portal.chat.models import Chat
    from portal.groups import services

    group = services.group_create(actor=org.sales_head, name="Pipeline review")
    services.group_member_add(actor=org.sales_head, group=group, user=org.east_rep)
    client = client_as(org.east_rep)
    assert 'id="group-chat"' in client.get(f"/groups/{group.pk}/").content.decode()
    response = client.post(f"/chat/workgroup/{group.pk}/")
    assert response.status_code == 302
    chat = Chat.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert set(chat.memberships.values_list("user_id", flat=True)) >= {org.sales_head.pk, org.east_rep.pk}
    outsider = client_as(org.developer)
    assert 'id="group-chat"' not in outsider.get(f"/groups/{group.pk}/").content.decode()
