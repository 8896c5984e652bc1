"""The strategy in Django admin, for support: goals, their links and the projects' status notes, read-only (every
change goes through the strategy's services, from its pages and API). Strategy managers are named here by the
permission "strategy | goal | Can manage the strategy", given to a person or a group in the users' admin."""

from django.contrib import admin

from . import models


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class GoalTaskLinkInline(admin.TabularInline):
    model = models.GoalTaskLink
    extra = 0
    fields = ("task_id", "linked_by", "created_at")
    readonly_fields = fields
    can_delete = False


class GoalProjectLinkInline(admin.TabularInline):
    model = models.GoalProjectLink
    extra = 0
    fields = ("project", "weight", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(models.Goal)
class GoalAdmin(ReadOnlyAdmin):
    list_display = (
        "title",
        "horizon",
        "period_start",
        "period_end",
        "owner",
        "status",
        "progress",
        "audience",
    )
    list_filter = ("horizon", "status", "audience")
    search_fields = ("title",)
    raw_id_fields = ("owner", "parent", "department", "created_by")
    inlines = [GoalProjectLinkInline, GoalTaskLinkInline]


@admin.register(models.GoalLink)
class GoalLinkAdmin(ReadOnlyAdmin):
    list_display = ("source", "kind", "target", "created_at")
    list_filter = ("kind",)


@admin.register(models.ProjectStatusNote)
class ProjectStatusNoteAdmin(ReadOnlyAdmin):
    list_display = ("project", "week", "rag", "author", "created_at")
    list_filter = ("rag",)
