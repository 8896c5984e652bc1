"""Task pages. The lists, the task page and its htmx parts are in views.py; the boards (Kanban, my plan)
and the Gantt chart in views_boards.py (their routes in urls_boards.py)."""

from django.urls import include, path

from . import views

app_name = "tasks"
urlpatterns = [
    path("", views.task_list, name="home"),
    path("new/", views.task_create, name="create"),
    path("<int:pk>/", views.task_detail, name="detail"),
    path("", include("tasks.urls_boards")),
]
