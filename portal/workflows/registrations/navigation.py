"""The workflows app's entries in the left navigation: "Approvals" (its badge sums the "workflows" counters:
the approvals waiting for me) and "Absences" (the absence chart; every page under its URL belongs to it).

The URL names are reversed by the shell when a page is drawn, never here: a route that is not there yet
shows the entry without a link."""

from django.utils.translation import gettext_lazy as _

APPROVALS = "workflows"
ABSENCES = "absences"


def register() -> None:
    from portal.core.registry import NavigationEntry, registry

    registry.navigation.register(
        NavigationEntry(
            APPROVALS, _("Approvals"), "bi-diagram-3", "workflows:home", order=40, counter_area="workflows"
        )
    )
    registry.navigation.register(
        NavigationEntry(
            ABSENCES,
            _("Absences"),
            "bi-calendar-range",
            "workflows:absence_chart",
            order=45,
            active_by_path=True,
        )
    )
