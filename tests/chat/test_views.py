"""Chat pages: thin views over the selectors and services, htmx partials, clear errors."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.chat import services
from portal.chat.models import Chat, ChatMember, Message
from portal.groups.choices import MemberRole
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.people.factories import UserFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_list_shows_my_chats_with_unread_badges(people, group_chat):
    services.message_send(actor=people.creator, chat=group_chat, body="Kick-off at 10")
    hidden = services.chat_group_create(actor=people.outsider, title="Secret plans")
    response = client_as(people.member).get(reverse("chat:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Launch" in html and "Kick-off at 10" in html
    assert f'data-chat-unread="{group_chat.pk}"' in html
    assert hidden.title not in html
    assert 'data-nav="chat"' in html


def test_list_filter_answers_htmx_with_the_results_only(people, group_chat):
    services.chat_group_create(actor=people.member, title="Lunch crew")
    response = client_as(people.member).get(reverse("chat:list"), {"q": "lunch"}, **HTMX)
    html = response.content.decode()
    assert "Lunch crew" in html and "Launch" not in html and "<html" not in html


def test_anonymous_is_sent_to_login(group_chat):
    response = client_as(None).get(reverse("chat:detail", args=[group_chat.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_detail_shows_history_and_marks_read(people, group_chat):
    message = services.message_send(actor=people.creator, chat=group_chat, body="Read me")
    response = client_as(people.member).get(reverse("chat:detail", args=[group_chat.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Read me" in html and 'id="chat-composer"' in html and "lumen/chat.js" in html
    assert f'data-ws-path="/ws/chat/{group_chat.pk}/"' in html
    assert ChatMember.objects.get(chat=group_chat, user=people.member).last_read_message_id == message.pk
    # The author now sees who has read it.
    html = client_as(people.creator).get(reverse("chat:detail", args=[group_chat.pk])).content.decode()
    assert "Seen by" in html and "Mike" in html


@pytest.mark.parametrize("who", ["outsider", "admin"])
def test_detail_is_404_for_non_members(people, group_chat, who):
    response = client_as(getattr(people, who)).get(reverse("chat:detail", args=[group_chat.pk]))
    assert response.status_code == 404


def test_send_by_htmx_returns_a_fresh_composer_and_the_message(people, group_chat):
    url = reverse("chat:messages", args=[group_chat.pk])
    response = client_as(people.member).post(url, {"body": "Hello @cora"}, format="multipart", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    message = Message.objects.get()
    assert 'hx-swap-oob="beforeend:#chat-messages"' in html
    assert f'id="message-{message.pk}"' in html
    assert '<span class="chat-mention">@cora</span>' in html
    assert "Hello @cora</textarea>" not in html  # the composer is empty again


def test_send_without_htmx_redirects_to_the_message(people, group_chat):
    response = client_as(people.member).post(
        reverse("chat:messages", args=[group_chat.pk]), {"body": "Hi"}, format="multipart"
    )
    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/chat/{group_chat.pk}/#message-{message.pk}")


def test_empty_message_shows_an_error_and_changes_nothing(people, group_chat):
    url = reverse("chat:messages", args=[group_chat.pk])
    response = client_as(people.member).post(url, {"body": "  "}, format="multipart", **HTMX)
    assert response.status_code == 200
    assert "Write a message or attach a file." in response.content.decode()
    response = client_as(people.member).post(url, {"body": ""}, format="multipart")
    assert response.status_code == 400
    assert "Write a message or attach a file." in response.content.decode()
    assert not Message.objects.exists()


def test_too_large_attachment_shows_an_error(people, group_chat, settings):
    settings.LUMEN_CHAT_FILE_MAX_BYTES = 5
    url = reverse("chat:messages", args=[group_chat.pk])
    upload = SimpleUploadedFile("big.txt", b"0123456789")
    response = client_as(people.member).post(
        url, {"body": "file", "attachment": upload}, format="multipart", **HTMX
    )
    html = response.content.decode()
    assert "too large" in html and 'data-error="attachment"' in html
    assert "file</textarea>" in html  # what was typed stays
    assert not Message.objects.exists()


def test_posting_to_a_chat_one_is_not_in_is_404(people, group_chat):
    url = reverse("chat:messages", args=[group_chat.pk])
    assert client_as(people.outsider).post(url, {"body": "hi"}, format="multipart").status_code == 404
    assert not Message.objects.exists()


def test_older_messages_load_by_keyset(people, group_chat):
    sent = [
        services.message_send(actor=people.member, chat=group_chat, body=f"msg-{i:03d}") for i in range(55)
    ]
    html = client_as(people.member).get(reverse("chat:detail", args=[group_chat.pk])).content.decode()
    assert "msg-054" in html and "msg-004" not in html and 'id="chat-older"' in html
    response = client_as(people.member).get(
        reverse("chat:messages", args=[group_chat.pk]), {"before": sent[5].pk}, **HTMX
    )
    html = response.content.decode()
    assert "msg-004" in html and "msg-000" in html and "msg-005" not in html
    assert 'id="chat-older"' not in html


def test_edit_and_delete_own_message_with_htmx(people, group_chat):
    message = services.message_send(actor=people.member, chat=group_chat, body="Helo")
    client = client_as(people.member)
    edit_url = reverse("chat:message_edit", args=[group_chat.pk, message.pk])
    assert "<textarea" in client.get(edit_url, **HTMX).content.decode()
    html = client.post(edit_url, {"body": "Hello"}, format="multipart", **HTMX).content.decode()
    assert "Hello" in html and "edited" in html
    html = client.post(
        reverse("chat:message_delete", args=[group_chat.pk, message.pk]), **HTMX
    ).content.decode()
    assert "This message was deleted." in html
    message.refresh_from_db()
    assert message.is_deleted


def test_others_cannot_edit_or_delete(people, group_chat):
    message = services.message_send(actor=people.member, chat=group_chat, body="mine")
    creator = client_as(people.creator)
    assert (
        creator.post(
            reverse("chat:message_edit", args=[group_chat.pk, message.pk]), {"body": "x"}, format="multipart"
        ).status_code
        == 403
    )
    assert creator.post(reverse("chat:message_delete", args=[group_chat.pk, message.pk])).status_code == 403
    outsider = client_as(people.outsider)
    assert outsider.post(reverse("chat:message_delete", args=[group_chat.pk, message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.body == "mine" and not message.is_deleted


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (2, 2), (10, 200, 30)).save(out, "PNG")
    return out.getvalue()


def test_attachment_is_served_to_members_only(people, group_chat):
    upload = SimpleUploadedFile("pixel.png", _png(), content_type="image/png")
    message = services.message_send(actor=people.member, chat=group_chat, body="", attachment=upload)
    url = reverse("chat:attachment", args=[message.pk])
    response = client_as(people.creator).get(url)
    assert response.status_code == 200
    with message.attachment.file.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()
    assert response["Content-Type"] == "image/png" and "inline" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    download = client_as(people.creator).get(url, {"download": "1"})
    assert "attachment" in download["Content-Disposition"]
    assert client_as(people.outsider).get(url).status_code == 404
    assert client_as(people.admin).get(url).status_code == 404


def test_open_direct_chat_from_the_person_picker(people):
    client = client_as(people.member)
    html = client.get(reverse("chat:people"), {"q": "otto"}, **HTMX).content.decode()
    assert "Otto Outsider" in html
    response = client.post(reverse("chat:direct"), {"user": people.outsider.pk}, format="multipart")
    chat = Chat.objects.get()
    assert response.status_code == 302 and response["Location"] == chat.get_absolute_url()
    assert (
        client.post(reverse("chat:direct"), {"user": people.outsider.pk}, format="multipart")["Location"]
        == chat.get_absolute_url()
    )
    response = client.post(reverse("chat:direct"), {"user": people.member.pk}, format="multipart")
    assert response.status_code == 302 and Chat.objects.count() == 1


def test_create_group_chat(people):
    client = client_as(people.creator)
    assert client.get(reverse("chat:create")).status_code == 200
    response = client.post(
        reverse("chat:create"), {"title": "", "members": [people.member.pk]}, format="multipart"
    )
    assert response.status_code == 400 and not Chat.objects.exists()
    response = client.post(
        reverse("chat:create"), {"title": "Design", "members": [people.member.pk]}, format="multipart"
    )
    chat = Chat.objects.get()
    assert response.status_code == 302 and chat.title == "Design" and chat.members_count == 2


def test_creator_manages_members_in_the_panel(people, group_chat):
    client = client_as(people.creator)
    html = client.get(reverse("chat:detail", args=[group_chat.pk])).content.decode()
    form = html[html.index('id="chat-member-form"') :]
    assert "data-chip-picker" in form and 'data-sources="people"' in form and 'id="chat-member-user"' in form
    assert "lumen/chip_picker.js" in html
    html = client.post(
        reverse("chat:member_add", args=[group_chat.pk]),
        {"user": people.outsider.pk},
        format="multipart",
        **HTMX,
    )
    assert f'data-member="{people.outsider.pk}"' in html.content.decode()
    url = reverse("chat:member_remove", args=[group_chat.pk, people.outsider.pk])
    html = client.post(url, **HTMX).content.decode()
    assert f'data-member="{people.outsider.pk}"' not in html
    # A member sees no management controls and may not use them.
    member = client_as(people.member)
    assert (
        'id="chat-member-form"'
        not in member.get(reverse("chat:detail", args=[group_chat.pk])).content.decode()
    )
    response = member.post(
        reverse("chat:member_add", args=[group_chat.pk]), {"user": people.outsider.pk}, format="multipart"
    )
    assert response.status_code == 403


def test_read_endpoint_marks_read(people, group_chat):
    message = services.message_send(actor=people.creator, chat=group_chat, body="x")
    response = client_as(people.member).post(
        reverse("chat:read", args=[group_chat.pk]), {"message_id": message.pk}, format="multipart", **HTMX
    )
    assert response.status_code == 204
    assert ChatMember.objects.get(chat=group_chat, user=people.member).last_read_message_id == message.pk


def test_workgroup_members_open_the_group_chat(people):
    group = WorkgroupFactory(name="Website relaunch")
    MembershipFactory(group=group, user=people.creator, role=MemberRole.OWNER)
    MembershipFactory(group=group, user=people.member)
    response = client_as(people.member).post(reverse("chat:workgroup", args=[group.pk]))
    chat = Chat.objects.get(workgroup=group)
    assert response.status_code == 302 and response["Location"] == chat.get_absolute_url()
    assert chat.members_count == 2 and chat.title == "Website relaunch"
    assert client_as(people.outsider).post(reverse("chat:workgroup", args=[group.pk])).status_code == 403


def test_members_added_as_chips_all_or_none(people, group_chat):
    client = client_as(people.creator)
    url = reverse("chat:member_add", args=[group_chat.pk])
    other = UserFactory(email="olga@acme.test", first_name="Olga", last_name="Other")
    # One of the chips is a member already: the service refuses, nobody is added and the chips stay.
    refused = client.post(
        url, {"user": [other.pk, people.member.pk]}, format="multipart", **HTMX
    ).content.decode()
    assert "in this chat already" in refused
    assert not ChatMember.objects.filter(chat=group_chat, user=other).exists()
    picker = refused[refused.index('id="chat-member-form"') :]
    assert f'name="user" value="{other.pk}"' in picker and "Olga Other" in picker
    # No chip at all, or a forged id: a clear error, nothing changes.
    assert (
        "Choose at least one colleague." in client.post(url, {}, format="multipart", **HTMX).content.decode()
    )
    forged = client.post(url, {"user": [999999]}, format="multipart", **HTMX).content.decode()
    assert 'role="alert"' in forged
    assert set(group_chat.memberships.values_list("user_id", flat=True)) == {
        people.creator.pk,
        people.member.pk,
    }
    # Two chips: both join, and the panel comes back with an empty picker.
    added = client.post(
        url, {"user": [other.pk, people.outsider.pk]}, format="multipart", **HTMX
    ).content.decode()
    assert f'data-member="{other.pk}"' in added and f'data-member="{people.outsider.pk}"' in added
    picker = added[added.index('id="chat-member-form"') :]
    assert "data-chip " not in picker and 'name="user" value=' not in picker
    group_chat.refresh_from_db()
    assert group_chat.members_count == 4


def test_chat_people_search_only_opens_direct_chats(people, group_chat):
    html = client_as(people.creator).get(reverse("chat:people"), {"q": "mike", "chat": group_chat.pk}, **HTMX)
    body = html.content.decode()
    assert "Mike Member" in body and reverse("chat:direct") in body
    assert reverse("chat:member_add", args=[group_chat.pk]) not in body
