"""Reports: choices (filled by the Reports issue)."""
