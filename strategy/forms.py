"""Strategy: forms (filled by the Strategy issue)."""
