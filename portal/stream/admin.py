"""Django admin for the stream: moderation views over entries, comments, polls and photos.

Deleting goes through the services' rules only from the pages; here admins see and fix data.
"""

from django.contrib import admin

from .models import Album, Comment, Entry, EntryAudience, EntryRead, Like, Photo, Poll, PollOption


class EntryAudienceInline(admin.TabularInline):
    model = EntryAudience
    extra = 0
    raw_id_fields = ["department", "group", "user"]


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "author",
        "short_body",
        "audience_everyone",
        "is_important",
        "comments_count",
        "likes_count",
        "created_at",
    ]
    list_filter = ["kind", "is_important", "audience_everyone", "created_at"]
    search_fields = ["body", "verb", "author__email", "author__last_name"]
    raw_id_fields = ["author"]
    readonly_fields = ["comments_count", "likes_count", "created_at", "updated_at", "edited_at"]
    date_hierarchy = "created_at"
    list_select_related = ["author"]
    inlines = [EntryAudienceInline]

    @admin.display(description="text")
    def short_body(self, entry):
        return (entry.body or entry.verb)[:80]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["id", "entry", "photo", "parent", "author", "body", "created_at", "edited_at"]
    list_filter = ["created_at"]
    search_fields = ["body", "author__email", "author__last_name"]
    raw_id_fields = ["entry", "photo", "parent", "author"]
    list_select_related = ["author", "entry", "entry__author"]


@admin.register(Like)
class LikeAdmin(admin.ModelAdmin):
    list_display = ["id", "entry", "photo", "user", "created_at"]
    search_fields = ["user__email", "user__last_name"]
    raw_id_fields = ["entry", "photo", "user"]


class PollOptionInline(admin.TabularInline):
    model = PollOption
    extra = 0
    readonly_fields = ["votes_count"]


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = ["id", "question", "multiple", "anonymous", "closes_at", "closed_at", "voters_count"]
    list_filter = ["multiple", "anonymous", "closed_at"]
    search_fields = ["question"]
    raw_id_fields = ["entry"]
    readonly_fields = ["voters_count"]
    inlines = [PollOptionInline]


@admin.register(EntryRead)
class EntryReadAdmin(admin.ModelAdmin):
    list_display = ["id", "entry", "user", "read_at"]
    list_filter = ["read_at"]
    search_fields = ["user__email", "user__last_name"]
    raw_id_fields = ["entry", "user"]


class PhotoInline(admin.TabularInline):
    model = Photo
    extra = 0
    fields = ["name", "content_type", "size", "width", "height", "thumbnail"]
    readonly_fields = fields


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "entry", "photos_count"]
    search_fields = ["title"]
    raw_id_fields = ["entry"]
    inlines = [PhotoInline]


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "name",
        "album",
        "content_type",
        "size",
        "width",
        "height",
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["content_type", "created_at"]
    search_fields = ["name", "album__title"]
    raw_id_fields = ["album", "uploaded_by"]
    # Pictures arrive only through the stream's upload service, which re-encodes them and keeps their type.
    readonly_fields = ["image", "thumbnail", "content_type", "thumbnail_content_type"]
