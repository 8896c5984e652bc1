"""CRM pages, all in the "crm" namespace. Each feature's view module lists its own routes (`urls`), so the
features stay apart; this module puts them together in one order."""

from .views import (
    activities,
    companies,
    contacts,
    deals,
    fields,
    files,
    home,
    imports,
    leads,
    lists,
    mailboxes,
    merges,
    pipelines,
    products,
    reports,
    rights,
    stores,
    telephony,
    timeline,
    webforms,
)

app_name = "crm"
urlpatterns = [
    *home.urls,
    *lists.urls,
    *imports.urls,
    *leads.urls,
    *contacts.urls,
    *companies.urls,
    *merges.urls,
    *deals.urls,
    *pipelines.urls,
    *products.urls,
    *activities.urls,
    *timeline.urls,
    *files.urls,
    *fields.urls,
    *rights.urls,
    *mailboxes.urls,
    *webforms.urls,
    *stores.urls,
    *telephony.urls,
    *reports.urls,
]
