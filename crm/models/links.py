"""What an activity, a timeline entry and a file share: links to the records they concern, and the rule that
they are visible to whoever sees one of those records."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from portal.core.visibility import NOTHING, any_of, is_active_person

from .. import rights
from ..choices import Entity, Level

LINK_FIELDS = {"lead": Entity.LEAD, "contact": Entity.CONTACT, "company": Entity.COMPANY, "deal": Entity.DEAL}


class RecordLinks(models.Model):
    """Nullable links to a lead, a contact, a company and a deal (at least one is set by the services)."""

    lead = models.ForeignKey("crm.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    company = models.ForeignKey(
        "crm.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    deal = models.ForeignKey("crm.Deal", null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True

    @property
    def records(self) -> list:
        return [getattr(self, name) for name in LINK_FIELDS if getattr(self, f"{name}_id")]


def linked_visible(queryset, user, *, own: Q | None = None):
    """Rows linked to a record the person may see (each link an ``IN`` of that entity's visible ids), plus `own`.
    Someone who sees every record of every entity gets ``all()``."""
    if not is_active_person(user):
        return queryset.none()
    reaches = {name: rights.level(user, entity) for name, entity in LINK_FIELDS.items()}
    if all(reach >= Level.ALL for reach in reaches.values()):
        return queryset.all()
    from django.apps import apps

    rules = [own] if own is not None else []
    for name, reach in reaches.items():
        if reach <= Level.NONE:
            continue
        model = apps.get_model("crm", name.capitalize())
        if reach >= Level.ALL:
            rules.append(Q(**{f"{name}__isnull": False}))
        else:
            rules.append(Q(**{f"{name}__in": model.objects.visible_to(user).values("pk")}))
    rule = any_of(*rules)
    return queryset.none() if rule is NOTHING else queryset.filter(rule)
