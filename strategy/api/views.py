"""Strategy: API views (filled by the Strategy issue)."""
