from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "portal.workflows"
    label = "workflows"
    verbose_name = _("Workflows")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import registrations

        registrations.register_all()
        post_migrate.connect(_lay_defaults, sender=self, dispatch_uid="workflows_defaults")


def _lay_defaults(sender, using="default", **kwargs) -> None:
    """After `migrate` and after `flush`: the built-in absence types, roles and the five process templates, if
    they are missing (portal.workflows.services.defaults)."""
    from .services.defaults import defaults_ensure

    defaults_ensure(using=using)
