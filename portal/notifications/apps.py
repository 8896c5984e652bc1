from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def shell_context(request) -> dict:
    """`counter_areas` for every page: a memoised callable, the user's counters by area read (ONE query)
    only when a template asks (the navigation badges, the bell)."""
    cache: dict = {}

    def counter_areas() -> dict:
        if "areas" not in cache:
            from .counters import counters_by_area, counters_get

            user = getattr(request, "user", None)
            cache["areas"] = counters_by_area(counters_get(user)) if user and user.is_authenticated else {}
        return cache["areas"]

    return {"counter_areas": counter_areas}


class NotificationsConfig(AppConfig):
    name = "portal.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from portal.core.registry import DemoSeeder
        from portal.core.registry import registry as core_registry

        from .demo import seed_demo_notifications

        core_registry.demo_seeders.register(
            DemoSeeder("notifications", seed_demo_notifications, order=30, stage="content")
        )
        from portal.core.registry import ShellContext, TopbarWidget, registry

        registry.shell_context.register(ShellContext("notifications.counters", shell_context))
        registry.topbar_widgets.register(
            TopbarWidget("notifications.bell", "notifications/partials/topbar_bell.html", order=90)
        )
        from .counters import register_counter
        from .selectors import unread_counts
        from .services import register_builtin_kinds

        register_builtin_kinds()

        register_counter(
            "notifications.unread",
            label=_("Unread notifications"),
            area="notifications",
            compute=unread_counts,
            order=10,
        )
