"""Connected mailboxes: a beat job fetches new messages (IMAP) into activities and leads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel

from ..choices import MailSecurity


class Mailbox(TimeStampedModel):
    """An IMAP mailbox. The password is stored encrypted (crm.crypto); UIDVALIDITY and the last UID read say
    where the next fetch starts, so nothing is read twice. A failed fetch is kept in `last_error`."""

    name = models.CharField(_("name"), max_length=100)
    host = models.CharField(_("IMAP server"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("security"), max_length=10, choices=MailSecurity.choices, default=MailSecurity.SSL
    )
    login = models.CharField(_("login"), max_length=255)
    password_encrypted = models.TextField(blank=True, editable=False)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible for new leads"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    messages_read = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name
