"""Fixtures of the chat tests: a group chat with its creator and a member, an outsider and an admin."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.chat import services
from tests.people.factories import AdminFactory, UserFactory


@pytest.fixture
def people(db):
    return SimpleNamespace(
        creator=UserFactory(email="creator@acme.test", first_name="Cora", last_name="Creator"),
        member=UserFactory(email="member@acme.test", first_name="Mike", last_name="Member"),
        outsider=UserFactory(email="outsider@acme.test", first_name="Otto", last_name="Outsider"),
        admin=AdminFactory(email="root@acme.test", first_name="Ada", last_name="Admin"),
    )


@pytest.fixture
def group_chat(people):
    return services.chat_group_create(actor=people.creator, title="Launch", members=[people.member])


@pytest.fixture
def chat_roles(people):
    """The role set of the chat permission matrix."""
    return {
        "anonymous": None,
        "outsider": people.outsider,
        "member": people.member,
        "creator": people.creator,
        "admin": people.admin,
    }
