"""The CRM's front door (/crm/ opens the first list the person may use) and the settings index."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext_lazy as _

from .. import rights
from ..choices import Entity

NAV = "crm"

# Where /crm/ leads, in order, for the first entity the person may view.
START = (
    (Entity.DEAL, "crm:deal_kanban"),
    (Entity.LEAD, "crm:lead_list"),
    (Entity.CONTACT, "crm:contact_list"),
    (Entity.COMPANY, "crm:company_list"),
)

# The settings pages of a CRM administrator: (url name, icon, title, what it is for).
SETTINGS = (
    ("crm:pipeline_list", "bi-kanban", _("Pipelines and stages"), _("The stages deals move through.")),
    ("crm:product_list", "bi-box-seam", _("Products"), _("The catalogue used in deals and by stores.")),
    (
        "crm:field_list",
        "bi-input-cursor-text",
        _("Custom fields"),
        _("Extra fields of leads, contacts, companies and deals."),
    ),
    ("crm:role_list", "bi-shield-lock", _("Roles and rights"), _("Who sees and changes which records.")),
    ("crm:mailbox_list", "bi-envelope-at", _("Mailboxes"), _("E-mail that becomes leads and activities.")),
    ("crm:webform_list", "bi-ui-checks", _("Web forms"), _("Forms for the company's site that make leads.")),
    ("crm:store_list", "bi-shop", _("Online stores"), _("Orders that become deals without typing.")),
    ("crm:pbx_list", "bi-telephone", _("Telephony"), _("PBX connections and the caller's card.")),
    (
        "crm:settings_general",
        "bi-sliders",
        _("General"),
        _("Counters' thresholds, the won-deal post, phone region."),
    ),
)


def _reverse(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@login_required
def home(request):
    for entity, name in START:
        if rights.may(request.user, entity, "view"):
            url = _reverse(name)
            if url:
                return redirect(url)
    raise Http404("No CRM rights.")


@login_required
def settings_index(request):
    if not rights.is_crm_admin(request.user):
        raise Http404("Not a CRM administrator.")
    items = [
        {"url": url, "icon": icon, "title": title, "text": text}
        for name, icon, title, text in SETTINGS
        if (url := _reverse(name))
    ]
    return render(
        request, "crm/settings/index.html", {"items": items, "nav_area": NAV, "crm_tab": "settings"}
    )


urls = [
    path("", home, name="home"),
    path("settings/", settings_index, name="settings"),
]
