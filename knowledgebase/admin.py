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
