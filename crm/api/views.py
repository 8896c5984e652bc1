"""CRM: API views (filled by the CRM issue)."""
