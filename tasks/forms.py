"""Tasks: forms (filled by the Tasks issue)."""
