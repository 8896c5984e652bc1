"""Process roles: "accountant", "lawyer", "HR", "financial director"... defined by admins and held by people.
A route step can name the holders of a role as approvers; a template can let a role see all its processes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel


class ProcessRole(TimeStampedModel):
    """A role in the company's processes, held by any number of people."""

    key = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="process_roles", verbose_name=_("held by")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("process role")
        verbose_name_plural = _("process roles")

    def __str__(self) -> str:
        return self.name
