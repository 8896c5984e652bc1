"""The CRM's registrations: deals (filled in by the feature that owns it)."""


def register() -> None:
    """Nothing registered yet."""
