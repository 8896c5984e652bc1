"""Django admin for groups. Writes go through the services, so counters, owners and the audit stay right."""

from django.contrib import admin

from . import services
from .models import GroupFile, JoinRequest, Membership, Workgroup

_EDITABLE = ["name", "description", "kind", "visibility", "start_date", "end_date", "department"]


class MembershipInline(admin.TabularInline):
    """Shown for reference; members are managed on the group's page, where the owner rules apply."""

    model = Membership
    extra = 0
    fields = ("user", "role", "joined_at")
    readonly_fields = ("user", "role", "joined_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Workgroup)
class WorkgroupAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "visibility",
        "department",
        "members_count",
        "files_count",
        "is_archived",
        "created_at",
    )
    list_filter = ("kind", "visibility", "is_archived")
    search_fields = ("name", "description")
    list_select_related = ("department",)
    fields = (*_EDITABLE, "is_archived", "members_count", "files_count", "created_by", "created_at")
    readonly_fields = ("members_count", "files_count", "created_by", "created_at")
    inlines = [MembershipInline]
    date_hierarchy = "created_at"

    def save_model(self, request, obj, form, change):
        values = {field: form.cleaned_data.get(field) for field in _EDITABLE}
        values["description"] = values["description"] or ""
        if change:
            group = Workgroup.objects.get(pk=obj.pk)
            services.group_update(actor=request.user, group=group, **values)
            services.group_archive(actor=request.user, group=group, archived=form.cleaned_data["is_archived"])
        else:
            group = services.group_create(actor=request.user, **values)
            if form.cleaned_data.get("is_archived"):
                services.group_archive(actor=request.user, group=group, archived=True)
            obj.pk = group.pk
            obj._state.adding = False


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ("group", "user", "status", "created_at", "decided_by", "decided_at")
    list_filter = ("status",)
    search_fields = ("group__name", "user__email", "user__last_name")
    list_select_related = ("group", "user", "decided_by")
    readonly_fields = ("group", "user", "message", "status", "decided_by", "decided_at", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(GroupFile)
class GroupFileAdmin(admin.ModelAdmin):
    list_display = ("name", "group", "size", "content_type", "uploaded_by", "created_at")
    list_filter = ("content_type",)
    search_fields = ("name", "group__name", "uploaded_by__email")
    list_select_related = ("group", "uploaded_by")
    readonly_fields = ("group", "name", "file", "size", "content_type", "uploaded_by", "created_at")

    def has_add_permission(self, request):
        return False  # uploads go through the group page or the API

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.group_file_delete(actor=request.user, group_file=obj)

    def delete_queryset(self, request, queryset):
        for group_file in queryset.select_related("group"):
            services.group_file_delete(actor=request.user, group_file=group_file)
