"""Report pages. Each part keeps its own routes (all in the "reports" namespace): urls_workday.py (the
working day, corrections, schedules), urls_reports.py (work reports and ratings), urls_timesheets.py,
urls_control.py (the control dashboard, touch control), urls_digests.py."""

from django.urls import include, path

app_name = "reports"
urlpatterns = [
    path("", include("reports.urls_control")),
    path("", include("reports.urls_workday")),
    path("", include("reports.urls_reports")),
    path("", include("reports.urls_timesheets")),
    path("", include("reports.urls_digests")),
]
