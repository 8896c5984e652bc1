"""Pages of the workflows app: processes."""

urls: list = []
