"""Tasks: jobs (filled by the Tasks issue)."""
