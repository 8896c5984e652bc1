"""Tasks: API views (filled by the Tasks issue)."""
