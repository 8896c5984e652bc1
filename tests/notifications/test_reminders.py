"""Reminders: one per recipient, thing and day, whoever clicks and however often."""

from __future__ import annotations

import datetime

import pytest

from portal.core.errors import Invalid
from portal.notifications.models import Notification, Reminder
from portal.notifications.services import (
    register_notification_kind,
    reminder_send,
    reminder_sent,
    reminders_sent,
)
from tests.people.factories import UserFactory

DAY = datetime.date(2026, 12, 4)


@pytest.fixture(autouse=True)
def kind():
    register_notification_kind("test.reminder", "Test reminders")


def send(actor, recipient, key="thing:1", date=DAY):
    return reminder_send(
        actor=actor, recipient=recipient, key=key, date=date, kind="test.reminder", title="Do it"
    )


@pytest.mark.django_db
def test_a_reminder_goes_once_per_day_and_thing():
    boss, other_boss, person = UserFactory(), UserFactory(), UserFactory()
    assert send(boss, person) is True
    assert send(boss, person) is False  # a second click
    assert send(other_boss, person) is False  # a second supervisor
    assert Notification.objects.filter(recipient=person, kind="test.reminder").count() == 1
    assert send(boss, person, key="thing:2") is True  # another thing
    assert send(boss, person, date=DAY + datetime.timedelta(days=1)) is True  # the next day
    assert Notification.objects.filter(recipient=person, kind="test.reminder").count() == 3
    assert reminder_sent(recipient=person, key="thing:1", date=DAY)
    assert not reminder_sent(recipient=boss, key="thing:1", date=DAY)
    assert reminders_sent(recipients=[person, boss], keys=["thing:1", "thing:3"], date=DAY) == {
        (person.pk, "thing:1")
    }
    assert Reminder.objects.get(recipient=person, key="thing:1", date=DAY).sender == boss


@pytest.mark.django_db
def test_a_reminder_needs_a_key_and_someone_else():
    boss = UserFactory()
    with pytest.raises(Invalid):
        send(boss, boss)
    with pytest.raises(Invalid):
        send(boss, UserFactory(), key="")
    assert not Reminder.objects.exists()
