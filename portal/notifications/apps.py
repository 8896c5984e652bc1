from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "portal.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from . import services  # noqa: F401 - registers the built-in notification kinds
        from .counters import register_counter
        from .selectors import unread_counts

        register_counter(
            "notifications.unread",
            label=_("Unread notifications"),
            area="notifications",
            compute=unread_counts,
            order=10,
        )
