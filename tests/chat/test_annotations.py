"""The message annotation registry: notes other apps show under messages ("Task: ...")."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.chat import services
from portal.chat.annotations import (
    message_annotations,
    register_message_annotation,
    registered_message_annotations,
    unregister_message_annotation,
)
from tests.utils import client_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    seen: list[list[int]] = []

    def provider(user, messages):
        seen.append([m.pk for m in messages])
        return {
            m.pk: [(f"Note for {user.first_name}", f"/notes/{m.pk}/")] for m in messages if "note" in m.body
        }

    register_message_annotation("test.notes", provider, icon="bi-star")
    yield seen
    unregister_message_annotation("test.notes")


def test_notes_come_from_one_call_for_the_whole_page(people, group_chat, calls):
    first = services.message_send(actor=people.creator, chat=group_chat, body="a note here")
    second = services.message_send(actor=people.creator, chat=group_chat, body="nothing")
    html = client_as(people.member).get(reverse("chat:detail", args=[group_chat.pk])).content.decode()
    assert calls == [[first.pk, second.pk]]
    assert f'href="/notes/{first.pk}/" data-annotation="test.notes"' in html
    assert f"/notes/{second.pk}/" not in html
    assert "Note for Mike" in html and "bi-star" in html


def test_deleted_messages_get_no_notes(people, group_chat, calls):
    message = services.message_send(actor=people.creator, chat=group_chat, body="a note")
    services.message_delete(actor=people.creator, message=message)
    message.refresh_from_db()
    assert message_annotations(people.member, [message]) == {message.pk: []}
    assert calls == []


def test_a_single_rendered_message_gets_its_notes(people, group_chat, calls):
    from portal.chat.rendering import render_message

    message = services.message_send(actor=people.creator, chat=group_chat, body="note")
    assert f"/notes/{message.pk}/" in render_message(message=message, viewer=people.member)


def test_the_tasks_app_registers_its_note_and_a_key_is_needed():
    assert "tasks.made_from" in [a.key for a in registered_message_annotations()]
    with pytest.raises(ValueError):
        register_message_annotation("", lambda user, messages: {})
