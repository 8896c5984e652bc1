"""Tasks: selectors (filled by the Tasks issue)."""
