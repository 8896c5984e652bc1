"""Where the workflows app shows up in the rest of the portal: navigation."""


def register() -> None:
    pass
