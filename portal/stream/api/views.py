"""The stream API: the same selectors, services and FilterSet as the pages.

Entries the caller may not see answer 404; an action on a visible entry without the right answers 403.
The entry list is keyset-paginated (`?cursor=`), newest first.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from portal.core.api.pagination import NewestFirstCursorPagination, StandardPagination
from portal.core.attachments import file_response

from .. import selectors, services
from ..filters import EntryFilterSet
from ..models import Comment, Entry, Photo
from .serializers import (
    CommentCreateSerializer,
    CommentSerializer,
    CommentUpdateSerializer,
    EntryCreateSerializer,
    EntrySerializer,
    EntryUpdateSerializer,
    LikeSerializer,
    LikeStateSerializer,
    PhotoSerializer,
    PhotosUploadSerializer,
    ReadersSerializer,
    ReadStateSerializer,
    VoteSerializer,
)


class FeedPagination(NewestFirstCursorPagination):
    page_size = selectors.PAGE_SIZE


def _like_state(entry_or_photo, liked: bool) -> Response:
    entry_or_photo.refresh_from_db(fields=["likes_count"])
    return Response(LikeStateSerializer({"liked": liked, "likes_count": entry_or_photo.likes_count}).data)


@extend_schema_view(
    list=extend_schema(summary="The feed: entries the caller may see, newest first (keyset cursor)"),
    retrieve=extend_schema(summary="One entry"),
    create=extend_schema(
        summary="Post to an audience (everyone, departments, groups, people), optionally with a poll",
        request=EntryCreateSerializer,
        responses={201: EntrySerializer},
    ),
    partial_update=extend_schema(
        summary="Change the text or importance of one's own post",
        request=EntryUpdateSerializer,
        responses=EntrySerializer,
    ),
    destroy=extend_schema(summary="Delete one's own post (admins: any)", responses={204: None}),
)
class EntryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Stream entries with their comments, likes, polls, read confirmations and photos."""

    serializer_class = EntrySerializer
    filterset_class = EntryFilterSet
    filter_backends = [DjangoFilterBackend]
    pagination_class = FeedPagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.entries_decorate(
            selectors.entry_list(user=self.request.user), user=self.request.user
        )

    def _entry(self) -> Entry:
        """The entry of a nested action: 404 when hidden or missing."""
        return selectors.entry_get_plain(user=self.request.user, pk=self.kwargs["pk"])

    def _out(self, entry: Entry, code=status.HTTP_200_OK) -> Response:
        entry = selectors.entry_get(user=self.request.user, pk=entry.pk)
        return Response(EntrySerializer(entry, context=self.get_serializer_context()).data, status=code)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        entries = selectors.entries_load(user=request.user, ids=[e.pk for e in page]) if page else []
        return self.get_paginated_response(self.get_serializer(entries, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return self._out(selectors.entry_get(user=request.user, pk=kwargs["pk"]))

    def create(self, request, *args, **kwargs):
        data = EntryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        poll = values.get("poll")
        entry = services.post_create(
            actor=request.user,
            body=values["body"],
            audience=services.Audience(
                everyone=values["everyone"],
                departments=values["departments"],
                groups=values["groups"],
                users=values["users"],
            ),
            is_important=values["is_important"],
            poll=services.PollSpec(**poll) if poll else None,
        )
        return self._out(entry, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        entry = self._entry()
        data = EntryUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.post_update(actor=request.user, entry=entry, **data.validated_data)
        return self._out(entry)

    def destroy(self, request, *args, **kwargs):
        services.entry_delete(actor=request.user, entry=self._entry())
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- comments ----------------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"], summary="Comments of an entry, oldest first", responses=CommentSerializer(many=True)
    )
    @extend_schema(
        methods=["POST"],
        summary="Comment (or reply, one level deep)",
        request=CommentCreateSerializer,
        responses={201: CommentSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=StandardPagination)
    def comments(self, request, pk=None):
        entry = self._entry()
        if request.method in SAFE_METHODS:  # HEAD reads too
            page = self.paginate_queryset(selectors.comment_list(user=request.user, entry=entry))
            return self.get_paginated_response(CommentSerializer(page, many=True).data)
        data = CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parent = None
        if data.validated_data.get("parent"):
            parent = Comment.objects.filter(pk=data.validated_data["parent"], entry=entry).first()
            if parent is None:
                from django.core.exceptions import ValidationError

                raise ValidationError({"parent": [_("The comment you reply to is not on this entry.")]})
        comment = services.comment_create(
            actor=request.user, entry=entry, body=data.validated_data["body"], parent=parent
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    # --- likes -------------------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"], summary="Who liked the entry, newest first", responses=LikeSerializer(many=True)
    )
    @extend_schema(methods=["POST"], summary="Like the entry", request=None, responses=LikeStateSerializer)
    @extend_schema(
        methods=["DELETE"], summary="Take the like back", request=None, responses={200: LikeStateSerializer}
    )
    @action(detail=True, methods=["get", "post", "delete"], pagination_class=StandardPagination)
    def likes(self, request, pk=None):
        entry = self._entry()
        if request.method in SAFE_METHODS:  # HEAD reads too
            page = self.paginate_queryset(selectors.like_list(user=request.user, entry=entry))
            return self.get_paginated_response(LikeSerializer(page, many=True).data)
        if request.method == "POST":
            services.like_add(actor=request.user, entry=entry)
            return _like_state(entry, True)
        services.like_remove(actor=request.user, entry=entry)
        return _like_state(entry, False)

    # --- polls -------------------------------------------------------------------------------------

    @extend_schema(
        summary="Vote in the entry's poll (once)", request=VoteSerializer, responses=EntrySerializer
    )
    @action(detail=True, methods=["post"])
    def vote(self, request, pk=None):
        entry = self._entry()
        poll = selectors.poll_of(entry)
        if poll is None:
            raise Http404("This entry has no poll.")
        data = VoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.poll_vote(actor=request.user, poll=poll, option_ids=data.validated_data["options"])
        return self._out(entry)

    @extend_schema(
        summary="Close the entry's poll now (its author, admins)", request=None, responses=EntrySerializer
    )
    @action(detail=True, methods=["post"], url_path="close-poll")
    def close_poll(self, request, pk=None):
        entry = self._entry()
        poll = selectors.poll_of(entry)
        if poll is None:
            raise Http404("This entry has no poll.")
        services.poll_close(poll=poll, actor=request.user)
        return self._out(entry)

    # --- important announcements -------------------------------------------------------------------

    @extend_schema(
        summary="“I have read it” for an important entry", request=None, responses=ReadStateSerializer
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        read = services.announcement_read(actor=request.user, entry=self._entry())
        return Response(ReadStateSerializer({"read_at": read.read_at}).data)

    @extend_schema(
        summary="Who has and has not read an important entry (its author, admins)",
        responses=ReadersSerializer,
    )
    @action(detail=True, methods=["get"])
    def readers(self, request, pk=None):
        entry = self._entry()
        if not selectors.can_see_readers(request.user, entry):
            raise PermissionDenied(_("Only the author sees who has read the post."))
        report = selectors.announcement_readers(user=request.user, entry=entry)
        return Response(ReadersSerializer({"read": report.read, "unread": report.unread}).data)

    # --- photos ------------------------------------------------------------------------------------

    @extend_schema(
        summary="Upload photos to the entry's album (its author; multipart, field `photos` repeated)",
        request={"multipart/form-data": PhotosUploadSerializer},
        responses={201: PhotoSerializer(many=True)},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def photos(self, request, pk=None):
        entry = self._entry()
        data = PhotosUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photos = services.album_photos_add(
            actor=request.user,
            entry=entry,
            files=data.validated_data["photos"],
            title=data.validated_data.get("album_title", ""),
        )
        return Response(PhotoSerializer(photos, many=True).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(summary="One comment"),
    partial_update=extend_schema(
        summary="Change one's own comment", request=CommentUpdateSerializer, responses=CommentSerializer
    ),
    destroy=extend_schema(summary="Delete one's own comment (admins: any)", responses={204: None}),
)
class CommentViewSet(
    mixins.RetrieveModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Comments, reached by id; listing and adding happen under their entry."""

    serializer_class = CommentSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return Comment.objects.visible_to(self.request.user).select_related("author", "entry")

    def _comment(self) -> Comment:
        return selectors.comment_get(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        return Response(CommentSerializer(self._comment()).data)

    def update(self, request, *args, **kwargs):
        comment = self._comment()
        data = CommentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_update(
            actor=request.user, comment=comment, body=data.validated_data["body"]
        )
        return Response(CommentSerializer(comment).data)

    def destroy(self, request, *args, **kwargs):
        services.comment_delete(actor=request.user, comment=self._comment())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(retrieve=extend_schema(summary="One photo"))
class PhotoViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Photos of albums the caller may see, with their likes and comments."""

    serializer_class = PhotoSerializer

    def get_queryset(self):
        return Photo.objects.visible_to(self.request.user).select_related("album")

    def _photo(self) -> Photo:
        return selectors.photo_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        summary="The image file (or `?size=thumb`)",
        responses={(200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The image.")},
    )
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        photo = self._photo()
        if request.query_params.get("size") == "thumb" and photo.thumbnail:
            field, content_type = photo.thumbnail, photo.thumbnail_content_type
        else:
            field, content_type = photo.image, photo.content_type
        return file_response(
            field, content_type=content_type, download_name=photo.name, cache_control="private, max-age=3600"
        )

    @extend_schema(methods=["POST"], summary="Like the photo", request=None, responses=LikeStateSerializer)
    @extend_schema(
        methods=["DELETE"], summary="Take the like back", request=None, responses={200: LikeStateSerializer}
    )
    @action(detail=True, methods=["post", "delete"])
    def likes(self, request, pk=None):
        photo = self._photo()
        entry = photo.album.entry
        if request.method == "POST":
            services.like_add(actor=request.user, entry=entry, photo=photo)
            return _like_state(photo, True)
        services.like_remove(actor=request.user, entry=entry, photo=photo)
        return _like_state(photo, False)

    @extend_schema(methods=["GET"], summary="Comments of the photo", responses=CommentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        summary="Comment on the photo",
        request=CommentCreateSerializer,
        responses={201: CommentSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=StandardPagination)
    def comments(self, request, pk=None):
        photo = self._photo()
        entry = photo.album.entry
        if request.method in SAFE_METHODS:  # HEAD reads too
            page = self.paginate_queryset(selectors.comment_list(user=request.user, entry=entry, photo=photo))
            return self.get_paginated_response(CommentSerializer(page, many=True).data)
        data = CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_create(
            actor=request.user, entry=entry, body=data.validated_data["body"], photo=photo
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
