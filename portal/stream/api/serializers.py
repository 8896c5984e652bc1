"""Serializers of the stream API. Output serializers read decorated entries; input serializers only
parse, the services validate (their ValidationError becomes the API's JSON error)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import mentions
from ..choices import AudienceKind
from ..models import Comment, Entry, Like, Photo, Poll, PollOption


class StreamPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, person) -> str:
        return person.full_name or person.email


class AudienceOutSerializer(serializers.Serializer):
    everyone = serializers.BooleanField()
    departments = serializers.ListField(child=serializers.IntegerField())
    groups = serializers.ListField(child=serializers.IntegerField())
    users = serializers.ListField(child=serializers.IntegerField())


class PollOptionSerializer(serializers.ModelSerializer):
    votes_count = serializers.SerializerMethodField(
        help_text="Shown once the caller voted or the poll closed."
    )

    class Meta:
        model = PollOption
        fields = ["id", "text", "votes_count"]

    def get_votes_count(self, option) -> int | None:
        return option.votes_count if self.context.get("results_visible") else None


class PollSerializer(serializers.ModelSerializer):
    is_closed = serializers.BooleanField(read_only=True)
    voted = serializers.SerializerMethodField()
    my_options = serializers.SerializerMethodField()
    options = serializers.SerializerMethodField()

    class Meta:
        model = Poll
        fields = [
            "id",
            "question",
            "multiple",
            "anonymous",
            "closes_at",
            "closed_at",
            "is_closed",
            "voters_count",
            "voted",
            "my_options",
            "options",
        ]

    def get_voted(self, poll) -> bool:
        return bool(self.context.get("voted"))

    def get_my_options(self, poll) -> list[int]:
        return sorted(getattr(poll, "my_option_ids", set()))

    @extend_schema_field(PollOptionSerializer(many=True))
    def get_options(self, poll):
        context = {**self.context, "results_visible": bool(self.context.get("voted")) or poll.is_closed}
        return PollOptionSerializer(poll.options.all(), many=True, context=context).data


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    has_thumbnail = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = [
            "id",
            "album",
            "name",
            "content_type",
            "size",
            "width",
            "height",
            "likes_count",
            "comments_count",
            "created_at",
            "has_thumbnail",
            "url",
            "file_url",
            "thumbnail_url",
        ]

    def get_url(self, photo) -> str:
        return photo.get_absolute_url()

    def get_file_url(self, photo) -> str:
        return reverse("stream:photo_file", args=[photo.pk])

    def get_thumbnail_url(self, photo) -> str:
        return reverse("stream:photo_thumb", args=[photo.pk])

    def get_has_thumbnail(self, photo) -> bool:
        return bool(photo.thumbnail)


class AlbumSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    photos_count = serializers.IntegerField()
    photos = serializers.SerializerMethodField(help_text="The first photos; the album page has them all.")

    @extend_schema_field(PhotoSerializer(many=True))
    def get_photos(self, album):
        photos = getattr(album, "first_photos", None)
        if photos is None:
            photos = list(album.photos.order_by("id"))
        return PhotoSerializer(photos, many=True).data


class EntrySerializer(serializers.ModelSerializer):
    author = StreamPersonSerializer(read_only=True)
    text = serializers.SerializerMethodField(help_text="The body with mentions as @Name.")
    audience = serializers.SerializerMethodField()
    liked = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField(help_text="For important entries: the caller confirmed reading.")
    url = serializers.SerializerMethodField()
    poll = serializers.SerializerMethodField()
    album = serializers.SerializerMethodField()

    class Meta:
        model = Entry
        fields = [
            "id",
            "kind",
            "author",
            "body",
            "text",
            "verb",
            "context",
            "audience",
            "is_important",
            "read",
            "liked",
            "likes_count",
            "comments_count",
            "created_at",
            "edited_at",
            "url",
            "poll",
            "album",
        ]

    def get_text(self, entry) -> str:
        return mentions.plain(entry.body)

    @extend_schema_field(AudienceOutSerializer)
    def get_audience(self, entry):
        rows = list(entry.audience.all())
        return {
            "everyone": entry.audience_everyone,
            "departments": [r.department_id for r in rows if r.kind == AudienceKind.DEPARTMENT],
            "groups": [r.group_id for r in rows if r.kind == AudienceKind.GROUP],
            "users": [r.user_id for r in rows if r.kind == AudienceKind.USER],
        }

    def get_liked(self, entry) -> bool:
        return bool(getattr(entry, "liked_by_me", False))

    def get_read(self, entry) -> bool:
        return bool(getattr(entry, "read_by_me", False))

    def get_url(self, entry) -> str:
        return entry.get_absolute_url()

    @extend_schema_field(PollSerializer(allow_null=True))
    def get_poll(self, entry):
        poll = getattr(entry, "poll_or_none", None)
        if poll is None:
            return None
        return PollSerializer(
            poll, context={**self.context, "voted": getattr(entry, "voted_by_me", False)}
        ).data

    @extend_schema_field(AlbumSerializer(allow_null=True))
    def get_album(self, entry):
        album = getattr(entry, "album_or_none", None)
        return AlbumSerializer(album).data if album is not None else None


class PollInputSerializer(serializers.Serializer):
    question = serializers.CharField(allow_blank=True)
    options = serializers.ListField(child=serializers.CharField(allow_blank=True), allow_empty=True)
    multiple = serializers.BooleanField(default=False)
    anonymous = serializers.BooleanField(default=False)
    closes_at = serializers.DateTimeField(required=False, allow_null=True)


class EntryCreateSerializer(serializers.Serializer):
    body = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text="Mentions: @[Name](user:ID)"
    )
    everyone = serializers.BooleanField(default=False)
    departments = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    groups = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    users = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    is_important = serializers.BooleanField(default=False)
    poll = PollInputSerializer(required=False, allow_null=True)


class EntryUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    is_important = serializers.BooleanField(required=False)


class CommentSerializer(serializers.ModelSerializer):
    author = StreamPersonSerializer(read_only=True)
    text = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ["id", "entry", "photo", "parent", "author", "body", "text", "created_at", "edited_at"]

    def get_text(self, comment) -> str:
        return mentions.plain(comment.body)


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    parent = serializers.IntegerField(required=False, allow_null=True)


class CommentUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)


class LikeSerializer(serializers.ModelSerializer):
    user = StreamPersonSerializer(read_only=True)

    class Meta:
        model = Like
        fields = ["user", "created_at"]


class LikeStateSerializer(serializers.Serializer):
    liked = serializers.BooleanField()
    likes_count = serializers.IntegerField()


class VoteSerializer(serializers.Serializer):
    options = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


class ReaderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")
    read_at = serializers.DateTimeField(required=False, allow_null=True)


class ReadersSerializer(serializers.Serializer):
    read = ReaderSerializer(many=True)
    unread = ReaderSerializer(many=True)


class ReadStateSerializer(serializers.Serializer):
    read_at = serializers.DateTimeField()


class PhotosUploadSerializer(serializers.Serializer):
    photos = serializers.ListField(child=serializers.FileField(), allow_empty=True)
    album_title = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_field(OpenApiTypes.BINARY)
class BinaryField(serializers.Field):
    pass
