"""Factories of notifications. They only lay rows; tests of rules call services."""

import factory

from portal.notifications.models import Notification
from tests.people.factories import UserFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "system"
    title = factory.Sequence(lambda n: f"Notification {n}")
    url = "/"
