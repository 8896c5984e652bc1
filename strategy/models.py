"""Strategy: models (filled by the Strategy issue)."""
