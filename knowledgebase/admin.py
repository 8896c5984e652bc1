"""Knowledge base: admin (filled by the Knowledge base issue)."""
