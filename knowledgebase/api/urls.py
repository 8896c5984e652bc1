"""Knowledge base: API routes under /api/v1/knowledgebase/ (filled by the Knowledge base issue)."""

urlpatterns: list = []
