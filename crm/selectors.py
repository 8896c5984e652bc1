"""CRM: selectors (filled by the CRM issue)."""
