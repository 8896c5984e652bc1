"""Reports: API views (filled by the Reports issue)."""
