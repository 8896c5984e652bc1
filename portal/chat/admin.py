"""Django admin for chats. Admins manage chats here; reading them on the portal stays members-only."""

from django.contrib import admin

from .models import Chat, ChatMember, Message


class ChatMemberInline(admin.TabularInline):
    model = ChatMember
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["last_read_message_id", "joined_at"]


@admin.register(Chat)
class ChatAdmin(admin.ModelAdmin):
    list_display = ["id", "__str__", "kind", "workgroup", "members_count", "last_message_at", "created_at"]
    list_filter = ["kind"]
    search_fields = ["title"]
    raw_id_fields = ["workgroup", "created_by"]
    readonly_fields = ["direct_key", "members_count", "last_message_at", "created_at", "updated_at"]
    inlines = [ChatMemberInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "chat", "author", "created_at", "edited_at", "deleted_at"]
    list_filter = ["created_at"]
    search_fields = ["body", "attachment__name"]
    raw_id_fields = ["chat", "author"]
    # Files arrive only through the chat's upload service, which checks them and detects their type.
    readonly_fields = [
        "attachment_name",
        "attachment_size",
        "attachment_type",
        "created_at",
        "edited_at",
        "deleted_at",
    ]
    list_select_related = ["chat", "author"]
