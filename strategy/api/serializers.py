"""Strategy: API serializers (filled by the Strategy issue)."""
