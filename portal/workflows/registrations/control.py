"""Where the workflows app shows up in the rest of the portal: control."""


def register() -> None:
    pass
