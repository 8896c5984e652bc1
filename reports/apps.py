from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from portal.core.registry import DemoSeeder
        from portal.core.registry import registry as core_registry

        from .demo import seed_demo_reports

        core_registry.demo_seeders.register(
            DemoSeeder("reports", seed_demo_reports, order=50, stage="content")
        )
        from django.utils.translation import gettext_lazy as _

        from portal.core.registry import NavigationEntry, TopbarWidget, registry
        from portal.notifications.counters import register_counter
        from portal.notifications.services import register_notification_kind

        from . import selectors

        # The left navigation (its badge sums the "reports" counters below) and the working-day widget.
        registry.navigation.register(
            NavigationEntry(
                "reports", _("Reports"), "bi-clipboard-data", "reports:home", order=50, counter_area="reports"
            )
        )
        registry.topbar_widgets.register(
            TopbarWidget("reports.workday", "reports/workday/partials/topbar.html", order=50)
        )
        # Workday part: corrections waiting for a supervisor, and the notifications of the working day.
        register_counter(
            "reports.corrections_waiting",
            label=_("Day corrections waiting for my confirmation"),
            area="reports",
            compute=selectors.corrections_waiting_counts,
            order=32,
        )
        register_notification_kind("workday_confirm", _("Working day: confirm a day closed automatically"))
        register_notification_kind("workday_correction", _("Working day: corrections asked for and decided"))
        register_notification_kind("workday_reminder", _("Working day: a reminder to start it"))
        # Work reports part: reports to rate, my unsent report, and the notifications of the report cycle.
        register_counter(
            "reports.to_rate",
            label=_("Reports waiting for my rating"),
            area="reports",
            compute=selectors.count_to_rate,
            order=30,
        )
        register_counter(
            "reports.my_unsent",
            label=_("My work report is not sent"),
            area="reports",
            compute=selectors.count_my_unsent,
            order=31,
        )
        register_notification_kind("report_sent", _("Work reports: a report sent to me for rating"))
        register_notification_kind("report_rated", _("Work reports: my report was rated"), email_default=True)
        register_notification_kind(
            "report_returned", _("Work reports: my report was returned for changes"), email_default=True
        )
        # A task can be made from a line of a work report (?from_report= on the new-task form), ...
        from . import registrations

        registrations.register()
        # Timesheets part: a supervisor confirmed (or withdrew the confirmation of) my monthly timesheet.
        register_notification_kind("timesheet_confirmed", _("Timesheets: my monthly timesheet was confirmed"))
        # The pickers of the control pages: only the people the user controls (reports/lookups.py).
        from portal.core.pickers import register_lookup

        from . import lookups

        register_lookup(
            "my_people",
            _("My people"),
            search=lookups.my_people_search,
            resolve=lookups.my_people_resolve,
            icon="bi-person-check",
            order=45,
        )
