"""Task pages. Each part of the app keeps its own routes (all in the "tasks" namespace):
urls_lists.py (the role lists, create/edit forms, saved filters, bulk actions, templates),
urls_detail.py (the task page and its htmx parts), urls_boards.py (Kanban, my plan, Gantt), urls_extras.py
(my tags, the efficiency and time reports)."""

from django.urls import include, path

app_name = "tasks"
urlpatterns = [
    path("", include("tasks.urls_lists")),
    path("", include("tasks.urls_detail")),
    path("", include("tasks.urls_boards")),
    path("", include("tasks.urls_extras")),
]
