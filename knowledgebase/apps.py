from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgebaseConfig(AppConfig):
    name = "knowledgebase"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import registrations

        registrations.register_all()
        post_migrate.connect(_lay_defaults, sender=self, dispatch_uid="kb_defaults")


def _lay_defaults(sender, using="default", **kwargs) -> None:
    """After `migrate` and `flush`: the built-in "Rules" and "Strategy" spaces, if missing and someone can answer
    for them (knowledgebase.services.defaults)."""
    from .services.defaults import defaults_ensure

    defaults_ensure(using=using)
