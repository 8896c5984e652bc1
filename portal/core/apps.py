from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "portal.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from portal.core import lookups
        from portal.core.api import schema  # noqa: F401 - registers the OpenAPI schema extensions

        lookups.register()
