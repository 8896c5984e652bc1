"""Routes of the boards (Kanban by status, "my plan") and the Gantt chart (filled by the boards work)."""

urlpatterns: list = []
