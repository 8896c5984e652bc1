"""Knowledge base: forms (filled by the Knowledge base issue)."""
