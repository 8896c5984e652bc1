"""Reports: API routes under /api/v1/reports/ (filled by the Reports issue)."""

urlpatterns: list = []
