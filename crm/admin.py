"""The CRM in Django admin: the records for support, and the settings for the CRM administrator."""

from django.contrib import admin

from . import models


class CommunicationInline(admin.TabularInline):
    model = models.Communication
    extra = 0
    fields = ("kind", "type", "value", "normalized")
    readonly_fields = ("normalized",)


@admin.register(models.Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "source", "responsible", "created_at")
    list_filter = ("status", "source")
    search_fields = ("title", "first_name", "last_name", "company_name")
    raw_id_fields = ("responsible", "created_by", "contact", "company")
    inlines = [CommunicationInline]


@admin.register(models.Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "position", "responsible", "created_at")
    search_fields = ("first_name", "last_name")
    raw_id_fields = ("responsible", "created_by")
    inlines = [CommunicationInline]


@admin.register(models.Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "responsible", "created_at")
    list_filter = ("kind",)
    search_fields = ("name",)
    raw_id_fields = ("responsible", "created_by")
    inlines = [CommunicationInline]


class DealLineInline(admin.TabularInline):
    model = models.DealLine
    extra = 0
    raw_id_fields = ("product",)


@admin.register(models.Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = ("title", "pipeline", "stage", "amount", "responsible", "created_at")
    list_filter = ("pipeline", "stage_kind")
    search_fields = ("title",)
    raw_id_fields = ("responsible", "created_by", "contact", "company", "lead", "stage")
    inlines = [DealLineInline]


class StageInline(admin.TabularInline):
    model = models.Stage
    extra = 0


@admin.register(models.Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ("name", "sort", "is_default", "idle_days", "is_active")
    inlines = [StageInline]


@admin.register(models.Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "sku", "price", "is_active")
    search_fields = ("name", "sku")


@admin.register(models.Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("subject", "kind", "responsible", "deadline", "is_done", "created_at")
    list_filter = ("kind", "is_done")
    raw_id_fields = ("responsible", "created_by", "lead", "contact", "company", "deal")


class RolePermissionInline(admin.TabularInline):
    model = models.CrmRolePermission
    extra = 0


class RoleAssignmentInline(admin.TabularInline):
    model = models.CrmRoleAssignment
    extra = 0
    raw_id_fields = ("user",)


@admin.register(models.CrmRole)
class CrmRoleAdmin(admin.ModelAdmin):
    list_display = ("name", "is_admin", "is_default")
    inlines = [RolePermissionInline, RoleAssignmentInline]


@admin.register(models.CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    list_display = ("label", "entity", "key", "type", "required", "is_active")
    list_filter = ("entity", "type")


@admin.register(models.Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ("name", "host", "login", "is_active", "last_checked_at", "last_error")
    readonly_fields = ("uidvalidity", "last_uid", "last_checked_at", "last_error", "last_error_at")


@admin.register(models.WebForm)
class WebFormAdmin(admin.ModelAdmin):
    list_display = ("name", "target", "is_active", "submissions_count")


@admin.register(models.StoreConnection)
class StoreConnectionAdmin(admin.ModelAdmin):
    list_display = ("name", "adapter", "pipeline", "is_active", "deliveries_count", "last_delivery_at")


@admin.register(models.PbxConnection)
class PbxConnectionAdmin(admin.ModelAdmin):
    list_display = ("name", "token_prefix", "is_active", "last_event_at")


admin.site.register(models.CrmSettings)
