"""CRM: API serializers (filled by the CRM issue)."""
