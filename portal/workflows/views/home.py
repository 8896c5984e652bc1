"""Pages of the workflows app: home."""

urls: list = []
