"""The CRM in the global search (leads, contacts, companies, deals) and in the pickers (contacts, companies,
deals: "crm_contacts", "crm_companies", "crm_deals"), each filtered by the person's CRM rights."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from portal.core.pickers import register_lookup
    from portal.core.search import register_search

    from .. import lookups, search

    register_search("crm_deals", _("Deals"), search.search_deals, order=40)
    register_search("crm_contacts", _("Contacts"), search.search_contacts, order=41)
    register_search("crm_companies", _("Companies"), search.search_companies, order=42)
    register_search("crm_leads", _("Leads"), search.search_leads, order=43)
    register_lookup(
        "crm_contacts",
        _("Contacts"),
        search=lookups.contacts_search,
        resolve=lookups.contacts_resolve,
        icon="bi-person-vcard",
        order=70,
    )
    register_lookup(
        "crm_companies",
        _("Companies"),
        search=lookups.companies_search,
        resolve=lookups.companies_resolve,
        icon="bi-building",
        order=71,
    )
    register_lookup(
        "crm_deals",
        _("Deals"),
        search=lookups.deals_search,
        resolve=lookups.deals_resolve,
        icon="bi-briefcase",
        order=72,
    )
    # The merge page's leads picker, once the lookups module has it.
    if hasattr(lookups, "leads_search") and hasattr(lookups, "leads_resolve"):
        register_lookup(
            "crm_leads",
            _("Leads"),
            search=lookups.leads_search,
            resolve=lookups.leads_resolve,
            icon="bi-funnel",
            order=73,
        )
