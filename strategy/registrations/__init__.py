"""Where the strategy app shows up in the rest of the portal, one module per feature, each with `register()`
called from `StrategyConfig.ready()`."""

from . import goals, indicators, orphans


def register_all() -> None:
    for module in (goals, orphans, indicators):
        module.register()
