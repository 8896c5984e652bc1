"""The knowledge base's entry in the left navigation (its badge sums the "kb" counters)."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from portal.core.registry import NavigationEntry, registry

    registry.navigation.register(
        NavigationEntry(
            "kb", _("Knowledge base"), "bi-journal-bookmark", "kb:home", order=45, active_by_path=True
        )
    )
