"""Django admin for reports: records to look at and search. Changes go through the pages and services,
where the schedule rules, locks and audit apply; admins may delete schedules through the service."""

from django.contrib import admin

from . import services
from .models import (
    ControlCheck,
    ControlTime,
    DayCorrection,
    Digest,
    DigestPreference,
    ReportSettings,
    TimesheetConfirmation,
    WorkDay,
    WorkDayEvent,
    WorkReport,
    WorkSchedule,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown for reference and search; written only by services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(WorkSchedule)
class WorkScheduleAdmin(ReadOnlyAdmin):
    list_display = ("name", "department", "user", "start", "end", "allowed_lateness", "break_minutes")
    search_fields = ("name", "department__name", "user__email")
    list_select_related = ("department", "user")

    def has_delete_permission(self, request, obj=None):
        return True

    def delete_model(self, request, obj):
        services.schedule_delete(actor=request.user, schedule=obj)

    def delete_queryset(self, request, queryset):
        for schedule in queryset:
            services.schedule_delete(actor=request.user, schedule=schedule)


@admin.register(ReportSettings)
class ReportSettingsAdmin(ReadOnlyAdmin):
    list_display = ("department", "period", "due_time", "due_weekday")
    list_select_related = ("department",)


class WorkDayEventInline(admin.TabularInline):
    model = WorkDayEvent
    extra = 0
    can_delete = False
    fields = ("kind", "at", "ip", "comment", "actor")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkDay)
class WorkDayAdmin(ReadOnlyAdmin):
    list_display = ("user", "date", "state", "started_at", "ended_at", "is_late", "is_short", "auto_closed")
    list_filter = ("state", "is_late", "is_short", "is_early_end", "auto_closed", "needs_confirmation")
    search_fields = ("user__email", "user__last_name")
    list_select_related = ("user",)
    date_hierarchy = "date"
    inlines = [WorkDayEventInline]


@admin.register(DayCorrection)
class DayCorrectionAdmin(ReadOnlyAdmin):
    list_display = ("day", "requested_by", "status", "started_at", "ended_at", "decided_by", "created_at")
    list_filter = ("status",)
    search_fields = ("requested_by__email", "reason")
    list_select_related = ("day__user", "requested_by", "decided_by")


@admin.register(WorkReport)
class WorkReportAdmin(ReadOnlyAdmin):
    list_display = (
        "author",
        "period",
        "period_start",
        "status",
        "rating",
        "supervisor",
        "sent_at",
        "is_late",
    )
    list_filter = ("period", "status", "rating", "is_late")
    search_fields = ("author__email", "author__last_name", "facts", "results")
    list_select_related = ("author", "supervisor")
    date_hierarchy = "period_start"


@admin.register(TimesheetConfirmation)
class TimesheetConfirmationAdmin(ReadOnlyAdmin):
    list_display = ("user", "month", "confirmed_by", "confirmed_at")
    search_fields = ("user__email", "user__last_name")
    list_select_related = ("user", "confirmed_by")


@admin.register(ControlCheck)
class ControlCheckAdmin(ReadOnlyAdmin):
    list_display = ("supervisor", "subject", "item_repr", "picked_at", "checked_at")
    search_fields = ("supervisor__email", "subject__email", "item_repr")
    list_select_related = ("supervisor", "subject")


@admin.register(ControlTime)
class ControlTimeAdmin(ReadOnlyAdmin):
    list_display = ("supervisor", "date", "seconds")
    list_select_related = ("supervisor",)
    date_hierarchy = "date"


@admin.register(DigestPreference)
class DigestPreferenceAdmin(ReadOnlyAdmin):
    list_display = ("user", "digest_time", "personal_digest")
    list_select_related = ("user",)


@admin.register(Digest)
class DigestAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "kind", "date", "signals", "created_at", "sent_at")
    list_filter = ("kind",)
    search_fields = ("recipient__email",)
    list_select_related = ("recipient",)
    date_hierarchy = "date"
