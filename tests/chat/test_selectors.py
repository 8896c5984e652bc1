"""Chat selectors: what each person sees, unread counts, keyset history and read receipts."""

from __future__ import annotations

import pytest

from portal.chat import selectors, services
from portal.chat.models import Chat, ChatMember, Message
from portal.core.errors import NotFound

pytestmark = pytest.mark.django_db


def test_visible_to_is_membership_only(people, group_chat):
    assert list(Chat.objects.visible_to(people.member)) == [group_chat]
    assert not Chat.objects.visible_to(people.outsider).exists()
    assert not Chat.objects.visible_to(people.admin).exists()  # admins do not read others' chats
    from django.contrib.auth.models import AnonymousUser

    assert not Chat.objects.visible_to(AnonymousUser()).exists()
    people.member.is_active = False
    assert not Chat.objects.visible_to(people.member).exists()


def test_hidden_and_missing_chats_answer_404(people, group_chat):
    with pytest.raises(NotFound):
        selectors.chat_get(user=people.outsider, pk=group_chat.pk)
    with pytest.raises(NotFound):
        selectors.chat_get(user=people.member, pk=group_chat.pk + 999)
    message = services.message_send(actor=people.member, chat=group_chat, body="secret")
    with pytest.raises(NotFound):
        selectors.message_get(user=people.admin, pk=message.pk)


def test_chat_list_orders_by_activity_and_counts_unread(people, group_chat):
    direct = services.chat_direct_open(actor=people.member, other=people.outsider)
    services.message_send(actor=people.creator, chat=group_chat, body="first")
    services.message_send(actor=people.outsider, chat=direct, body="newer")
    services.message_send(actor=people.outsider, chat=direct, body="newest")
    chats = list(selectors.chat_list(user=people.member))
    assert [c.pk for c in chats] == [direct.pk, group_chat.pk]
    assert [c.unread for c in chats] == [2, 1]
    assert [m.user for m in chats[0].direct_others] == [people.outsider]
    assert chats[1].direct_others == []
    # The list is found by a group title or the other person's name.
    assert [c.pk for c in selectors.chat_list(user=people.member, query="launch")] == [group_chat.pk]
    assert [c.pk for c in selectors.chat_list(user=people.member, query="outsid")] == [direct.pk]


def test_deleted_messages_and_my_own_are_not_unread(people, group_chat):
    mine = services.message_send(actor=people.member, chat=group_chat, body="mine")
    theirs = services.message_send(actor=people.creator, chat=group_chat, body="theirs")
    assert selectors.unread_counts([people.member.pk, people.creator.pk]) == {
        people.member.pk: 1,
        people.creator.pk: 0,
    }
    services.message_delete(actor=people.creator, message=theirs)
    assert selectors.unread_counts([people.member.pk])[people.member.pk] == 0
    assert mine.pk < theirs.pk


def test_unread_counts_add_up_across_chats_and_count_authorless_messages(people, group_chat):
    direct = services.chat_direct_open(actor=people.member, other=people.creator)
    services.message_send(actor=people.creator, chat=group_chat, body="a")
    services.message_send(actor=people.creator, chat=direct, body="b")
    gone = services.message_send(actor=people.creator, chat=direct, body="c")
    Message.objects.filter(pk=gone.pk).update(author=None)  # its author's account was deleted
    counts = selectors.unread_counts([people.member.pk, people.outsider.pk])
    assert counts == {people.member.pk: 3, people.outsider.pk: 0}


def test_unread_counter_is_registered_and_kept_in_step(
    people, group_chat, django_capture_on_commit_callbacks
):
    counters = pytest.importorskip("portal.notifications.counters")
    assert "chat.unread" in {d.key for d in counters.counter_definitions()}
    definition = next(d for d in counters.counter_definitions() if d.key == "chat.unread")
    assert definition.area == "chat"
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(actor=people.creator, chat=group_chat, body="one")
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(actor=people.creator, chat=group_chat, body="two")
    assert counters.counters_get(people.member)["chat.unread"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.chat_mark_read(actor=people.member, chat=group_chat)
    assert counters.counters_get(people.member)["chat.unread"] == 0


def test_message_page_is_keyset_by_id(people, group_chat):
    sent = [services.message_send(actor=people.member, chat=group_chat, body=f"m{i}") for i in range(7)]
    page = selectors.message_page(user=people.creator, chat=group_chat, limit=3)
    assert [m.pk for m in page.messages] == [m.pk for m in sent[-3:]]
    assert page.has_older
    older = selectors.message_page(user=people.creator, chat=group_chat, before=page.oldest_id, limit=3)
    assert [m.pk for m in older.messages] == [m.pk for m in sent[1:4]]
    oldest = selectors.message_page(user=people.creator, chat=group_chat, before=older.oldest_id, limit=3)
    assert [m.pk for m in oldest.messages] == [sent[0].pk]
    assert not oldest.has_older
    assert selectors.message_page(user=people.outsider, chat=group_chat).messages == []


def test_seen_by_comes_from_the_members_read_marks(people, group_chat):
    services.chat_member_add(actor=people.creator, chat=group_chat, user=people.outsider)
    first = services.message_send(actor=people.creator, chat=group_chat, body="one")
    second = services.message_send(actor=people.creator, chat=group_chat, body="two")
    services.chat_mark_read(actor=people.member, chat=group_chat, message_id=first.pk)
    services.chat_mark_read(actor=people.outsider, chat=group_chat)
    members = list(ChatMember.objects.filter(chat=group_chat).select_related("user"))
    seen = selectors.seen_by([first, second], members)
    assert set(seen[first.pk]) == {people.member, people.outsider}
    assert seen[second.pk] == [people.outsider]  # the author is never listed


def test_people_for_chat_excludes_me_inactive_and_current_members(people, group_chat):
    from tests.people.factories import UserFactory

    UserFactory(first_name="Mona", is_active=False)
    found = list(selectors.people_for_chat(user=people.creator, query="", exclude_chat=group_chat))
    assert people.creator not in found and people.member not in found
    assert people.outsider in found
    assert all(p.is_active for p in found)
    assert list(selectors.people_for_chat(user=people.creator, query="otto outs")) == [people.outsider]
