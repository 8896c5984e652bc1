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


# --- indicators and KPI (read-only: values, targets, formulas and scores are written by the services) ----------


class IndicatorTargetInline(admin.TabularInline):
    model = models.IndicatorTarget
    extra = 0
    fields = ("period_start", "target")
    readonly_fields = fields
    can_delete = False


class IndicatorFormulaInline(admin.TabularInline):
    model = models.IndicatorFormula
    extra = 0
    fields = ("version", "text", "created_by", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(models.Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "source",
        "period",
        "owner",
        "visibility",
        "last_period",
        "last_value",
        "last_status",
    )
    list_filter = ("source", "period", "visibility", "last_status")
    search_fields = ("name", "formula")
    list_select_related = ("owner",)
    inlines = [IndicatorTargetInline, IndicatorFormulaInline]


class IndicatorValueRevisionInline(admin.TabularInline):
    model = models.IndicatorValueRevision
    extra = 0
    fields = ("kind", "old_value", "new_value", "formula_version", "reason", "actor", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(models.IndicatorValue)
class IndicatorValueAdmin(ReadOnlyAdmin):
    list_display = (
        "indicator",
        "period_start",
        "value",
        "formula_version",
        "status",
        "changed_by",
        "changed_at",
    )
    list_filter = ("status",)
    search_fields = ("indicator__name",)
    list_select_related = ("indicator", "changed_by")
    inlines = [IndicatorValueRevisionInline]


class KpiCardLineInline(admin.TabularInline):
    model = models.KpiCardLine
    extra = 0
    fields = ("indicator", "weight", "cap", "target")
    readonly_fields = fields
    can_delete = False


@admin.register(models.KpiCard)
class KpiCardAdmin(ReadOnlyAdmin):
    list_display = ("name", "holder_kind", "person", "position", "department", "period", "is_active")
    list_filter = ("holder_kind", "period", "is_active")
    search_fields = ("name", "position")
    inlines = [KpiCardLineInline]


@admin.register(models.KpiScore)
class KpiScoreAdmin(ReadOnlyAdmin):
    list_display = ("card", "person", "period_start", "score", "status", "confirmed_by", "confirmed_at")
    list_filter = ("status", "period_start")
    search_fields = ("card__name", "person__email", "person__last_name")
    list_select_related = ("card", "person", "confirmed_by")
