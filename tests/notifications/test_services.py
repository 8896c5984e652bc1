import pytest
from django.core.exceptions import ValidationError

from portal.core.errors import NotFound
from portal.notifications import services
from portal.notifications.models import Notification, NotificationSetting
from tests.notifications.factories import NotificationFactory
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_notify_skips_actor_and_inactive_people(org, commit, stored):
    inactive = UserFactory(is_active=False)
    with commit():
        rows = services.notify(
            recipients=[org.east_rep, org.sales_head, inactive, org.developer.pk],
            kind="comment",
            title="New comment",
            actor=org.sales_head,
            url="/stream/",
        )
    assert sorted(n.recipient_id for n in rows) == sorted([org.east_rep.pk, org.developer.pk])
    assert not Notification.objects.filter(recipient__in=[org.sales_head, inactive]).exists()
    assert all(n.actor_id == org.sales_head.pk and n.read_at is None for n in rows)
    assert stored(org.east_rep)["notifications.unread"] == 1
    assert stored(org.sales_head)["notifications.unread"] == 0


def test_notify_stores_target_and_returns_nothing_for_nobody(org, commit):
    target = org.sales
    with commit():
        rows = services.notify(recipients=[org.east_rep], kind="system", title="Dept\nchanged", target=target)
    assert rows[0].target == target and rows[0].title == "Dept changed"
    assert services.notify(recipients=[org.east_rep], kind="system", title="x", actor=org.east_rep) == []


def test_notify_rejects_unknown_kind(org):
    with pytest.raises(ValueError):
        services.notify(recipients=[org.east_rep], kind="nope", title="x")
    assert not Notification.objects.exists()


def test_email_follows_each_persons_settings(org, commit, mailoutbox):
    # mention goes by e-mail by default; comment does not, unless chosen.
    services.notification_settings_update(user=org.developer, email_kinds={"comment"})
    with commit():
        services.notify(
            recipients=[org.east_rep, org.developer],
            kind="mention",
            title="You were mentioned",
            url="/stream/",
        )
    assert [m.to for m in mailoutbox] == [[org.east_rep.email]]
    mail = mailoutbox[0]
    assert mail.subject == "You were mentioned"
    assert "/stream/" in mail.body and "/notifications/settings/" in mail.body
    assert mail.alternatives and "You were mentioned" in mail.alternatives[0][0]
    mailoutbox.clear()
    with commit():
        services.notify(recipients=[org.east_rep, org.developer], kind="comment", title="A comment")
    assert [m.to for m in mailoutbox] == [[org.developer.email]]


def test_email_job_is_safe_to_repeat(org, commit, mailoutbox):
    from portal.notifications.jobs import notification_email_send

    with commit():
        [row] = services.notify(recipients=[org.east_rep], kind="announcement", title="All-hands")
    assert len(mailoutbox) == 1
    assert notification_email_send(row.pk) is False
    assert notification_email_send(999999) is False
    assert len(mailoutbox) == 1


def test_mark_read_and_mark_all(org, commit, stored):
    with commit():
        rows = services.notify(recipients=[org.east_rep], kind="like", title="Liked")
        rows += services.notify(recipients=[org.east_rep, org.developer], kind="like", title="Liked again")
    assert stored(org.east_rep)["notifications.unread"] == 2
    mine = [r for r in rows if r.recipient_id == org.east_rep.pk]
    with commit():
        services.notification_mark_read(user=org.east_rep, notification=mine[0])
        services.notification_mark_read(user=org.east_rep, notification=mine[0])  # again: nothing changes
    assert stored(org.east_rep)["notifications.unread"] == 1
    with commit():
        assert services.notifications_mark_all_read(user=org.east_rep) == 1
        assert services.notifications_mark_all_read(user=org.east_rep) == 0
    assert stored(org.east_rep)["notifications.unread"] == 0
    assert stored(org.developer)["notifications.unread"] == 1


def test_mark_read_of_another_persons_notification_is_404(org):
    other = NotificationFactory(recipient=org.developer)
    with pytest.raises(NotFound):
        services.notification_mark_read(user=org.east_rep, notification=other)
    other.refresh_from_db()
    assert other.read_at is None


def test_settings_update_validates_kinds(org):
    with pytest.raises(ValidationError):
        services.notification_settings_update(user=org.east_rep, email_kinds={"comment", "bogus"})
    assert not NotificationSetting.objects.exists()
    services.notification_settings_update(user=org.east_rep, email_kinds={"comment", "like"})
    services.notification_settings_update(user=org.east_rep, email_kinds=set())
    assert NotificationSetting.objects.get(user=org.east_rep).email_kinds == []


def test_builtin_kinds_are_registered():
    keys = {k.key for k in services.notification_kinds()}
    assert {"mention", "comment", "like", "poll_closed", "announcement", "system"} <= keys


def test_notify_pushes_each_notification_live(org, commit, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "portal.notifications.realtime._send", lambda ids, message: sent.append((ids, message))
    )
    with commit():
        services.notify(recipients=[org.east_rep, org.developer], kind="system", title="Hello", actor=org.ceo)
    events = [(ids, m["payload"]["event"]) for ids, m in sent]
    assert ([org.east_rep.pk], "notification") in events and ([org.developer.pk], "notification") in events
    assert ([org.east_rep.pk], "counters") in events
    note = next(m["payload"]["notification"] for ids, m in sent if m["payload"]["event"] == "notification")
    assert note["title"] == "Hello" and note["actor"]["id"] == org.ceo.pk


def test_live_push_failure_is_logged_not_raised(org, commit, monkeypatch, caplog):
    class Broken:
        async def group_send(self, group, message):
            raise ConnectionError("layer down")

    monkeypatch.setattr("channels.layers.get_channel_layer", lambda *a, **k: Broken())
    with commit():
        rows = services.notify(recipients=[org.east_rep], kind="system", title="Still stored")
    assert len(rows) == 1 and "live push" in caplog.text
