"""Work-report pages (namespace "reports"): the list, writing my report, one report with its rating and
history, rating and returning, the supervisor's inbox, and the report settings of departments."""

from django.urls import path

from . import views_reports as views

urlpatterns = [
    path("work/", views.report_list, name="report_list"),
    path("work/write/", views.report_write, name="report_write"),
    path("work/to-rate/", views.to_rate, name="to_rate"),
    path("work/settings/", views.report_settings, name="report_settings"),
    path("work/<int:pk>/", views.report_detail, name="report_detail"),
    path("work/<int:pk>/rate/", views.report_rate, name="report_rate"),
    path("work/<int:pk>/return/", views.report_return, name="report_return"),
]
