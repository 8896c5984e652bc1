"""Pages of the workflows app: absences."""

urls: list = []
