"""Values every page needs: the portal's name and the left navigation."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

NAVIGATION = [
    # (key, label, icon, url name)
    ("stream", _("Stream"), "bi-activity", "stream:feed"),
    ("tasks", _("Tasks"), "bi-check2-square", "tasks:home"),
    ("crm", _("CRM"), "bi-briefcase", "crm:home"),
    ("reports", _("Reports"), "bi-clipboard-data", "reports:home"),
    ("strategy", _("Strategy"), "bi-bullseye", "strategy:home"),
    ("knowledgebase", _("Knowledge base"), "bi-journal-text", "knowledgebase:home"),
    ("groups", _("Groups"), "bi-people", "groups:list"),
    ("company", _("Company"), "bi-building", "people:directory"),
]


def portal(request):
    from portal.people.selectors import company_get

    company = company_get()
    nav = []
    for key, label, icon, url_name in NAVIGATION:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            url = None  # the area is not built yet: shown, but not a link
        nav.append({"key": key, "label": label, "icon": icon, "url": url})
    return {"company": company, "portal_name": company.name if company else "Lumen", "navigation": nav}
