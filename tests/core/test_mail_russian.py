"""The e-mails a Russian person gets are Russian through and through: subject, text and HTML.

Each mail is rendered by its real job or service; every Latin word left in it (outside addresses, links and
the names of the company, the product and the people) is a template string that missed its translation.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.html import strip_tags

from tests.people.factories import CompanyFactory, DepartmentFactory, InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

# Proper names (the product, the company, people, departments) and the zone's abbreviation stay as they are.
ALLOWED = {"Lumen", "MSK", "Europe", "Moscow", "e-mail"}
ENGLISH_PHRASES = [
    "Hello",
    "Open this link",
    "expires on",
    "You get this e-mail",
    "Change it here",
    "Reset your password",
    "You are invited",
    "invites you",
    "Control digest",
]


def _latin_words(text: str) -> set[str]:
    text = re.sub(r"https?://\S+|\S+@\S+|&\w+;|#\w+", " ", strip_tags(text))
    return {w for w in re.findall(r"[A-Za-z][A-Za-z'-]+", text) if w not in ALLOWED}


def _assert_russian(message, *, names=()) -> None:
    allowed = ALLOWED | {word for name in names for word in name.split()}
    parts = {"subject": message.subject, "body": message.body}
    for content, kind in getattr(message, "alternatives", []):
        if kind == "text/html":
            parts["html"] = re.sub(r"<(style|head)\b.*?</\1>", " ", content, flags=re.S)
    for name, text in parts.items():
        assert re.search("[а-яА-Я]", text), f"{name} has no Russian: {text!r}"
        for phrase in ENGLISH_PHRASES:
            assert phrase not in text, f"{name} keeps {phrase!r}: {text!r}"
        left = _latin_words(text) - allowed
        assert not left, f"{name} keeps English words {left}: {text!r}"


@pytest.fixture
def russians(db):
    CompanyFactory(name="Acme")
    department = DepartmentFactory(name="Sales")
    boss = UserFactory(
        email="olga@acme.test",
        first_name="Olga",
        last_name="Smirnova",
        department=department,
        language="ru",
        time_zone="Europe/Moscow",
    )
    person = UserFactory(
        email="ivan@acme.test",
        first_name="Ivan",
        last_name="Petrov",
        department=department,
        language="ru",
        time_zone="Europe/Moscow",
    )
    type(department).objects.filter(pk=department.pk).update(head=boss)
    return boss, person


# Always ahead of today, at 06:30 UTC (09:30 in Moscow).
EXPIRES = datetime.datetime.combine(
    datetime.date(timezone.now().year + 1, 1, 14), datetime.time(6, 30), tzinfo=datetime.UTC
)
NAMES = ["Acme", "Sales", "Olga Smirnova", "Ivan Petrov", "Acme Ltd"]


def test_the_invitation_of_a_russian_inviter_is_russian(russians):
    months = {1: "января", 2: "февраля", 3: "марта", 11: "ноября", 12: "декабря"}
    from portal.people.jobs import invitation_mail_send

    boss, person = russians
    invitation = InvitationFactory(
        email="new@acme.test",
        invited_by=boss,
        department=person.department,
        expires_at=EXPIRES,
    )
    assert invitation_mail_send(invitation.pk) is True
    (message,) = mail.outbox
    _assert_russian(message, names=NAMES)
    # The inviter's zone and a genitive month ("j F" read "14 Ноябрь" in Russian).
    assert f"{EXPIRES.day} {months[EXPIRES.month]} {EXPIRES.year}, 09:30 MSK" in message.body


def test_the_password_reset_mail_is_russian(russians):
    from portal.people.jobs import password_reset_mail_send

    _boss, person = russians
    person.set_password("a-long-enough-password")
    person.save(update_fields=["password"])
    assert password_reset_mail_send(person.pk) is True
    (message,) = mail.outbox
    _assert_russian(message, names=NAMES)


def test_a_notifications_copy_is_russian(russians):
    from portal.notifications.models import Notification, NotificationSetting
    from portal.notifications.services import notification_email_deliver
    from reports import services

    boss, person = russians
    NotificationSetting.objects.update_or_create(
        user=person, defaults={"email_kinds": ["timesheet_confirmed"]}
    )
    services.timesheet_confirm(actor=boss, person=person, month="2026-03")
    notification = Notification.objects.get(recipient=person)
    assert notification_email_deliver(notification_id=notification.pk) is True
    (message,) = mail.outbox
    _assert_russian(message, names=NAMES)
    assert message.subject.startswith("Ваш табель за март 2026 г.")
    assert "часов: 0,0." in message.body  # a Russian decimal comma


def test_the_control_digest_is_russian(org):
    from reports import services

    head = org.sales_head
    type(head).objects.filter(pk=head.pk).update(language="ru", time_zone="Europe/Moscow")
    head.refresh_from_db()
    day = timezone.localdate() - datetime.timedelta(days=1)
    digest = services.digest_build(recipient=head, kind="supervisor", date=day)
    assert digest is not None
    assert services.digest_send(digest_id=digest.pk) is True
    (message,) = mail.outbox
    people = type(head).objects.all()
    _assert_russian(message, names=[p.full_name for p in people] + [d.name for d in [org.sales, org.east]])
    assert "2026-" not in message.subject  # the day in words: "за 5 декабря 2026 г."
