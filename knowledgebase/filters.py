"""Knowledge base: filters (filled by the Knowledge base issue)."""
