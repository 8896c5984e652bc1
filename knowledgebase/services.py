"""Knowledge base: services (filled by the Knowledge base issue)."""
