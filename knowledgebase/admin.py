"""Django admin of the knowledge base: spaces and pages, for support and for looking things up.

No business rules live here: pages are written, moved, restored and deleted on the app's own pages and API
(through the services, with their revisions, stream entries and audit rows), so a page with its revisions,
tags and files is read-only here. A space's own settings go through `space_update` (with its checks and audit
row); its rights are changed on its "Rights" page.
"""

from django.contrib import admin

from . import models


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class SpaceGrantInline(ReadOnlyInline):
    model = models.SpaceGrant
    fields = ("role", "user", "department", "include_subdepartments", "workgroup", "granted_by", "created_at")
    readonly_fields = fields


@admin.register(models.Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "key", "responsible", "everyone_access", "updated_at")
    list_filter = ("kind", "everyone_access", "language", "moderated")
    search_fields = ("title", "description")
    raw_id_fields = ("responsible", "home_page")
    fields = (
        "title", "kind", "key", "description", "icon", "responsible", "home_page", "owner", "department",
        "workgroup", "everyone_access", "language", "moderated",
    )  # fmt: skip
    readonly_fields = ("kind", "key", "owner", "department", "workgroup")
    inlines = [SpaceGrantInline]

    def has_add_permission(self, request) -> bool:
        return False  # spaces are made on the knowledge base's pages (who may, which grants come with it)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        from .services.spaces import space_update

        values = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        fresh = models.Space.objects.get(pk=obj.pk)
        space_update(actor=request.user, space=fresh, **values)


class RevisionInline(ReadOnlyInline):
    model = models.PageRevision
    fields = ("number", "title", "author", "comment", "minor", "restored_from", "created_at")
    readonly_fields = fields
    ordering = ("-number",)


class TagInline(ReadOnlyInline):
    model = models.PageTag
    fields = ("name",)
    readonly_fields = fields


class FileInline(ReadOnlyInline):
    model = models.PageFile
    fields = ("name", "content_type", "size", "uploaded_by", "created_at")
    readonly_fields = fields


@admin.register(models.Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ("title", "space", "status", "revision", "responsible", "review_by", "updated_at")
    list_filter = ("status", "language", "space__kind")
    search_fields = ("title",)
    list_select_related = ("space", "responsible")
    inlines = [TagInline, FileInline, RevisionInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Governance rows are written by their services (notifications, counters, audit rows): read-only here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.PageComment)
class PageCommentAdmin(ReadOnlyAdmin):
    list_display = ("page", "author", "status", "created_at", "likes_count")
    list_filter = ("status",)
    search_fields = ("body",)
    list_select_related = ("page", "author")


@admin.register(models.Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("title", "space", "status", "deadline", "newcomers", "created_by", "created_at")
    list_filter = ("status",)
    search_fields = ("title",)
    list_select_related = ("space", "created_by")


@admin.register(models.ReadingAssignment)
class ReadingAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "page", "user", "due_on", "confirmed_at")
    list_filter = ("campaign__status",)
    list_select_related = ("campaign", "page", "user")
    raw_id_fields = ("campaign", "page", "user")


@admin.register(models.PageVerification)
class PageVerificationAdmin(ReadOnlyAdmin):
    list_display = ("page", "verified_by", "verified_at", "revision")
    list_select_related = ("page", "verified_by")
