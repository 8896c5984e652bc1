"""Knowledge base: models (filled by the Knowledge base issue)."""
