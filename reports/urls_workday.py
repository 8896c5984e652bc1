"""Working-day pages (namespace "reports"): the top-bar widget and its clicks, my days, the days list, one
day, corrections to confirm, and the work schedules."""

from django.urls import path, re_path

from . import views_workday as views

urlpatterns = [
    path("workday/", views.my_days, name="my_days"),
    path("workday/widget/", views.workday_widget, name="workday_widget"),
    re_path(r"^workday/(?P<action>start|pause|resume|end)/$", views.workday_action, name="workday_action"),
    path("workday/days/", views.day_list, name="days"),
    path("workday/days/<int:pk>/", views.day_detail, name="day_detail"),
    path("workday/days/<int:pk>/correct/", views.day_correct, name="day_correct"),
    path("workday/days/<int:pk>/confirm/", views.day_confirm, name="day_confirm"),
    path("workday/corrections/", views.corrections, name="corrections"),
    path("workday/corrections/<int:pk>/decide/", views.correction_decide, name="correction_decide"),
    path("workday/schedules/", views.schedules, name="schedules"),
    path("workday/schedules/<int:pk>/", views.schedule_edit, name="schedule_edit"),
    path("workday/schedules/<int:pk>/delete/", views.schedule_delete, name="schedule_delete"),
]
