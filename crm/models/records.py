"""What every CRM record (lead, contact, company, deal) has: a responsible person, who made it, custom field
values, and the rights-filtered `visible_to`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel
from portal.core.visibility import is_active_person

from .. import rights
from ..choices import Action


class RecordQuerySet(models.QuerySet):
    """`visible_to(user)` and `allowed(user, action)`: the records the person's CRM roles reach (one filter)."""

    entity: str = ""

    def own_rule(self, user):
        """Extra rows the "own" level reaches besides being responsible (deals: being an observer)."""
        return None

    def allowed(self, user, action: str = Action.VIEW):
        own = self.own_rule(user) if is_active_person(user) else None
        return rights.restrict(
            self, user, self.entity, action, own=(lambda: own) if own is not None else None
        )

    def visible_to(self, user):
        return self.allowed(user, Action.VIEW)


class CrmRecord(TimeStampedModel):
    """Abstract base of leads, contacts, companies and deals."""

    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    # Values of the CRM admin's custom fields ({field key: value}), validated against their definitions
    # (crm.fields); JSON so that a new field needs no migration.
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    # When the last activity was done or planned: "idle deals", "leads without an activity".
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)

    class Meta:
        abstract = True
