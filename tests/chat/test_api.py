"""The chat API: the same services and selectors as the pages, JSON errors of the house shape."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.chat import services
from portal.chat.models import Chat, ChatMember, Message
from tests.utils import client_as

pytestmark = pytest.mark.django_db
API = "/api/v1/chat/chats/"


def test_list_and_retrieve_my_chats(people, group_chat):
    direct = services.chat_direct_open(actor=people.member, other=people.outsider)
    services.message_send(actor=people.outsider, chat=direct, body="ping")
    services.chat_group_create(actor=people.outsider, title="Not yours")
    response = client_as(people.member).get(API)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [direct.pk, group_chat.pk]
    assert rows[0]["display_title"] == "Otto Outsider" and rows[0]["unread"] == 1
    assert rows[0]["last_message"]["body"] == "ping"
    assert rows[1]["title"] == "Launch" and rows[1]["last_message"] is None
    detail = client_as(people.member).get(f"{API}{group_chat.pk}/").json()
    assert detail["members_count"] == 2 and detail["created_by"] == people.creator.pk


def test_create_direct_group_and_workgroup_chats(people):
    client = client_as(people.member)
    response = client.post(API, {"kind": "direct", "user": people.outsider.pk})
    assert response.status_code == 201
    again = client.post(API, {"kind": "direct", "user": people.outsider.pk})
    assert again.status_code == 200 and again.json()["id"] == response.json()["id"]
    response = client.post(API, {"kind": "group", "title": "Ops", "members": [people.creator.pk]})
    assert response.status_code == 201 and response.json()["members_count"] == 2

    from portal.groups.choices import MemberRole
    from tests.groups.factories import MembershipFactory, WorkgroupFactory

    group = WorkgroupFactory(name="Relaunch")
    MembershipFactory(group=group, user=people.member, role=MemberRole.OWNER)
    response = client.post(API, {"kind": "group", "workgroup": group.pk})
    assert response.status_code == 201 and response.json()["workgroup"] == group.pk


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"kind": "group", "title": ""}, "title"),
        ({"kind": "direct"}, "user"),
        ({"kind": "direct", "user": 999999}, "user"),
        ({"kind": "nonsense"}, "kind"),
    ],
)
def test_create_with_bad_input_is_a_field_error(people, payload, field):
    response = client_as(people.member).post(API, payload)
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid" and field in body["fields"]
    assert not Chat.objects.exists()


def test_direct_chat_with_oneself_is_a_field_error(people):
    response = client_as(people.member).post(API, {"kind": "direct", "user": people.member.pk})
    assert response.status_code == 400 and "user" in response.json()["error"]["fields"]


def test_members_list_add_remove(people, group_chat):
    creator = client_as(people.creator)
    assert len(creator.get(f"{API}{group_chat.pk}/members/").json()["results"]) == 2
    response = creator.post(f"{API}{group_chat.pk}/members/", {"user": people.outsider.pk})
    assert response.status_code == 201 and response.json()["user"]["id"] == people.outsider.pk
    duplicate = creator.post(f"{API}{group_chat.pk}/members/", {"user": people.outsider.pk})
    assert duplicate.status_code == 400
    assert (
        client_as(people.member).delete(f"{API}{group_chat.pk}/members/{people.outsider.pk}/").status_code
        == 403
    )
    assert creator.delete(f"{API}{group_chat.pk}/members/{people.outsider.pk}/").status_code == 204
    assert creator.delete(f"{API}{group_chat.pk}/members/{people.outsider.pk}/").status_code == 404


def test_messages_cursor_pagination_newest_first(people, group_chat):
    sent = [services.message_send(actor=people.member, chat=group_chat, body=f"m{i}") for i in range(5)]
    services.chat_mark_read(actor=people.creator, chat=group_chat, message_id=sent[2].pk)
    client = client_as(people.creator)
    first = client.get(f"{API}{group_chat.pk}/messages/", {"page_size": 2}).json()
    assert [m["body"] for m in first["results"]] == ["m4", "m3"]
    assert first["results"][0]["seen_by"] == []
    second = client.get(first["next"]).json()
    assert [m["body"] for m in second["results"]] == ["m2", "m1"]
    assert second["results"][0]["seen_by"] == [people.creator.pk]
    third = client.get(second["next"]).json()
    assert [m["body"] for m in third["results"]] == ["m0"] and third["next"] is None


def test_send_edit_delete_and_read(people, group_chat):
    member, creator = client_as(people.member), client_as(people.creator)
    response = member.post(f"{API}{group_chat.pk}/messages/", {"body": "Hi all"})
    assert response.status_code == 201
    message_id = response.json()["id"]
    upload = SimpleUploadedFile("notes.txt", b"notes")
    response = member.post(
        f"{API}{group_chat.pk}/messages/", {"body": "", "attachment": upload}, format="multipart"
    )
    assert response.status_code == 201 and response.json()["attachment"]["name"] == "notes.txt"

    url = f"{API}{group_chat.pk}/messages/{message_id}/"
    assert creator.patch(url, {"body": "nope"}).status_code == 403
    response = member.patch(url, {"body": "Hi everyone"})
    assert response.status_code == 200 and response.json()["is_edited"] is True

    read = creator.post(f"{API}{group_chat.pk}/read/", {})
    assert read.status_code == 200 and read.json()["unread"] == 0
    assert member.delete(url).status_code == 204
    assert Message.objects.get(pk=message_id).is_deleted


def test_bad_messages_change_nothing(people, group_chat, settings):
    settings.LUMEN_CHAT_FILE_MAX_BYTES = 3
    member = client_as(people.member)
    response = member.post(f"{API}{group_chat.pk}/messages/", {"body": "   "})
    assert response.status_code == 400 and "body" in response.json()["error"]["fields"]
    big = SimpleUploadedFile("big.txt", b"too big")
    response = member.post(f"{API}{group_chat.pk}/messages/", {"attachment": big}, format="multipart")
    assert response.status_code == 400 and "attachment" in response.json()["error"]["fields"]
    response = client_as(people.outsider).post(f"{API}{group_chat.pk}/messages/", {"body": "hi"})
    assert response.status_code == 404 and response.json()["error"]["status"] == 404
    assert not Message.objects.exists()
    assert ChatMember.objects.filter(chat=group_chat).count() == 2


# --- found by the API sweep and fuzz (tests/core/test_api_methods.py, test_api_fuzz.py) -----------------


def test_head_reads_members_and_messages_and_changes_nothing(people, group_chat):
    """HEAD went down the write branch of the actions that answer GET and POST."""
    client = client_as(people.member)
    for suffix in ("members/", "messages/"):
        response = client.head(f"{API}{group_chat.pk}/{suffix}", {"body": "Not a message"})
        assert response.status_code == 200 and not response.content
    assert not Message.objects.filter(chat=group_chat).exists()


def test_searching_chats_with_a_nul_is_refused(people, group_chat):
    client = client_as(people.member)
    response = client.get(API, {"q": "La\x00unch"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"q": ["Null characters are not allowed."]}
    assert [c["id"] for c in client.get(API, {"q": "laun"}).json()["results"]] == [group_chat.pk]
