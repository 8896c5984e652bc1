"""Reports: admin (filled by the Reports issue)."""
