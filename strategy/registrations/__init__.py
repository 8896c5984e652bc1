"""Where the strategy app shows up in the rest of the portal, one module per feature, each with `register()`
called from `StrategyConfig.ready()`."""

from . import demo, goals, indicators, orphans


def register_all() -> None:
    for module in (goals, orphans, demo, indicators):
        module.register()
