"""Timesheet pages (in the "reports" namespace): a person's month, a department's month, confirmations and
exports."""

from django.urls import path

from . import views_timesheets as views

urlpatterns = [
    path("timesheet/", views.timesheet, name="timesheet"),
    path("timesheet/export/", views.timesheet_export, name="timesheet_export"),
    path("timesheet/confirm/", views.timesheet_confirm, name="timesheet_confirm"),
    path("timesheet/unconfirm/", views.timesheet_unconfirm, name="timesheet_unconfirm"),
    path("timesheet/department/", views.timesheet_department, name="timesheet_department"),
    path(
        "timesheet/department/export/",
        views.timesheet_department_export,
        name="timesheet_department_export",
    ),
]
