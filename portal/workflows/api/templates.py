"""API of the workflows app: templates (under /api/v1/workflows/)."""

urls: list = []


def register(router) -> None:
    """Register this feature's view sets on the workflows router."""
