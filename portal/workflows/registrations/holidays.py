"""Where the workflows app shows up in the rest of the portal: holidays."""


def register() -> None:
    pass
