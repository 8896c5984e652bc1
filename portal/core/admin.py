from django.contrib import admin

from .models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor", "action", "target_type", "target_repr")
    list_filter = ("action", "target_type")
    search_fields = ("target_repr", "actor__email", "action")
    date_hierarchy = "created_at"
    list_select_related = ("actor", "target_type")
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
