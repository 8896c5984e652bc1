"""Leads: inquiries not yet qualified, from e-mail, web forms, stores, calls, by hand or imported."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from ..choices import Entity, LeadSource, LeadStatus
from .records import CrmRecord, RecordQuerySet


class LeadQuerySet(RecordQuerySet):
    entity = Entity.LEAD


class Lead(CrmRecord):
    """An inquiry. Converting it makes a contact and/or a company and/or a deal, which keep a link back."""

    title = models.CharField(_("title"), max_length=300)
    source = models.CharField(
        _("source"), max_length=16, choices=LeadSource.choices, default=LeadSource.MANUAL
    )
    # Where exactly it came from: the mailbox, form or store connection's name, the caller's number...
    source_detail = models.CharField(_("source details"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    junk_reason = models.CharField(_("reason"), max_length=300, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company_name = models.CharField(_("company name"), max_length=300, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    amount = MoneyField(
        _("expected amount"), max_digits=16, decimal_places=2, null=True, blank=True, default_currency=None
    )
    utm = models.JSONField(_("UTM tags"), default=dict, blank=True)
    # When someone first took it in work (status left "new" or an activity was added): "not taken in N minutes".
    taken_at = models.DateTimeField(_("taken in work"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    company = models.ForeignKey(
        "crm.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["responsible", "status", "-created_at"], name="crm_lead_resp_status"),
            models.Index(fields=["status", "-created_at"], name="crm_lead_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=LeadStatus.JUNK) | ~Q(junk_reason=""), name="crm_lead_junk_has_reason"
            ),
        ]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")

    def __str__(self) -> str:
        return self.title

    @property
    def person_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def get_absolute_url(self) -> str:
        from portal.core.links import url_for_pk

        return url_for_pk("crm:lead", self.pk)
