"""Reports: services (filled by the Reports issue)."""
