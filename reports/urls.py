"""Report pages, all in the "reports" namespace: reports:home (the control dashboard, or the person's own
overview) and touch control; the working day (the top-bar widget, my days, the days list, corrections,
schedules); work reports and ratings; timesheets with confirmations and exports; digests."""

from django.urls import path, re_path

from .views import (
    control,
    control_corrections,
    control_details,
    control_workday,
    digests,
    reports,
    timesheets,
    workday,
)

app_name = "reports"
urlpatterns = [
    path("", control.home, name="home"),
    path("me/", control.overview, name="overview"),
    path("control/touch/", control.touch, name="touch"),
    path("control/touch/<int:pk>/done/", control.touch_done, name="touch_done"),
    path("control/beat/", control.control_beat, name="control_beat"),
    path("control/people/<int:person_id>/workday/", control_workday.control_workday, name="control_workday"),
    path(
        "control/people/<int:person_id>/workday/remind/",
        control_workday.control_workday_remind,
        name="control_workday_remind",
    ),
    path(
        "control/people/<int:person_id>/corrections/",
        control_corrections.control_corrections,
        name="control_corrections",
    ),
    path(
        "control/corrections/<int:pk>/decide/",
        control_corrections.control_correction_decide,
        name="control_correction_decide",
    ),
    path(
        "control/people/<int:person_id>/reports/",
        control_details.control_reports,
        name="control_reports",
    ),
    path(
        "control/people/<int:person_id>/remind/",
        control_details.control_report_remind,
        name="control_report_remind",
    ),
    path(
        "control/reports/<int:pk>/rate/",
        control_details.control_report_rate,
        name="control_report_rate",
    ),
    path("workday/", workday.my_days, name="my_days"),
    path("workday/widget/", workday.workday_widget, name="workday_widget"),
    re_path(r"^workday/(?P<action>start|pause|resume|end)/$", workday.workday_action, name="workday_action"),
    path("workday/days/", workday.day_list, name="days"),
    path("workday/days/<int:pk>/", workday.day_detail, name="day_detail"),
    path("workday/days/<int:pk>/correct/", workday.day_correct, name="day_correct"),
    path("workday/days/<int:pk>/confirm/", workday.day_confirm, name="day_confirm"),
    path("workday/corrections/", workday.corrections, name="corrections"),
    path("workday/corrections/<int:pk>/decide/", workday.correction_decide, name="correction_decide"),
    path("workday/schedules/", workday.schedules, name="schedules"),
    path("workday/schedules/<int:pk>/", workday.schedule_edit, name="schedule_edit"),
    path("workday/schedules/<int:pk>/delete/", workday.schedule_delete, name="schedule_delete"),
    path("work/", reports.report_list, name="report_list"),
    path("work/write/", reports.report_write, name="report_write"),
    path("work/to-rate/", reports.to_rate, name="to_rate"),
    path("work/settings/", reports.report_settings, name="report_settings"),
    path("work/<int:pk>/", reports.report_detail, name="report_detail"),
    path("work/<int:pk>/rate/", reports.report_rate, name="report_rate"),
    path("work/<int:pk>/return/", reports.report_return, name="report_return"),
    path("timesheet/", timesheets.timesheet, name="timesheet"),
    path("timesheet/export/", timesheets.timesheet_export, name="timesheet_export"),
    path("timesheet/confirm/", timesheets.timesheet_confirm, name="timesheet_confirm"),
    path("timesheet/unconfirm/", timesheets.timesheet_unconfirm, name="timesheet_unconfirm"),
    path("timesheet/department/", timesheets.timesheet_department, name="timesheet_department"),
    path(
        "timesheet/department/export/",
        timesheets.timesheet_department_export,
        name="timesheet_department_export",
    ),
    path("digests/", digests.digest_list, name="digest_list"),
    path("digests/settings/", digests.digest_settings, name="digest_settings"),
    path("digests/<int:pk>/", digests.digest_detail, name="digest_detail"),
]
