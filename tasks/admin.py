"""Django admin for tasks. Writes go through the services, so history, counters and numbers stay right."""

from django.contrib import admin

from . import services
from .models import SavedFilter, Tag, Task, TaskLink, TaskMember, TaskTemplate, TimeEntry

# Fields an admin may change on a task; each goes through services.task_update.
_EDITABLE = [
    "title",
    "description",
    "responsible",
    "priority",
    "group",
    "deadline",
    "planned_start",
    "planned_end",
    "allow_change_deadline",
    "requires_control",
    "deadline_in_work_hours",
    "time_estimate",
]
_NUMBERS = [
    "subtasks_count",
    "subtasks_done",
    "checklist_count",
    "checklist_done",
    "comments_count",
    "files_count",
    "time_spent",
    "last_comment_at",
]


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TaskMemberInline(_ReadOnlyInline):
    """Shown for reference; people are changed on the task page, where the rules apply."""

    model = TaskMember
    fields = ("user", "role")
    readonly_fields = fields


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "status",
        "priority",
        "responsible",
        "creator",
        "deadline",
        "group",
        "created_at",
    )
    list_filter = ("status", "priority", "requires_control")
    search_fields = ("title", "responsible__email", "responsible__last_name", "creator__email")
    list_select_related = ("responsible", "creator", "group")
    raw_id_fields = ("responsible", "creator", "group", "parent")
    fields = (*_EDITABLE, "status", "creator", "parent", "created_at", "completed_at", *_NUMBERS)
    readonly_fields = ("status", "creator", "parent", "created_at", "completed_at", *_NUMBERS)
    inlines = [TaskMemberInline]
    date_hierarchy = "created_at"

    def save_model(self, request, obj, form, change):
        values = {field: form.cleaned_data.get(field) for field in _EDITABLE}
        values["description"] = values["description"] or ""
        if change:
            task = Task.objects.get(pk=obj.pk)
            changed = {f: v for f, v in values.items() if f in form.changed_data}
            if changed:
                services.task_update(actor=request.user, task=task, **changed)
        else:
            task = services.task_create(actor=request.user, **values)
            obj.pk = task.pk
            obj._state.adding = False

    def delete_model(self, request, obj):
        services.task_delete(actor=request.user, task=obj)

    def delete_queryset(self, request, queryset):
        for task in queryset:
            if Task.objects.filter(pk=task.pk).exists():  # a parent deleted before took its subtasks
                services.task_delete(actor=request.user, task=task)


@admin.register(TaskLink)
class TaskLinkAdmin(admin.ModelAdmin):
    list_display = ("predecessor", "kind", "successor", "created_by", "created_at")
    list_filter = ("kind",)
    list_select_related = ("predecessor", "successor", "created_by")
    readonly_fields = ("predecessor", "successor", "kind", "created_by", "created_at")

    def has_add_permission(self, request):
        return False  # links are made on the task page, the Gantt chart or the API (cycles are checked)

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.link_delete(actor=request.user, link=obj)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "group", "created_at")
    search_fields = ("name", "owner__email", "group__name")
    list_select_related = ("owner", "group")
    readonly_fields = ("owner", "group", "created_at")
    fields = ("name", "owner", "group", "created_at")

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        services.tag_rename(
            actor=request.user, tag=Tag.objects.get(pk=obj.pk), name=form.cleaned_data["name"]
        )

    def delete_model(self, request, obj):
        services.tag_delete(actor=request.user, tag=obj)


@admin.register(TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    list_display = ("task", "user", "started_at", "ended_at", "seconds", "source")
    list_filter = ("source",)
    search_fields = ("task__title", "user__email", "comment")
    list_select_related = ("task", "user")
    readonly_fields = ("task", "user", "started_at", "ended_at", "seconds", "source", "comment", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.time_entry_delete(actor=request.user, entry=obj)


@admin.register(TaskTemplate)
class TaskTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "creator", "repeat", "next_run_at", "last_run_at", "is_active")
    list_filter = ("repeat", "is_active")
    search_fields = ("title", "creator__email")
    list_select_related = ("creator",)
    readonly_fields = [f.name for f in TaskTemplate._meta.fields if f.name != "id"]

    def has_add_permission(self, request):
        return False  # templates are made on the templates page, where recurrence is validated

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.template_delete(actor=request.user, template=obj)


@admin.register(SavedFilter)
class SavedFilterAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "query", "created_at")
    search_fields = ("name", "user__email")
    list_select_related = ("user",)
    readonly_fields = ("user", "name", "query", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
