from django.contrib import admin

from .models import Notification, NotificationSetting, Reminder, UserCounter


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are written by services (`notify`), never by hand."""

    list_display = ["title", "recipient", "kind", "actor", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__email", "recipient__last_name"]
    list_select_related = ["recipient", "actor"]
    raw_id_fields = ["recipient", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(NotificationSetting)
class NotificationSettingAdmin(admin.ModelAdmin):
    list_display = ["user", "email_kinds", "updated_at"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UserCounter)
class UserCounterAdmin(admin.ModelAdmin):
    """Stored counters, for diagnosis. They are rebuilt nightly and on every change."""

    list_display = ["user", "key", "value", "updated_at"]
    list_filter = ["key"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ("recipient", "key", "date", "sender", "created_at")
    list_filter = ("date",)
    search_fields = ("key", "recipient__email")
    raw_id_fields = ("recipient", "sender")
    date_hierarchy = "date"
