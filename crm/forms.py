"""CRM: forms (filled by the CRM issue)."""
