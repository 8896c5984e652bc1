"""CRM: choices (filled by the CRM issue)."""
