"""Knowledge base: jobs (filled by the Knowledge base issue)."""
