"""The demo chats: seeded through the services, and a second run adds nothing."""

from __future__ import annotations

import pytest

from portal.chat.demo import seed_demo_chat
from portal.chat.models import Chat, Message

pytestmark = pytest.mark.django_db


def test_seed_demo_chat_is_idempotent():
    from portal.core.demo import seed_demo
    from portal.people.models import Company

    Company.objects.all().delete()  # the demo registers its own company
    seed_demo()  # the demo company (and, once the lead wires it in, its chats)
    seed_demo_chat()
    chats, messages = Chat.objects.count(), Message.objects.count()
    assert chats >= 5 and messages >= 15
    assert Chat.objects.filter(workgroup__name="Website relaunch").exists()
    second = seed_demo_chat()
    assert second == {"chats": 0, "messages": 0}
    assert (Chat.objects.count(), Message.objects.count()) == (chats, messages)
