"""Strategy API routes under /api/v1/strategy/."""

urlpatterns: list = []
