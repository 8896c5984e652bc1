from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _unread_counts(user_ids: list[int]) -> dict[int, int]:
    from .selectors import unread_counts

    return unread_counts(user_ids)


class ChatConfig(AppConfig):
    name = "portal.chat"
    label = "chat"
    verbose_name = _("Chat")

    def ready(self) -> None:
        from portal.core.registry import DemoSeeder
        from portal.core.registry import registry as core_registry

        from .demo import seed_demo_chat

        core_registry.demo_seeders.register(DemoSeeder("chat", seed_demo_chat, order=20, stage="content"))
        from django.db.models.signals import post_delete, post_save

        from portal.core.registry import NavigationEntry, registry

        registry.navigation.register(
            NavigationEntry("chat", _("Chat"), "bi-chat-dots", "chat:list", order=20)
        )

        from portal.groups.models import Membership

        from . import signals

        post_save.connect(signals.workgroup_membership_saved, sender=Membership, dispatch_uid="chat.wg_join")
        post_delete.connect(
            signals.workgroup_membership_deleted, sender=Membership, dispatch_uid="chat.wg_left"
        )

        try:
            from portal.notifications.counters import register_counter
        except ImportError:  # notifications not there yet: the chat works, the nav badge stays empty
            return
        register_counter("chat.unread", label=_("Unread chat messages"), area="chat", compute=_unread_counts)
