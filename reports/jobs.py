"""Reports: jobs (filled by the Reports issue)."""
