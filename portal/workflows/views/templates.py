"""Pages of the workflows app: templates."""

urls: list = []
