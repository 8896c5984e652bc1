"""Strategy: filters (filled by the Strategy issue)."""
