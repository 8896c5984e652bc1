"""Strategy: admin (filled by the Strategy issue)."""
