"""Pages of the workflows app: deputies."""

urls: list = []
