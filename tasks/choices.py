"""Tasks: choices (filled by the Tasks issue)."""
