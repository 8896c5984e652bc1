"""Where the strategy app shows up in the rest of the portal, one module per feature, each with `register()`
called from `StrategyConfig.ready()`."""

from . import indicators


def register_all() -> None:
    for module in (indicators,):
        module.register()
