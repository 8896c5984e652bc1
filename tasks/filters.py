"""Tasks: filters (filled by the Tasks issue)."""
