"""Reports: API serializers (filled by the Reports issue)."""
