"""Reports: forms (filled by the Reports issue)."""
