"""Contacts: the people the company deals with; a contact may belong to any number of companies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import Entity, LeadSource
from .records import CrmRecord, RecordQuerySet


class ContactQuerySet(RecordQuerySet):
    entity = Entity.CONTACT


class Contact(CrmRecord):
    """A client person."""

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=LeadSource.choices, default=LeadSource.MANUAL
    )
    companies = models.ManyToManyField(
        "crm.Company", through="crm.ContactCompany", related_name="contacts", blank=True
    )
    # Set when merged into another contact: the survivor (this row is then deleted; kept only in the audit).
    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["responsible", "-created_at"], name="crm_contact_resp"),
            models.Index(fields=["last_name", "first_name"], name="crm_contact_name"),
        ]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.full_name or f"#{self.pk}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p).strip()

    def get_absolute_url(self) -> str:
        from portal.core.links import url_for_pk

        return url_for_pk("crm:contact", self.pk)


class ContactCompany(models.Model):
    """A contact's place in a company."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="company_links")
    company = models.ForeignKey("crm.Company", on_delete=models.CASCADE, related_name="contact_links")
    role = models.CharField(_("role"), max_length=200, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "company"], name="crm_contact_company_unique"),
        ]
        indexes = [models.Index(fields=["company", "contact"], name="crm_cc_company")]

    def __str__(self) -> str:
        return f"{self.contact_id} @ {self.company_id}"
