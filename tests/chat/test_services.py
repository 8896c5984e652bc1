"""Chat services: who may do what, bad input changing nothing, side effects after commit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.chat import realtime, selectors, services
from portal.chat.choices import ChatKind
from portal.chat.models import Chat, ChatMember, Message
from portal.core.errors import NotFound
from portal.groups import services as group_services
from portal.groups.choices import MemberRole
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- direct chats --------------------------------------------------------------------------------------


def test_direct_chat_is_one_per_pair_whoever_opens_it(people):
    first = services.chat_direct_open(actor=people.creator, other=people.member)
    second = services.chat_direct_open(actor=people.member, other=people.creator)
    assert first.pk == second.pk
    assert first.kind == ChatKind.DIRECT
    assert set(first.memberships.values_list("user_id", flat=True)) == {people.creator.pk, people.member.pk}
    assert Chat.objects.filter(kind=ChatKind.DIRECT).count() == 1


def test_direct_chat_with_oneself_or_an_inactive_person_is_refused(people):
    gone = UserFactory(is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.chat_direct_open(actor=people.member, other=people.member)
    assert "user" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.chat_direct_open(actor=people.member, other=gone)
    assert not Chat.objects.exists()


# --- group chats and members ---------------------------------------------------------------------------


def test_group_chat_has_its_creator_and_members(people, group_chat):
    assert group_chat.created_by == people.creator
    assert group_chat.members_count == 2
    assert set(group_chat.memberships.values_list("user_id", flat=True)) == {
        people.creator.pk,
        people.member.pk,
    }


def test_group_chat_needs_a_name(people):
    with pytest.raises(ValidationError) as exc:
        services.chat_group_create(actor=people.creator, title="   ", members=[people.member])
    assert "title" in exc.value.message_dict
    assert not Chat.objects.exists()


def test_only_the_creator_adds_and_removes_members(people, group_chat):
    with pytest.raises(PermissionDenied):
        services.chat_member_add(actor=people.member, chat=group_chat, user=people.outsider)
    with pytest.raises(NotFound):  # outsiders do not learn the chat exists, admins included
        services.chat_member_add(actor=people.admin, chat=group_chat, user=people.admin)
    services.chat_member_add(actor=people.creator, chat=group_chat, user=people.outsider)
    group_chat.refresh_from_db()
    assert group_chat.members_count == 3
    with pytest.raises(ValidationError):  # already in
        services.chat_member_add(actor=people.creator, chat=group_chat, user=people.outsider)
    with pytest.raises(PermissionDenied):
        services.chat_member_remove(actor=people.member, chat=group_chat, user=people.outsider)
    services.chat_member_remove(actor=people.creator, chat=group_chat, user=people.outsider)
    assert not ChatMember.objects.filter(chat=group_chat, user=people.outsider).exists()


def test_a_member_may_leave_but_the_creator_stays(people, group_chat):
    with pytest.raises(ValidationError):
        services.chat_member_remove(actor=people.creator, chat=group_chat, user=people.creator)
    services.chat_member_remove(actor=people.member, chat=group_chat, user=people.member)
    group_chat.refresh_from_db()
    assert group_chat.members_count == 1


def test_direct_chat_members_cannot_change(people):
    chat = services.chat_direct_open(actor=people.creator, other=people.member)
    with pytest.raises(ValidationError):
        services.chat_member_add(actor=people.creator, chat=chat, user=people.outsider)
    with pytest.raises(ValidationError):
        services.chat_member_remove(actor=people.member, chat=chat, user=people.member)


def test_workgroup_chat_follows_the_group_members(people, django_capture_on_commit_callbacks):
    owner = people.creator
    group = WorkgroupFactory(name="Website relaunch")
    MembershipFactory(group=group, user=owner, role=MemberRole.OWNER)
    with django_capture_on_commit_callbacks(execute=True):
        group_services.group_member_add(actor=owner, group=group, user=people.member)
    with pytest.raises(PermissionDenied):
        services.chat_workgroup_open(actor=people.outsider, group=group)
    chat = services.chat_workgroup_open(actor=people.member, group=group)
    assert services.chat_workgroup_open(actor=owner, group=group).pk == chat.pk
    assert set(chat.memberships.values_list("user_id", flat=True)) == {owner.pk, people.member.pk}

    with django_capture_on_commit_callbacks(execute=True):
        group_services.group_member_add(actor=owner, group=group, user=people.outsider)
    assert ChatMember.objects.filter(chat=chat, user=people.outsider).exists()
    with django_capture_on_commit_callbacks(execute=True):
        group_services.group_member_remove(actor=owner, group=group, user=people.outsider)
    assert not ChatMember.objects.filter(chat=chat, user=people.outsider).exists()
    chat.refresh_from_db()
    assert chat.members_count == 2
    with pytest.raises(ValidationError):  # managed through the group, not the chat
        services.chat_member_add(actor=owner, chat=chat, user=people.outsider)


# --- messages ------------------------------------------------------------------------------------------


def test_send_updates_the_chat_and_reads_for_the_author(people, group_chat):
    message = services.message_send(actor=people.member, chat=group_chat, body="  Hello team  ")
    assert message.body == "Hello team"
    group_chat.refresh_from_db()
    assert group_chat.last_message_id == message.pk
    assert ChatMember.objects.get(chat=group_chat, user=people.member).last_read_message_id == message.pk
    assert selectors.chat_get(user=people.creator, pk=group_chat.pk).unread == 1
    assert selectors.chat_get(user=people.member, pk=group_chat.pk).unread == 0


@pytest.mark.parametrize("body", ["", "   ", "\n\n"])
def test_empty_message_is_refused_and_changes_nothing(people, group_chat, body):
    with pytest.raises(ValidationError) as exc:
        services.message_send(actor=people.member, chat=group_chat, body=body)
    assert "body" in exc.value.message_dict
    assert not Message.objects.exists()


def test_outsider_cannot_post(people, group_chat):
    with pytest.raises(NotFound):
        services.message_send(actor=people.outsider, chat=group_chat, body="let me in")
    with pytest.raises(NotFound):
        services.message_send(actor=people.admin, chat=group_chat, body="admins neither")
    assert not Message.objects.exists()


def test_attachment_is_stored_and_too_large_one_is_refused(people, group_chat, settings, tmp_path):
    settings.LUMEN_CHAT_FILE_MAX_BYTES = 10
    small = SimpleUploadedFile("../../notes.txt", b"tiny", content_type="text/plain")
    message = services.message_send(actor=people.member, chat=group_chat, body="", attachment=small)
    assert message.attachment_name == "notes.txt"
    assert message.attachment_size == 4
    assert message.attachment.file.storage.exists(message.attachment.file.name)

    big = SimpleUploadedFile("big.bin", b"x" * 11)
    with pytest.raises(ValidationError) as exc:
        services.message_send(actor=people.member, chat=group_chat, body="see file", attachment=big)
    assert "attachment" in exc.value.message_dict
    assert "too large" in exc.value.message_dict["attachment"][0]
    assert Message.objects.count() == 1


def test_default_file_limit_without_setting(settings):
    del settings.LUMEN_CHAT_FILE_MAX_BYTES
    assert services.file_max_bytes() == 25 * 1024 * 1024


def test_edit_own_message_only(people, group_chat):
    message = services.message_send(actor=people.member, chat=group_chat, body="Helo")
    with pytest.raises(PermissionDenied):
        services.message_edit(actor=people.creator, message=message, body="Hijacked")
    with pytest.raises(ValidationError):
        services.message_edit(actor=people.member, message=message, body="  ")
    edited = services.message_edit(actor=people.member, message=message, body="Hello")
    assert edited.body == "Hello"
    assert edited.is_edited


def test_delete_own_message_leaves_a_stub_and_removes_the_file(people, group_chat):
    upload = SimpleUploadedFile("plan.txt", b"the plan")
    message = services.message_send(actor=people.member, chat=group_chat, body="plan", attachment=upload)
    stored, storage = message.attachment.file.name, message.attachment.file.storage
    with pytest.raises(PermissionDenied):
        services.message_delete(actor=people.creator, message=message)
    with pytest.raises(NotFound):
        services.message_delete(actor=people.outsider, message=message)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        deleted = services.message_delete(actor=people.member, message=message)
    assert deleted.is_deleted and deleted.body == "" and not deleted.has_attachment
    assert not storage.exists(stored)
    assert selectors.chat_get(user=people.creator, pk=group_chat.pk).unread == 0
    with pytest.raises(ValidationError):
        services.message_edit(actor=people.member, message=deleted, body="back")


def test_mark_read_moves_forward_only(people, group_chat):
    first = services.message_send(actor=people.member, chat=group_chat, body="one")
    second = services.message_send(actor=people.member, chat=group_chat, body="two")
    assert selectors.chat_get(user=people.creator, pk=group_chat.pk).unread == 2
    services.chat_mark_read(actor=people.creator, chat=group_chat, message_id=first.pk)
    assert selectors.chat_get(user=people.creator, pk=group_chat.pk).unread == 1
    services.chat_mark_read(actor=people.creator, chat=group_chat)
    membership = services.chat_mark_read(actor=people.creator, chat=group_chat, message_id=first.pk)
    assert membership.last_read_message_id == second.pk
    # An id beyond the newest message is clamped.
    membership = services.chat_mark_read(actor=people.creator, chat=group_chat, message_id=second.pk + 1000)
    assert membership.last_read_message_id == second.pk


def test_events_are_broadcast_after_commit(
    people, group_chat, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(realtime, "_send", lambda group, message: sent.append((group, message["event"])))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = services.message_send(actor=people.member, chat=group_chat, body="hi")
    assert sent == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert (
        f"chat.{group_chat.pk}",
        {
            "type": "message.new",
            "message_id": message.pk,
            "author_id": people.member.pk,
            "chat_id": group_chat.pk,
        },
    ) in sent
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.chat_mark_read(actor=people.creator, chat=group_chat)
    assert [e["type"] for _g, e in sent] == ["read"]
    assert sent[0][1]["last_read_message_id"] == message.pk


def test_mentions_notify_members_only(people, group_chat, django_capture_on_commit_callbacks):
    pytest.importorskip("portal.notifications.services")
    from portal.notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(
            actor=people.creator, chat=group_chat, body="@mike please check; @otto is not here; mail a@b.c"
        )
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert recipients == {people.member.pk}
    note = Notification.objects.get()
    assert note.kind == "mention" and f"/chat/{group_chat.pk}/" in note.url


def test_mentioned_members_match_email_name_first_name_and_full_name(people, group_chat):
    assert services.mentioned_members(chat=group_chat, body="hi @member", author_id=None) == [people.member]
    assert services.mentioned_members(chat=group_chat, body="@Mike.Member!", author_id=None) == [
        people.member
    ]
    assert services.mentioned_members(chat=group_chat, body="mike@acme.test", author_id=None) == []
    assert services.mentioned_members(chat=group_chat, body="@cora", author_id=people.creator.pk) == []
