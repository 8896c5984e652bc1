"""Strategy: jobs (filled by the Strategy issue)."""
