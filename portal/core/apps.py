from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "portal.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from portal.core import lookups
        from portal.core.api import schema  # noqa: F401 - registers the OpenAPI schema extensions

        lookups.register()
