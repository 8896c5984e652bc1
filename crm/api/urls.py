"""CRM: API routes under /api/v1/crm/ (filled by the CRM issue)."""

urlpatterns: list = []
