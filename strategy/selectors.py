"""Strategy: selectors (filled by the Strategy issue)."""
