"""CRM: admin (filled by the CRM issue)."""
