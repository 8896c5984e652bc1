"""Knowledge base: API serializers (filled by the Knowledge base issue)."""
