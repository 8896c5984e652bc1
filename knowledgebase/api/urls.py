"""Knowledge base API routes under /api/v1/kb/."""

urlpatterns: list = []
