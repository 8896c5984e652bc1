"""CRM: models (filled by the CRM issue)."""
