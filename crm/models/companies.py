"""Companies: the organisations the company deals with."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from ..choices import Entity, LeadSource
from .records import CrmRecord, RecordQuerySet


class CompanyKind(models.TextChoices):
    CLIENT = "client", _("Client")
    SUPPLIER = "supplier", _("Supplier")
    PARTNER = "partner", _("Partner")
    COMPETITOR = "competitor", _("Competitor")
    OTHER = "other", _("Other")


class CompanyQuerySet(RecordQuerySet):
    entity = Entity.COMPANY


class Company(CrmRecord):
    """A client organisation."""

    # "A very similar company name" is a trigram match on PostgreSQL (a GIN index the migration makes there).
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=16, choices=CompanyKind.choices, default=CompanyKind.CLIENT)
    industry = models.CharField(_("industry"), max_length=200, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    tax_id = models.CharField(_("tax number"), max_length=50, blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=LeadSource.choices, default=LeadSource.MANUAL
    )
    objects = CompanyQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["responsible", "-created_at"], name="crm_company_resp"),
            models.Index(Upper("name"), name="crm_company_name_upper"),
        ]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from portal.core.links import url_for_pk

        return url_for_pk("crm:company", self.pk)
