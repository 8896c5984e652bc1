"""Phones, e-mails, messengers, websites and addresses of leads, contacts and companies.

One table for all of them, so that the duplicate check, the caller's card and the e-mail intake find a record by
its normalised phone (E.164) or e-mail in one indexed query, whatever kind of record holds it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import CommunicationKind, CommunicationType


class Communication(models.Model):
    """One phone, e-mail, messenger, website or address of exactly one lead, contact or company."""

    kind = models.CharField(_("kind"), max_length=16, choices=CommunicationKind.choices)
    type = models.CharField(
        _("type"), max_length=16, choices=CommunicationType.choices, default=CommunicationType.WORK
    )
    value = models.CharField(_("value"), max_length=500)
    # Phones in E.164, e-mails lowercased, the rest as typed (stripped): what duplicates are matched on.
    normalized = models.CharField(max_length=255, blank=True, db_index=True)
    # A phone's last ten digits: matches a number written without its country code.
    tail = models.CharField(max_length=16, blank=True)
    lead = models.ForeignKey(
        "crm.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="communications"
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="communications"
    )
    company = models.ForeignKey(
        "crm.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="communications"
    )
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "sort", "id"]
        indexes = [
            models.Index(fields=["kind", "normalized"], name="crm_comm_kind_norm"),
            models.Index(fields=["kind", "tail"], name="crm_comm_kind_tail"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lead__isnull=False, contact__isnull=True, company__isnull=True)
                | Q(lead__isnull=True, contact__isnull=False, company__isnull=True)
                | Q(lead__isnull=True, contact__isnull=True, company__isnull=False),
                name="crm_communication_one_owner",
            )
        ]
        verbose_name = _("communication")

    def __str__(self) -> str:
        return self.value
