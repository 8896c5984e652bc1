"""Strategy: services (filled by the Strategy issue)."""
