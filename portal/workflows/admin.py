"""Django admin of the workflows app: every model, for support and for looking things up.

No business rules live here: templates' forms and routes, roles' holders, absences and processes are changed
on the app's own pages (through the services, with their checks, versions and audit rows). So a template's
versions, and a process with its steps, assignments, history and files, are read-only here; the settings
that have no rules beyond their fields (absence types, holidays, deputies, allowances) stay editable.
"""

from django.contrib import admin

from . import models


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows rows, changes none: they are written by the services only."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# --- templates and roles --------------------------------------------------------------------------------


@admin.register(models.ProcessRole)
class ProcessRoleAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "description", "updated_at")
    search_fields = ("name", "key")
    filter_horizontal = ("members",)

    def get_readonly_fields(self, request, obj=None):
        # The code is what routes name: it is chosen when the role is made and stays.
        return ("key",) if obj is not None else ()


class TemplateVersionInline(ReadOnlyInline):
    model = models.TemplateVersion
    fields = ("number", "comment", "created_by", "created_at")
    readonly_fields = fields
    ordering = ("-number",)


@admin.register(models.ProcessTemplate)
class ProcessTemplateAdmin(admin.ModelAdmin):
    """The settings of a template; its form and route are edited on /workflows/templates/ (versions)."""

    list_display = ("name", "kind", "key", "is_active", "starters_everyone", "current_version", "updated_at")
    list_filter = ("kind", "is_active", "starters_everyone")
    search_fields = ("name", "key", "description")
    fields = (
        "name",
        "kind",
        "key",
        "description",
        "icon",
        "is_active",
        "starters_everyone",
        "start_departments",
        "start_groups",
        "viewer_roles",
        "current_version",
        "created_by",
    )
    readonly_fields = ("key", "kind", "current_version", "created_by")
    filter_horizontal = ("start_departments", "start_groups", "viewer_roles")
    inlines = [TemplateVersionInline]

    def has_add_permission(self, request) -> bool:
        return False  # a template is made with its first version in the editor


@admin.register(models.TemplateVersion)
class TemplateVersionAdmin(ReadOnlyAdmin):
    list_display = ("template", "number", "comment", "created_by", "created_at")
    list_filter = ("template",)
    search_fields = ("template__name", "comment")
    list_select_related = ("template", "created_by")


# --- processes ------------------------------------------------------------------------------------------


class ProcessStepInline(ReadOnlyInline):
    model = models.ProcessStep
    fields = ("round", "index", "name", "kind", "mode", "status", "started_at", "due_at", "finished_at")
    readonly_fields = fields


class ProcessActionInline(ReadOnlyInline):
    model = models.ProcessAction
    fields = ("created_at", "kind", "actor", "on_behalf_of", "step", "comment")
    readonly_fields = fields
    show_change_link = False


class ProcessFileInline(ReadOnlyInline):
    model = models.ProcessFile
    fields = ("field", "version", "name", "size", "content_type")
    readonly_fields = fields
    show_change_link = False


@admin.register(models.Process)
class ProcessAdmin(ReadOnlyAdmin):
    list_display = (
        "title",
        "kind",
        "template",
        "requester",
        "status",
        "amount",
        "submitted_at",
        "finished_at",
    )
    list_filter = ("status", "kind", "template")
    search_fields = ("title", "counterparty", "requester__email", "requester__last_name")
    raw_id_fields = ("requester", "paid_by")
    list_select_related = ("template", "requester")
    date_hierarchy = "submitted_at"
    inlines = [ProcessStepInline, ProcessActionInline, ProcessFileInline]


class StepAssignmentInline(ReadOnlyInline):
    model = models.StepAssignment
    fk_name = "step"
    fields = ("user", "reason", "instead_of", "decision", "decided_at", "active")
    readonly_fields = fields
    show_change_link = False


@admin.register(models.ProcessStep)
class ProcessStepAdmin(ReadOnlyAdmin):
    list_display = (
        "process",
        "round",
        "index",
        "name",
        "kind",
        "status",
        "due_at",
        "reminded_at",
        "escalated_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("name", "process__title")
    list_select_related = ("process",)
    inlines = [StepAssignmentInline]


@admin.register(models.StepAssignment)
class StepAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("step", "user", "reason", "instead_of", "decision", "decided_at", "active")
    list_filter = ("reason", "decision", "active")
    search_fields = ("user__email", "user__last_name", "step__process__title")
    list_select_related = ("step", "user", "instead_of")


@admin.register(models.ProcessAction)
class ProcessActionAdmin(ReadOnlyAdmin):
    list_display = ("process", "kind", "actor", "on_behalf_of", "created_at")
    list_filter = ("kind",)
    search_fields = ("process__title", "comment", "actor__email")
    list_select_related = ("process", "actor", "on_behalf_of")
    date_hierarchy = "created_at"


@admin.register(models.ProcessFile)
class ProcessFileAdmin(ReadOnlyAdmin):
    list_display = ("process", "field", "version", "name", "size", "created_at")
    list_filter = ("field",)
    search_fields = ("process__title",)
    list_select_related = ("process",)


# --- absences, holidays, deputies -----------------------------------------------------------------------


@admin.register(models.AbsenceType)
class AbsenceTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "color", "counts_allowance", "private", "is_active", "order")
    list_filter = ("counts_allowance", "private", "is_active")
    search_fields = ("name", "key")
    ordering = ("order", "name")


@admin.register(models.Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ("user", "type", "start", "end", "process", "created_by")
    list_filter = ("type",)
    search_fields = ("user__email", "user__last_name", "comment")
    raw_id_fields = ("user", "process", "created_by")
    list_select_related = ("user", "type")
    date_hierarchy = "start"


@admin.register(models.LeaveAllowance)
class LeaveAllowanceAdmin(admin.ModelAdmin):
    list_display = ("user", "year", "days", "carried_over")
    list_filter = ("year",)
    search_fields = ("user__email", "user__last_name")
    raw_id_fields = ("user",)
    list_select_related = ("user",)


@admin.register(models.Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name", "kind")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "date"


@admin.register(models.Deputy)
class DeputyAdmin(admin.ModelAdmin):
    list_display = ("user", "deputy", "start", "end")
    search_fields = ("user__email", "user__last_name", "deputy__email", "deputy__last_name")
    raw_id_fields = ("user", "deputy")
    list_select_related = ("user", "deputy")
    date_hierarchy = "start"


# --- automation rules -----------------------------------------------------------------------------------


class RuleRunInline(ReadOnlyInline):
    model = models.RuleRun
    fields = ("created_at", "object_id", "event_id", "status", "position", "next_at", "error")
    readonly_fields = fields
    show_change_link = True
    max_num = 0
    ordering = ("-created_at",)


@admin.register(models.AutomationRule)
class AutomationRuleAdmin(admin.ModelAdmin):
    """Rules are set on the rules page (their conditions and actions are checked there); here they can be
    looked up and switched off."""

    list_display = ("name", "trigger", "scope", "is_active", "last_error_at", "created_by")
    list_filter = ("trigger", "is_active")
    search_fields = ("name", "scope")
    fields = (
        "name",
        "trigger",
        "scope",
        "is_active",
        "conditions",
        "actions",
        "created_by",
        "last_error",
        "last_error_at",
    )
    readonly_fields = (
        "trigger",
        "scope",
        "conditions",
        "actions",
        "created_by",
        "last_error",
        "last_error_at",
    )

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(models.RuleRun)
class RuleRunAdmin(ReadOnlyAdmin):
    list_display = ("rule", "object_id", "event_id", "status", "created_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("rule__name", "object_id", "event_id")
    list_select_related = ("rule",)
    date_hierarchy = "created_at"
