"""Reports: selectors (filled by the Reports issue)."""
