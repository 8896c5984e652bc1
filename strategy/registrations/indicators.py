"""Where indicators show up in the rest of the portal: the "values to enter" counter (an owner's manual indicators
without a value for a closed period; the navigation's "strategy" badge sums it) and the reminder's notification
kind; the demo's indicators and KPI cards."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

VALUES_TO_ENTER = "strategy.values_to_enter"
VALUE_MISSING_KIND = "strategy.indicator_value_missing"


def register() -> None:
    from portal.notifications.counters import register_counter
    from portal.notifications.services import register_notification_kind

    from ..selectors.indicators import values_to_enter

    register_counter(
        VALUES_TO_ENTER,
        label=_("Indicator values to enter"),
        area="strategy",
        compute=values_to_enter,
        order=60,
    )
    register_notification_kind(
        VALUE_MISSING_KIND, _("Strategy: indicator values to enter"), email_default=True
    )
    register_search_provider()
    register_demo()


def register_search_provider() -> None:
    from portal.core.search import register_search

    from ..selectors.indicators import indicator_search

    register_search("indicators", _("Indicators"), indicator_search, order=46)


def register_demo() -> None:
    from portal.core.registry import DemoSeeder, registry

    from ..demo.indicators import seed_demo_indicators

    # After the goals (70), which the indicators measure.
    registry.demo_seeders.register(DemoSeeder("strategy_indicators", seed_demo_indicators, order=75))
