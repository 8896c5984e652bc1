"""Strategy: API routes under /api/v1/strategy/ (filled by the Strategy issue)."""

urlpatterns: list = []
