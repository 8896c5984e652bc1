"""Tasks: models (filled by the Tasks issue)."""
