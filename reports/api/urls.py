"""Reports API under /api/v1/reports/: each part of the app keeps its serializers, views and routes in its
own module (workday.py, reports.py, timesheets.py, control.py)."""

from . import control, reports, timesheets, workday

urlpatterns = [*workday.urlpatterns, *reports.urlpatterns, *timesheets.urlpatterns, *control.urlpatterns]
