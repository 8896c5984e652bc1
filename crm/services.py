"""CRM: services (filled by the CRM issue)."""
