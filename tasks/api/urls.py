"""Tasks: API routes under /api/v1/tasks/. The task collection is the prefix itself (/api/v1/tasks/,
/api/v1/tasks/<id>/); the other collections sit beside it (links/, tags/, checklist/, comments/, files/,
time-entries/, timer/, and the reports efficiency/ and time-report/), which the numeric task ids cannot clash
with."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import extras, views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("links", views.TaskLinkViewSet, basename="task-link")
router.register("tags", views.TagViewSet, basename="task-tag")
router.register("checklist", views.ChecklistItemViewSet, basename="task-checklist-item")
router.register("comments", views.TaskCommentViewSet, basename="task-comment")
router.register("files", views.TaskFileViewSet, basename="task-file")
router.register("time-entries", views.TimeEntryViewSet, basename="task-time-entry")
router.register("", views.TaskViewSet, basename="task")

urlpatterns = [
    path("timer/", views.TimerView.as_view(), name="task-timer"),
    path("timer/start/", views.TimerStartView.as_view(), name="task-timer-start"),
    path("timer/stop/", views.TimerStopView.as_view(), name="task-timer-stop"),
    path("efficiency/", extras.EfficiencyView.as_view(), name="task-efficiency"),
    path("time-report/", extras.TimeReportView.as_view(), name="task-time-report"),
    *router.urls,
]
