"""Factories for chats. They only lay data; tests of the rules call the services."""

import factory

from portal.chat.choices import ChatKind
from portal.chat.models import Chat, ChatMember, Message


class ChatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chat

    kind = ChatKind.GROUP
    title = factory.Sequence(lambda n: f"Chat {n}")


class ChatMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChatMember

    chat = factory.SubFactory(ChatFactory)
    user = factory.SubFactory("tests.people.factories.UserFactory")


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    chat = factory.SubFactory(ChatFactory)
    author = factory.SubFactory("tests.people.factories.UserFactory")
    body = factory.Sequence(lambda n: f"Message number {n}")
