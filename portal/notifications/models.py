"""Notifications (personal, one row per recipient), per-user e-mail settings, and stored counters."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user) -> NotificationQuerySet:
        """Notifications are personal: everybody, admins included, sees only their own."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(recipient_id=user.pk)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something happened that one person should know about. Written only by `services.notify`."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Set when the e-mail copy is claimed by the mail job, so a repeated job sends nothing twice.
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        ordering = ["-created_at", "-id"]
        indexes = [
            # "My notifications, newest first" (the list page, the API cursor).
            models.Index(fields=["recipient", "-created_at", "-id"], name="notif_recipient_newest"),
            # "My unread, newest first" (the bell dropdown) and the unread counter.
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                condition=Q(read_at__isnull=True),
                name="notif_recipient_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationSetting(models.Model):
    """A person's choice of which notification kinds also come by e-mail.

    Without a row, each kind's default applies (`register_notification_kind(..., email_default=)`).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_setting"
    )
    email_kinds = models.JSONField(_("kinds sent by e-mail"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification setting")

    def __str__(self) -> str:
        return f"{self.user}: {', '.join(self.email_kinds) or '-'}"


class UserCounter(models.Model):
    """One stored per-user number (unread notifications, unread chat messages...), kept by recounts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="counters")
    key = models.CharField(max_length=64)
    value = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("counter")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="usercounter_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}={self.value}"


class Reminder(models.Model):
    """A reminder one person sent another about one thing (`key`, e.g. "reports.missing:2026-12-04") on one
    day: at most one per recipient, key and day, so a supervisor's "Remind" never nags twice."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    key = models.CharField(max_length=120)
    date = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key", "date"], name="reminder_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}:{self.key}@{self.date}"
