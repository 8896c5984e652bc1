from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import registrations

        registrations.register_all()
        post_migrate.connect(_lay_defaults, sender=self, dispatch_uid="crm_defaults")


def _lay_defaults(sender, using="default", **kwargs) -> None:
    """After `migrate` and after `flush` (which empties the tables migration 0003 filled): the default roles and
    pipeline, if none are left (crm.services.defaults)."""
    from .services.defaults import defaults_ensure

    defaults_ensure(using=using)
