"""Knowledge base: choices (filled by the Knowledge base issue)."""
