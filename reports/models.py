"""Reports: models (filled by the Reports issue)."""
