"""Where the workflows app shows up in the rest of the portal: processes."""


def register() -> None:
    pass
