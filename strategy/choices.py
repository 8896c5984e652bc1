"""Strategy: choices (filled by the Strategy issue)."""
