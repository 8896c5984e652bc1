"""Tasks: services (filled by the Tasks issue)."""
