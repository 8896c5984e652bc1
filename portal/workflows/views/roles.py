"""Pages of the workflows app: roles."""

urls: list = []
