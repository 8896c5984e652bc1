"""CRM: filters (filled by the CRM issue)."""
