"""Where the workflows app shows up in the rest of the portal: demo."""


def register() -> None:
    pass
