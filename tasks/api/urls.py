"""Tasks: API routes under /api/v1/tasks/. The task collection is the prefix itself (/api/v1/tasks/,
/api/v1/tasks/<id>/); the other collections sit beside it (links/, tags/, checklist/, comments/, files/,
time-entries/, timer/, and the reports efficiency/ and time-report/), which the numeric task ids cannot clash
with."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import checklists, comments, files, links, reports, tags, tasks, time

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("links", links.TaskLinkViewSet, basename="task-link")
router.register("tags", tags.TagViewSet, basename="task-tag")
router.register("checklist", checklists.ChecklistItemViewSet, basename="task-checklist-item")
router.register("comments", comments.TaskCommentViewSet, basename="task-comment")
router.register("files", files.TaskFileViewSet, basename="task-file")
router.register("time-entries", time.TimeEntryViewSet, basename="task-time-entry")
router.register("", tasks.TaskViewSet, basename="task")

urlpatterns = [
    path("timer/", time.TimerView.as_view(), name="task-timer"),
    path("timer/start/", time.TimerStartView.as_view(), name="task-timer-start"),
    path("timer/stop/", time.TimerStopView.as_view(), name="task-timer-stop"),
    path("efficiency/", reports.EfficiencyView.as_view(), name="task-efficiency"),
    path("time-report/", reports.TimeReportView.as_view(), name="task-time-report"),
    *router.urls,
]
