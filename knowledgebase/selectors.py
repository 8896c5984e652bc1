"""Knowledge base: selectors (filled by the Knowledge base issue)."""
