"""Every write of notifications. Other apps call `notify(...)`; nothing else creates a Notification."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from portal.core.errors import Invalid, NotFound
from portal.core.i18n import render
from portal.core.registry import NotificationKind, registry

from .counters import counters_recount
from .models import Notification, NotificationSetting, Reminder
from .realtime import push_to_users

log = logging.getLogger(__name__)

UNREAD_COUNTER = "notifications.unread"


# --- kinds ---------------------------------------------------------------------------------------


def register_notification_kind(key: str, label, *, email_default: bool = False) -> NotificationKind:
    """Declare a kind of notification (shown on the settings page), into core's `registry.notification_kinds`."""
    if not key or len(key) > 64:
        raise ValueError(f"Notification kind must be 1-64 characters: {key!r}")
    return registry.notification_kinds.register(
        NotificationKind(key=key, label=label, email_default=email_default)
    )


def notification_kinds() -> list[NotificationKind]:
    return sorted(registry.notification_kinds, key=lambda k: k.key)


def notification_kind_get(key: str) -> NotificationKind | None:
    return registry.notification_kinds.get(key)


def register_builtin_kinds() -> None:
    """The kinds of the portal itself (called from the app's `ready()`)."""
    register_notification_kind("mention", _("Somebody mentioned me"), email_default=True)
    register_notification_kind("comment", _("A comment on my post"))
    register_notification_kind("like", _("Somebody liked my post"))
    register_notification_kind("poll_closed", _("A poll I took part in closed"))
    register_notification_kind("announcement", _("An important announcement"), email_default=True)
    register_notification_kind("system", _("System messages"))


def email_kinds_for(setting: NotificationSetting | None) -> set[str]:
    """The kinds a person gets by e-mail: their saved choice, else each kind's default."""
    if setting is not None:
        return {k for k in setting.email_kinds if k in registry.notification_kinds}
    return {k.key for k in registry.notification_kinds if k.email_default}


# --- notify --------------------------------------------------------------------------------------


def _pk(value) -> int | None:
    if value is None:
        return None
    return int(getattr(value, "pk", value))


def notification_payload(notification: Notification) -> dict:
    """What the browser receives live (and the bell dropdown shows)."""
    actor = notification.actor
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body[:300],
        "url": notification.url,
        "actor": {"id": actor.pk, "name": actor.full_name or actor.email} if actor else None,
        "created_at": notification.created_at.isoformat(),
    }


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _texts_by_language(people, *, title, body) -> dict[str, tuple[str, str]]:
    """{language: (title, body)} rendered once per language among the recipients (a lazy message is
    translated for its reader; a plain string stays as it is)."""
    texts = {}
    for language in sorted({person.language or settings.LANGUAGE_CODE for person in people}):
        with translation.override(language):
            rendered_title = _one_line(render(title))  # one line: it is also the e-mail subject
            rendered_body = render(body)
        if not rendered_title:
            raise ValueError("A notification needs a title.")
        texts[language] = (rendered_title[:300], rendered_body)
    return texts


@transaction.atomic
def notify(
    *,
    recipients,
    kind: str,
    title,
    actor=None,
    body="",
    url: str = "",
    target=None,
) -> list[Notification]:
    """Notify people (users or ids) of something. Skips the actor and inactive people.

    `title` and `body` are plain text or, better, lazy messages (`portal.core.i18n.message`): those are
    rendered in each recipient's language (`User.language`), once per language, and stored that way, so
    the bell, the list and the e-mail copy read in the recipient's language whatever the actor's.
    Stores the rows in one insert, pushes each new notification live and recounts the bell after commit,
    and queues an e-mail copy for those whose settings want this kind by e-mail.
    """
    if kind not in registry.notification_kinds:
        raise ValueError(
            f"Unknown notification kind {kind!r}; register it with register_notification_kind()."
        )
    if title is None or (isinstance(title, str) and not _one_line(title)):
        raise ValueError("A notification needs a title.")
    actor_id = _pk(actor)
    wanted = {_pk(r) for r in recipients} - {None, actor_id}
    if not wanted:
        return []
    people = list(
        get_user_model()
        .objects.filter(pk__in=wanted, is_active=True)
        .select_related("notification_setting")
        .order_by("pk")
    )
    if not people:
        return []
    texts = _texts_by_language(people, title=title, body=body)
    target_type, target_id = None, ""
    if target is not None:
        target_type = ContentType.objects.get_for_model(target)
        target_id = str(target.pk)
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient=person,
                kind=kind,
                actor_id=actor_id,
                title=texts[person.language or settings.LANGUAGE_CODE][0],
                body=texts[person.language or settings.LANGUAGE_CODE][1],
                url=str(url or "")[:500],
                target_type=target_type,
                target_id=target_id,
                created_at=now,
            )
            for person in people
        ]
    )
    if actor_id is not None and not isinstance(actor, int):
        for row in rows:
            row.actor = actor
    # Push first, recount second: the page bumps the bell, then the counter event sets the true number.
    for row in rows:
        push_to_users(
            [row.recipient_id], {"event": "notification", "notification": notification_payload(row)}
        )
    counters_recount([p.pk for p in people], [UNREAD_COUNTER])

    from .jobs import notification_email_send

    for person, row in zip(people, rows, strict=True):
        setting = getattr(person, "notification_setting", None)
        if person.email and kind in email_kinds_for(setting):
            transaction.on_commit(lambda pk=row.pk: notification_email_send.delay(pk))
    return rows


def notification_email_deliver(*, notification_id: int) -> bool:
    """Send one notification's e-mail copy once (the job's body). Returns whether a mail went out."""
    from portal.core.mail import mail_send

    notification = (
        Notification.objects.select_related("recipient", "actor", "recipient__notification_setting")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.emailed_at is not None:
        return False
    recipient = notification.recipient
    if not recipient.is_active or not recipient.email:
        return False
    if notification.kind not in email_kinds_for(getattr(recipient, "notification_setting", None)):
        return False
    # Claim the copy first; if sending fails the claim is released so the retry can send.
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    kind = registry.notification_kinds.get(notification.kind)
    try:
        mail_send(
            to=[recipient.email],
            subject=notification.title,
            template="notifications/email/notification",
            context={
                "notification": notification,
                "recipient": recipient,
                "kind_label": kind.label if kind else notification.kind,
            },
            language=recipient.language or None,
            time_zone=recipient.time_zone or None,
        )
    except Exception:
        Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
        raise
    return True


# --- reading and settings ------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, user, notification: Notification) -> Notification:
    """Mark one of the user's notifications read (nothing happens when it already is)."""
    if notification.recipient_id != getattr(user, "pk", None):
        raise NotFound("No notification matches the given query.")
    if notification.read_at is None:
        now = timezone.now()
        updated = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
        if updated:
            counters_recount([user.pk], [UNREAD_COUNTER])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of the user read. Returns how many changed."""
    changed = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if changed:
        counters_recount([user.pk], [UNREAD_COUNTER])
    return changed


@transaction.atomic
def notification_settings_update(*, user, email_kinds: Iterable[str]) -> NotificationSetting:
    """Save which kinds the user also gets by e-mail (all others: on the portal only)."""
    kinds = set(email_kinds)
    unknown = sorted(kinds - set(registry.notification_kinds.keys()))
    if unknown:
        raise Invalid({"email_kinds": [_("Unknown kinds: %(k)s") % {"k": ", ".join(unknown)}]})
    setting, _created = NotificationSetting.objects.update_or_create(
        user=user, defaults={"email_kinds": sorted(kinds)}
    )
    return setting


# --- reminders -----------------------------------------------------------------------------------


def reminder_sent(*, recipient, key: str, date) -> bool:
    """Whether `recipient` was already reminded of `key` on `date`."""
    return Reminder.objects.filter(recipient_id=_pk(recipient), key=key, date=date).exists()


def reminders_sent(*, recipients, keys, date) -> set[tuple[int, str]]:
    """The (recipient id, key) pairs among `recipients` x `keys` already reminded on `date` (one query)."""
    rows = Reminder.objects.filter(
        recipient_id__in=[_pk(r) for r in recipients], key__in=list(keys), date=date
    ).values_list("recipient_id", "key")
    return set(rows)


@transaction.atomic
def reminder_send(
    *, actor, recipient, key: str, date, kind: str, title, body="", url: str = "", target=None
) -> bool:
    """Remind `recipient` of something (`key` names it, e.g. "reports.missing:2026-12-04") once per `date`:
    notify them (kind `kind`, as `notify`) and record it. False, and nothing sent, when they were already
    reminded of it that day (a second click, a second supervisor, a double submit)."""
    if not key:
        raise Invalid(_("A reminder needs a key."))
    recipient_id = _pk(recipient)
    if recipient_id is None or recipient_id == _pk(actor):
        raise Invalid(_("You cannot remind yourself."))
    # The unique constraint decides between two concurrent clicks: the second insert fails and sends nothing.
    try:
        with transaction.atomic():
            Reminder.objects.create(recipient_id=recipient_id, sender_id=_pk(actor), key=key[:120], date=date)
    except IntegrityError:
        return False
    notify(recipients=[recipient_id], kind=kind, title=title, actor=actor, body=body, url=url, target=target)
    return True
