"""Serving stored files: the one response and the one permission-checked download view (core attachments)."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable
from urllib.parse import quote

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.views import View

from portal.core.attachments.detection import (
    FILE_RESPONSE_CSP,
    INLINE_IMAGE_TYPES,
    OCTET_STREAM,
    SERVABLE_TYPES,
    extension_for,
    sanitize_file_name,
)
from portal.core.attachments.stored import THUMBNAIL_TYPES, AttachmentBase, stored_extension

# --- downloads ---------------------------------------------------------------------------------------


def servable_content_type(content_type: str | None) -> str:
    """The stored type when the detector could have answered it; application/octet-stream otherwise."""
    return content_type if content_type in SERVABLE_TYPES else OCTET_STREAM


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._-]", "", text)


def content_disposition(name: str, *, inline: bool = False) -> str:
    """`inline` or `attachment` with a safe file name (RFC 6266): an ASCII `filename=` every browser
    reads, plus `filename*=` in UTF-8 when the name is not plain ASCII. No quotes, no line breaks."""
    name = sanitize_file_name(name)
    stem, ext = os.path.splitext(name)
    ascii_ext = _ascii(ext)
    fallback = (_ascii(stem).strip("._-") or "download") + (ascii_ext if ascii_ext.strip(".") else "")
    header = f'{"inline" if inline else "attachment"}; filename="{fallback}"'
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


_IMAGE_NAME_EXTENSIONS = {
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg", ".jpe", ".jfif"},
    "image/gif": {".gif"},
    "image/webp": {".webp"},
}


def download_name_for(name: str, content_type: str) -> str:
    """The name to download a file as: its display name, except that a picture named like something
    else ("avatar.html") is given the extension of what it is, so that saving it never makes a page."""
    name = sanitize_file_name(name)
    stem, ext = os.path.splitext(name)
    expected = _IMAGE_NAME_EXTENSIONS.get(content_type)
    if expected and ext.lower() not in expected:
        return f"{stem or 'file'}.{extension_for(content_type)}"
    return name


def file_response(
    field_file: FieldFile,
    *,
    content_type: str | None,
    download_name: str,
    inline_allowed: bool = True,
    cache_control: str = "private, no-store",
) -> FileResponse:
    """Serve a stored file after the caller's permission check.

    The type is the one stored at upload (never guessed from a name); only the image types of
    INLINE_IMAGE_TYPES go out inline, and only when `inline_allowed`; everything else is an attachment
    named `download_name`. Always `nosniff` and a Content-Security-Policy that sandboxes the response,
    should a browser ever render it as a page. A missing file answers 404.
    """
    content_type = servable_content_type(content_type)
    inline = inline_allowed and content_type in INLINE_IMAGE_TYPES
    if not field_file:
        raise Http404("No file.")
    try:
        handle = field_file.open("rb")
    except (OSError, ValueError) as exc:
        raise Http404("The file is missing.") from exc
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition(
        download_name_for(download_name, content_type), inline=inline
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_RESPONSE_CSP
    response["Cache-Control"] = cache_control
    return response


# --- the download view -------------------------------------------------------------------------------


class AttachmentDownloadView(LoginRequiredMixin, View):
    """Serve one attachment to someone who may see it, through `file_response`.

    `queryset` is a callable `(request, **url_kwargs) -> QuerySet` that is already filtered by
    `visible_to(request.user)` (and by the URL's other parts); the row is looked up in it by
    `lookup_field` = the URL's `lookup_kwarg`, so a hidden row and a missing one answer the same 404.
    `inline_allowed` lets pictures show inline (never other types); `?download=1` always asks for an
    attachment and `?thumbnail=1` serves a picture's thumbnail. GET only, like every download.
    """

    http_method_names = ["get"]
    queryset: Callable[..., models.QuerySet] | None = None
    lookup_field = "pk"
    lookup_kwarg = "pk"
    inline_allowed = False
    cache_control = "private, no-store"

    def get_object(self, request: HttpRequest, **kwargs) -> AttachmentBase:
        if self.queryset is None:
            raise NotImplementedError("AttachmentDownloadView needs a queryset callable")
        row = (
            self.queryset(request, **kwargs).filter(**{self.lookup_field: kwargs[self.lookup_kwarg]}).first()
        )
        if row is None or not row.file:
            raise Http404("No file.")
        return row

    def get(self, request: HttpRequest, *args, **kwargs) -> FileResponse:
        row = self.get_object(request, **kwargs)
        if request.GET.get("thumbnail") is not None:
            if not row.thumbnail:
                raise Http404("No thumbnail.")
            content_type = THUMBNAIL_TYPES.get(stored_extension(row.thumbnail.name), OCTET_STREAM)
            return file_response(
                row.thumbnail,
                content_type=content_type,
                download_name=row.name,
                cache_control=self.cache_control,
            )
        return file_response(
            row.file,
            content_type=row.content_type,
            download_name=row.name,
            inline_allowed=self.inline_allowed and request.GET.get("download") is None,
            cache_control=self.cache_control,
        )
