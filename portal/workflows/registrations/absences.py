"""Where the workflows app shows up in the rest of the portal: absences."""


def register() -> None:
    pass
