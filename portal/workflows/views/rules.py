"""Pages of the workflows app: rules."""

urls: list = []
