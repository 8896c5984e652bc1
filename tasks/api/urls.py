"""Tasks: API routes under /api/v1/tasks/ (filled by the Tasks issue)."""

urlpatterns: list = []
