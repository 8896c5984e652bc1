"""Pages of the workflows app: payments."""

urls: list = []
