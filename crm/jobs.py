"""CRM: jobs (filled by the CRM issue)."""
