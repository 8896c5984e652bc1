"""The message action registry: what other apps (tasks, later) add to each message's menu."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.chat import services
from portal.chat.actions import message_actions, register_message_action, unregister_message_action
from tests.utils import client_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def task_action():
    action = register_message_action(
        "test.to_task",
        label="Turn into a task",
        icon="bi-check2-square",
        url=lambda message: f"/tasks/new/?from_message={message.pk}",
        available=lambda user, message: user.first_name != "Cora",
    )
    yield action
    unregister_message_action("test.to_task")


def test_registered_action_is_offered_where_available(people, group_chat, task_action):
    message = services.message_send(actor=people.member, chat=group_chat, body="Please fix the login page")
    [bound] = [a for a in message_actions(people.member, message) if a.key == "test.to_task"]
    assert bound.url == f"/tasks/new/?from_message={message.pk}"
    assert "test.to_task" not in [a.key for a in message_actions(people.creator, message)]  # not for Cora
    services.message_delete(actor=people.member, message=message)
    message.refresh_from_db()
    assert message_actions(people.member, message) == []  # nothing to do with a deleted message


def test_action_appears_in_the_message_menu(people, group_chat, task_action):
    message = services.message_send(actor=people.creator, chat=group_chat, body="Fix it")
    html = client_as(people.member).get(reverse("chat:detail", args=[group_chat.pk])).content.decode()
    assert 'data-action="test.to_task"' in html
    assert f"/tasks/new/?from_message={message.pk}" in html
    unregister_message_action("test.to_task")
    html = client_as(people.member).get(reverse("chat:detail", args=[group_chat.pk])).content.decode()
    assert 'data-action="test.to_task"' not in html


def test_only_the_apps_own_actions_are_registered_by_default():
    from portal.chat.actions import registered_message_actions

    assert [a.key for a in registered_message_actions()] == ["tasks.from_message"]


def test_an_action_needs_a_key():
    with pytest.raises(ValueError):
        register_message_action("", label="x", icon="bi-x", url=str, available=lambda u, m: True)
