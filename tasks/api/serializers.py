"""Tasks: API serializers (filled by the Tasks issue)."""
