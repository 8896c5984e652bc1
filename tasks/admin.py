"""Tasks: admin (filled by the Tasks issue)."""
