"""Pages of the workflows app: holidays."""

urls: list = []
