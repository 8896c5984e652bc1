"""Where the workflows app shows up in the rest of the portal: rules."""


def register() -> None:
    pass
