"""Knowledge base: API views (filled by the Knowledge base issue)."""
