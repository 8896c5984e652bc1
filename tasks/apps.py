from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The task counters in the navigation: key -> (label, order). Their compute functions live in
# tasks/counters.py; services recount the people a change concerns, beat sweeps deadlines that pass.
TASK_COUNTERS = {
    "tasks.overdue": (_("Overdue tasks"), 10),
    "tasks.awaiting_control": (_("Tasks awaiting my control"), 11),
    "tasks.unseen_comments": (_("New comments in my tasks"), 12),
    "tasks.no_deadline": (_("My tasks without a deadline"), 13),
    "tasks.due_soon": (_("My tasks due within 24 hours"), 14),
}


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Tasks")

    def ready(self) -> None:
        from portal.core.registry import DemoSeeder
        from portal.core.registry import registry as core_registry

        from .demo import seed_demo_tasks

        core_registry.demo_seeders.register(DemoSeeder("tasks", seed_demo_tasks, order=40, stage="content"))
        from django.urls import reverse

        from portal.chat.actions import register_message_action
        from portal.core.registry import NavigationEntry, registry
        from portal.core.search import register_search
        from portal.notifications.counters import register_counter
        from portal.notifications.services import register_notification_kind

        from . import counters, registrations, search

        # The left navigation: the badge sums the "tasks" counters below.
        registry.navigation.register(
            NavigationEntry(
                "tasks", _("Tasks"), "bi-check2-square", "tasks:home", order=30, counter_area="tasks"
            )
        )
        for key, (label, order) in TASK_COUNTERS.items():
            register_counter(key, label=label, area="tasks", compute=counters.COMPUTE[key], order=order)
        register_search("tasks", _("Tasks"), search.search_tasks, order=20)
        from portal.core.pickers import register_lookup

        from . import lookups

        register_lookup(
            "tasks",
            _("Tasks"),
            search=lookups.tasks_search,
            resolve=lookups.tasks_resolve,
            icon="bi-check2-square",
            order=50,
        )
        register_lookup(
            "tags",
            _("Tags"),
            search=lookups.tags_search,
            resolve=lookups.tags_resolve,
            icon="bi-tag",
            order=60,
        )
        # The control dashboard's task columns and touch kind, the digests' task sections, ...
        registrations.register()
        register_notification_kind("task", _("Tasks: assigned to me, changed, completed, returned"))
        register_notification_kind("task_comment", _("Tasks: a new comment in my task"))
        register_notification_kind("task_due", _("Tasks: daily reminder of what is due"), email_default=True)
        register_message_action(
            "tasks.from_message",
            label=_("Turn into a task"),
            icon="bi-check2-square",
            url=lambda message: reverse("tasks:create") + f"?from_message={message.pk}",
            available=lambda user, message: True,
        )
        # "Task: <title>" under the message or post a task was made from; "Create a task" in a post's menu.
        from portal.chat.annotations import register_message_annotation
        from portal.stream.extensions import register_entry_action, register_entry_annotation

        from . import annotations

        register_message_annotation(
            "tasks.made_from", annotations.tasks_made_from_messages, icon="bi-check2-square"
        )
        register_entry_annotation(
            "tasks.made_from", annotations.tasks_made_from_entries, icon="bi-check2-square"
        )
        register_entry_action(
            "tasks.from_entry",
            label=_("Create a task"),
            icon="bi-check2-square",
            url=annotations.create_from_entry_url,
            available=annotations.entry_can_become_task,
        )
