"""Where the workflows app shows up in the rest of the portal: search."""


def register() -> None:
    pass
