"""Template tags of the CRM pages: the CRM's tabs."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .. import rights
from ..choices import Entity

register = template.Library()

# (key, url name, icon, label, the entity whose view right shows it; None: everyone).
TABS = (
    ("deals", "crm:deal_kanban", "bi-kanban", _("Deals"), Entity.DEAL),
    ("leads", "crm:lead_list", "bi-funnel", _("Leads"), Entity.LEAD),
    ("contacts", "crm:contact_list", "bi-person-vcard", _("Contacts"), Entity.CONTACT),
    ("companies", "crm:company_list", "bi-buildings", _("Companies"), Entity.COMPANY),
    ("activities", "crm:activity_list", "bi-calendar-check", _("Activities"), None),
    ("reports", "crm:report_index", "bi-bar-chart", _("Reports"), None),
)


@register.inclusion_tag("crm/partials/tabs.html", takes_context=True)
def crm_tabs(context, active: str = ""):
    user = context["request"].user
    tabs = []
    for key, name, icon, label, entity in TABS:
        if entity is not None and not rights.may(user, entity, "view"):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # a feature not installed in this build
            continue
        tabs.append({"key": key, "url": url, "icon": icon, "label": label, "active": key == active})
    settings_url = reverse("crm:settings") if rights.is_crm_admin(user) else ""
    return {"tabs": tabs, "settings_url": settings_url, "settings_active": active == "settings"}


@register.inclusion_tag("crm/timeline/partials/panel.html")
def crm_timeline(entity: str, record):
    """The record's timeline panel; its entries and composer load from crm:timeline after the page."""
    try:
        url = reverse("crm:timeline", args=[entity, record.pk])
    except NoReverseMatch:
        url = ""
    return {"timeline_url": url, "entity": entity, "record": record}
