"""Reports: filters (filled by the Reports issue)."""
