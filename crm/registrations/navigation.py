"""The CRM's entry in the left navigation (its badge sums the "crm" counters)."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from portal.core.registry import NavigationEntry, registry

    registry.navigation.register(
        NavigationEntry(
            "crm", _("CRM"), "bi-briefcase", "crm:home", order=35, counter_area="crm", active_by_path=True
        )
    )
