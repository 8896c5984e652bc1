"""Workflows pages, all in the "workflows" namespace. Each feature's view module lists its own routes (`urls`);
this module puts them together in one order."""

from .views import absences, control, deputies, holidays, home, payments, processes, roles, rules, templates

app_name = "workflows"
urlpatterns = [
    *home.urls,
    *processes.urls,
    *payments.urls,
    *templates.urls,
    *roles.urls,
    *absences.urls,
    *holidays.urls,
    *deputies.urls,
    *rules.urls,
    *control.urls,
]
