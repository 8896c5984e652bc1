"""Values every page needs: the portal's name, the left navigation and the live counters."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

NAVIGATION = [
    # (key, label, icon, url name)
    ("stream", _("Stream"), "bi-activity", "stream:feed"),
    ("chat", _("Chat"), "bi-chat-dots", "chat:list"),
    ("tasks", _("Tasks"), "bi-check2-square", "tasks:home"),
    ("crm", _("CRM"), "bi-briefcase", "crm:home"),
    ("reports", _("Reports"), "bi-clipboard-data", "reports:home"),
    ("strategy", _("Strategy"), "bi-bullseye", "strategy:home"),
    ("knowledgebase", _("Knowledge base"), "bi-journal-text", "knowledgebase:home"),
    ("groups", _("Groups"), "bi-people", "groups:list"),
    ("company", _("Company"), "bi-building", "people:directory"),
]


def _header_counters(request):
    """A memoised callable: the user's counters by area, read (ONE query) only when a template asks."""
    cache: dict = {}

    def areas() -> dict:
        if "areas" not in cache:
            from portal.notifications.counters import counters_by_area, counters_get

            user = getattr(request, "user", None)
            cache["areas"] = counters_by_area(counters_get(user)) if user and user.is_authenticated else {}
        return cache["areas"]

    return areas


def portal(request):
    from portal.people.selectors import company_get

    company = company_get()
    counter_areas = _header_counters(request)
    nav = []
    for key, label, icon, url_name in NAVIGATION:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            url = None  # the area is not built yet: shown, but not a link
        # Templates call `counter` lazily: pages without the shell (htmx partials) pay no query.
        counter = lambda key=key: counter_areas().get(key)  # noqa: E731
        nav.append({"key": key, "label": label, "icon": icon, "url": url, "counter": counter})
    return {
        "company": company,
        "portal_name": company.name if company else "Lumen",
        "navigation": nav,
        "counter_areas": counter_areas,
    }
