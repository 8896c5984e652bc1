"""Files in and out of the portal: the one place that decides what is stored and how it is served.

Uploads:
- `check_image_upload` is for pictures the portal shows (profile photos, stream photos, chat images):
  it decodes the upload with Pillow, refuses what is not a JPEG, PNG, GIF or WebP and decompression
  bombs, then re-encodes the pixels into the same format. Nothing of the uploaded file but its pixels
  survives: no metadata, no text chunks, no comments, and so nothing a browser could take for a page.
- `check_file_upload` is for documents (group files, task files, chat attachments): it keeps the bytes,
  detects their type from the bytes (`detect_content_type`, never the browser's word nor the name).
Both give a sanitised display name and a random storage name whose extension follows the detected type,
so that no stored file ever ends in `.html` whatever it was called.

Downloads: `file_response` serves a stored file with the type stored at upload (only the types the
detector can answer; anything else goes out as application/octet-stream), inline only for a short list
of image types, always with `nosniff` and a sandboxing Content-Security-Policy.

The attachments piece puts these together, once for every app: `AttachmentBase` (the abstract row of a
kept file), `attachment_store` (the one upload service), `attachment_files_discard` (storage follows a
delete on commit), `attachment_thumbnail_job` in `portal.core.jobs` (pictures' thumbnails) and
`AttachmentDownloadView` (the one permission-checked download). A new app attaches files in a few lines:

    # models.py
    class DealFile(AttachmentBase):
        storage_folder, storage_owner_field, download_url_name = "crm", "deal", "crm:deal_file_download"
        deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="files")
        objects = DealFileQuerySet.as_manager()  # with visible_to(user)

    # services.py: the app checks who may attach, then hands the file part over
    deal_file = attachment_store(model=DealFile, actor=actor, upload=upload, deal=deal)

    # urls.py
    path("files/<int:pk>/download/", AttachmentDownloadView.as_view(
        queryset=lambda request, **kw: DealFile.objects.visible_to(request.user)), name="deal_file_download")

`attachment_store` raises `portal.core.errors.Invalid` ({field: [message]}) and stores nothing on bad
input; the app's own service keeps its permission checks, stream entry, audit row and counters.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import logging
import os
import re
import secrets
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any, ClassVar, TypeVar
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from portal.core.errors import Invalid

log = logging.getLogger(__name__)

OCTET_STREAM = "application/octet-stream"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"

# The only types ever served inline: a browser renders them as pictures and nothing else.
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# Pillow format -> content type, for the pictures the portal keeps.
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
# Every type `detect_content_type` can answer, with the extension its stored files get. A stored type
# outside this list (an old row, a hand-made one) is served as application/octet-stream.
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "application/zip": "zip",
    "application/gzip": "gz",
    DOCX: "docx",
    XLSX: "xlsx",
    PPTX: "pptx",
    ODT: "odt",
    ODS: "ods",
    ODP: "odp",
    "text/plain": "txt",
    OCTET_STREAM: "bin",
}
SERVABLE_TYPES = frozenset(EXTENSIONS)

DEFAULT_IMAGE_MAX_PIXELS = 40_000_000
FILE_RESPONSE_CSP = "default-src 'none'; sandbox"
# How much of a file the detector reads; the text test looks at this much, a ZIP at its directory.
SNIFF_BYTES = 64 * 1024
_OOXML_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
_ODF_TYPES = frozenset({ODT, ODS, ODP})
# Control characters do not occur in text files (tab, line ends, form feed and ANSI escapes do).
_CONTROL_CHARACTERS = frozenset(chr(c) for c in (*range(32), 127)) - set("\t\n\r\f\x1b")
# What survives of an image's `info` when it is re-encoded: the transparent colour, nothing else.
_KEPT_IMAGE_INFO = ("transparency",)


@dataclass(frozen=True)
class CleanImage:
    """A checked and re-encoded picture, ready to store under `stored_name`."""

    name: str  # the sanitised name it was uploaded under, to show
    data: bytes
    format: str  # Pillow's name: JPEG, PNG, GIF, WEBP
    content_type: str
    extension: str
    width: int
    height: int
    stored_name: str

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def content(self) -> ContentFile:
        return ContentFile(self.data)


@dataclass(frozen=True)
class CleanFile:
    """A checked upload with its detected type, ready to store under `stored_name`."""

    name: str  # the sanitised name it was uploaded under, to show and to download as
    content_type: str
    extension: str
    size: int
    content: File  # what to hand to FieldFile.save()
    stored_name: str


# --- names -------------------------------------------------------------------------------------------


def sanitize_file_name(name: str) -> str:
    """A safe display and download name: no directories, no control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = os.path.basename(name.replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    try:
        name = get_valid_filename(name)
    except Exception:  # noqa: BLE001 - Django refuses names like "..": fall back to a neutral one
        name = ""
    stem, ext = os.path.splitext(name)
    if len(name) > 200:
        ext = ext[:20]
        name = stem[: 200 - len(ext)] + ext
    return name or "file"


def extension_for(content_type: str) -> str:
    """The extension stored files of this type get (`bin` for anything the detector does not name)."""
    return EXTENSIONS.get(content_type, "bin")


def random_file_name(extension: str) -> str:
    """An unguessable storage name; its extension comes from the detected type, never from the upload."""
    return f"{secrets.token_hex(16)}.{extension}"


# --- type detection ----------------------------------------------------------------------------------


def _by_magic(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "application/zip"
    if head.startswith(b"\x1f\x8b"):
        return "application/gzip"
    return None


def _zip_kind(source: IO[bytes]) -> str:
    """Office documents are ZIP files: tell them apart by the parts they hold."""
    position = source.tell()
    try:
        with zipfile.ZipFile(source) as archive:
            names = archive.namelist()
            if "[Content_Types].xml" in names:
                for prefix, kind in _OOXML_PARTS:
                    if any(name.startswith(prefix) for name in names):
                        return kind
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 100:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                if declared in _ODF_TYPES:
                    return declared
            return "application/zip"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return OCTET_STREAM
    finally:
        source.seek(position)


def _is_text(head: bytes, *, complete: bool) -> bool:
    """UTF-8 (or ASCII) without control characters. A cut-off last character is fine when the head is
    only the start of the file."""
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        return False
    return bool(text) and not _CONTROL_CHARACTERS.intersection(text)


def detect_content_type(data_or_file: bytes | IO[bytes]) -> str:
    """The type of a file, from its bytes: PDF, PNG, JPEG, GIF, WebP, ZIP (and the office documents made
    of one), gzip, plain text; anything else is application/octet-stream.

    Text is only ever `text/plain`: a page or an SVG is text too, and no type that a browser would run
    (text/html, image/svg+xml, XML) is ever answered. A file is read from its start and left where it was.
    """
    if isinstance(data_or_file, bytes | bytearray | memoryview):
        data = bytes(data_or_file)
        head, source = data[:SNIFF_BYTES], io.BytesIO(data)
    else:
        source = data_or_file
        position = source.tell()
        source.seek(0)
        head = source.read(SNIFF_BYTES)
        source.seek(position)
    kind = _by_magic(head)
    if kind == "application/zip":
        return _zip_kind(source)
    if kind is not None:
        return kind
    if _is_text(head, complete=len(head) < SNIFF_BYTES):
        return "text/plain"
    return OCTET_STREAM


def detect_stored_content_type(field_file: FieldFile) -> str:
    """The detected type of a file already in the storage (application/octet-stream when it is gone)."""
    if not field_file:
        return OCTET_STREAM
    try:
        with field_file.storage.open(field_file.name, "rb") as handle:
            return detect_content_type(handle)
    except (OSError, ValueError):
        return OCTET_STREAM


def redetect_content_types(model, *, file_field: str, type_field: str, allowed=None) -> int:
    """Data migrations: set `type_field` of every row with a stored file to the type detected from the
    file's bytes (a type outside `allowed`, when given, becomes application/octet-stream). Returns how
    many rows changed. Works with historical models."""
    changed = 0
    rows = model.objects.exclude(**{file_field: ""}).only("pk", file_field, type_field)
    for row in rows.iterator(chunk_size=500):
        detected = detect_stored_content_type(getattr(row, file_field))
        if allowed is not None and detected not in allowed:
            detected = OCTET_STREAM
        if detected != getattr(row, type_field):
            changed += model.objects.filter(pk=row.pk).update(**{type_field: detected})
    return changed


# --- uploads -----------------------------------------------------------------------------------------


def _too_large(*, field: str, label: str, size: int, limit: int) -> ValidationError:
    return ValidationError(
        {
            field: [
                _("%(label)s is too large (%(size)s); the limit is %(limit)s.")
                % {"label": label, "size": filesizeformat(size), "limit": filesizeformat(limit)}
            ]
        }
    )


def _check_size(upload, *, field: str, label: str, max_bytes: int) -> int:
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise ValidationError({field: [_("%(label)s is empty.") % {"label": label}]})
    if size > max_bytes:
        raise _too_large(field=field, label=label, size=size, limit=max_bytes)
    return size


def _read(upload, *, field: str, label: str, max_bytes: int) -> bytes:
    """The whole upload, refused once it proves longer than `max_bytes` (whatever its `size` claims)."""
    size = _check_size(upload, field=field, label=label, max_bytes=max_bytes)
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    if not data:
        raise ValidationError({field: [_("%(label)s is empty.") % {"label": label}]})
    if len(data) > max_bytes:
        raise _too_large(field=field, label=label, size=max(size, len(data)), limit=max_bytes)
    return data


def image_max_pixels() -> int:
    return int(getattr(settings, "LUMEN_IMAGE_MAX_PIXELS", DEFAULT_IMAGE_MAX_PIXELS))


class _TooManyPixels(Exception):
    pass


def _bare(image):
    """A copy of `image` that carries its pixels and nothing else: colours brought to sRGB when it had
    an ICC profile (the profile itself is dropped), no EXIF, XMP, comments or text chunks."""
    kept = {key: image.info[key] for key in _KEPT_IMAGE_INFO if key in image.info}
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA"):
        try:
            from PIL import ImageCms

            image = ImageCms.profileToProfile(
                image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB")
            )
        except Exception:  # noqa: BLE001 - a broken or exotic profile: keep the pixels as they are
            pass
    image = image.copy()
    image.info = kept
    return image


def _save_params(source, fmt: str) -> dict[str, Any]:
    if fmt == "JPEG":
        from PIL import JpegImagePlugin

        # Reuse the upload's quantisation tables: about the same quality and size as what was sent.
        params: dict[str, Any] = {"quality": 90}
        tables = getattr(source, "quantization", None)
        if tables and 1 <= len(tables) <= 4:
            params = {"qtables": tables}
            sampling = JpegImagePlugin.get_sampling(source)
            if sampling >= 0:
                params["subsampling"] = sampling
        return params
    if fmt == "WEBP":
        return {"quality": 90}
    return {}


def _reencode(image, fmt: str) -> tuple[bytes, int, int]:
    from PIL import ImageOps, ImageSequence

    out = io.BytesIO()
    if fmt in ("GIF", "WEBP", "PNG") and getattr(image, "is_animated", False):
        frames, durations = [], []
        for frame in ImageSequence.Iterator(image):
            durations.append(int(frame.info.get("duration") or 100))
            frames.append(_bare(frame))
        first = frames[0]
        first.save(
            out,
            fmt,
            save_all=True,
            append_images=frames[1:],
            duration=durations,
            loop=int(image.info.get("loop", 0) or 0),
            **_save_params(image, fmt),
        )
        return out.getvalue(), first.width, first.height
    # EXIF is dropped, so its orientation is applied to the pixels first (unless the EXIF is unreadable).
    try:
        upright = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - a broken EXIF block says nothing about the pixels
        upright = image
    upright = _bare(upright)
    params = _save_params(image, fmt)
    try:
        upright.save(out, fmt, **params)
    except (ValueError, OSError):
        if fmt != "JPEG" or "qtables" not in params:
            raise
        out = io.BytesIO()
        upright.save(out, fmt, quality=90)
    return out.getvalue(), upright.width, upright.height


def _clean_image(data: bytes, *, name: str, field: str, label: str) -> CleanImage:
    from PIL import Image, UnidentifiedImageError

    limit = image_max_pixels()
    not_an_image = ValidationError(
        {field: [_("%(label)s is not an image we can read (JPEG, PNG, GIF or WebP).") % {"label": label}]}
    )
    try:
        with warnings.catch_warnings():
            # The limit below is ours; Pillow's own still refuses (with an error) what is far beyond.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as image:
                # Phones save JPEGs with extra pictures (depth maps) as MPO: the first one is the photo.
                fmt = "JPEG" if image.format == "MPO" else image.format
                if fmt not in IMAGE_FORMATS:
                    raise not_an_image
                frames = getattr(image, "n_frames", 1) if fmt != "JPEG" else 1
                if image.width * image.height * frames > limit:
                    raise _TooManyPixels
                encoded, width, height = _reencode(image, fmt)
    except (_TooManyPixels, Image.DecompressionBombError) as exc:
        raise ValidationError(
            {
                field: [
                    _("%(label)s has too many pixels; the limit is %(limit)s megapixels.")
                    % {"label": label, "limit": f"{limit / 1_000_000:g}"}
                ]
            }
        ) from exc
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
        raise not_an_image from exc
    extension = extension_for(IMAGE_FORMATS[fmt])
    return CleanImage(
        name=name,
        data=encoded,
        format=fmt,
        content_type=IMAGE_FORMATS[fmt],
        extension=extension,
        width=width,
        height=height,
        stored_name=random_file_name(extension),
    )


def check_image_upload(upload, *, field: str, max_bytes: int, label: str | None = None) -> CleanImage:
    """Check an uploaded picture and re-encode it: a JPEG, PNG, GIF or WebP of at most `max_bytes` and
    `LUMEN_IMAGE_MAX_PIXELS` pixels (all frames of an animation together). Raises ValidationError({field:
    [message]}); messages start with `label` (default: the file's name)."""
    name = sanitize_file_name(getattr(upload, "name", "") or "")
    label = label or name
    data = _read(upload, field=field, label=label, max_bytes=max_bytes)
    return _clean_image(data, name=name, field=field, label=label)


def check_file_upload(
    upload, *, field: str, max_bytes: int, label: str | None = None, clean_images: bool = False
) -> CleanFile:
    """Check an uploaded document: not empty, at most `max_bytes`; its type is detected from the bytes.

    With `clean_images` (where pictures are shown inline, as in chat) a JPEG, PNG, GIF or WebP is
    re-encoded like `check_image_upload` does; one that cannot be is kept as application/octet-stream,
    a plain download. Raises ValidationError({field: [message]}); messages start with `label`
    (default: "The file").
    """
    label = label or _("The file")
    if upload is None:
        raise ValidationError({field: [_("Choose a file to upload.")]})
    name = sanitize_file_name(getattr(upload, "name", "") or "")
    size = _check_size(upload, field=field, label=label, max_bytes=max_bytes)
    content_type = detect_content_type(upload)
    if clean_images and content_type in INLINE_IMAGE_TYPES:
        try:
            image = check_image_upload(upload, field=field, max_bytes=max_bytes, label=label)
        except ValidationError:
            content_type = OCTET_STREAM
        else:
            return CleanFile(
                name=name,
                content_type=image.content_type,
                extension=image.extension,
                size=image.size,
                content=image.content,
                stored_name=image.stored_name,
            )
    upload.seek(0)
    extension = extension_for(content_type)
    return CleanFile(
        name=name,
        content_type=content_type,
        extension=extension,
        size=size,
        content=upload,
        stored_name=random_file_name(extension),
    )


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


# --- the stored attachment ---------------------------------------------------------------------------

# Pictures get a thumbnail that fits this box (by `attachment_thumbnail_job`, after the upload commits).
THUMBNAIL_BOX = (320, 320)
_THUMBNAIL_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


def _storage_folder(instance) -> str:
    folder = getattr(instance, "storage_folder", "") or "files"
    return re.sub(r"[^a-z0-9_-]", "", folder.lower()) or "files"


def _stored_extension(filename: str) -> str:
    """The extension a stored file keeps: one of the detector's, `bin` for anything else."""
    ext = os.path.splitext(filename or "")[1].lower().lstrip(".")
    return ext if ext in EXTENSIONS.values() else "bin"


def _storage_subfolder(instance) -> str:
    """The owner's id when the model names its owner (`storage_owner_field`), else the year and month."""
    owner_field = getattr(instance, "storage_owner_field", "")
    owner_id = getattr(instance, f"{owner_field}_id", None) if owner_field else None
    if owner_id is not None:
        return str(int(owner_id))
    return f"{timezone.now():%Y/%m}"


def attachment_upload_to(instance, filename: str) -> str:
    """`<app folder>/<owner id>/<random>.<ext>`: nothing of the uploaded name reaches the storage, and
    the extension is one the type detector gives (so no stored file ever ends in `.html`)."""
    ext = _stored_extension(filename)
    return f"{_storage_folder(instance)}/{_storage_subfolder(instance)}/{random_file_name(ext)}"


def attachment_thumbnail_upload_to(instance, filename: str) -> str:
    """Thumbnails live beside the files of their app, under `thumbnails/`."""
    ext = _stored_extension(filename)
    return f"{_storage_folder(instance)}/thumbnails/{_storage_subfolder(instance)}/{random_file_name(ext)}"


class AttachmentBase(models.Model):
    """A file kept by an app (a group's file, a task's file, a chat message's file, ...).

    The bytes live in the default storage under a random name (`attachment_upload_to`); the row keeps
    the sanitised name to show and download as, the type detected from the bytes (never the browser's
    word), the size, a SHA-256 of the stored bytes, who uploaded it and when, and for pictures a
    thumbnail made by a job. Rows are written by `attachment_store` only and leave through
    `AttachmentDownloadView` only; the storage is never exposed under a public URL.

    A concrete model adds its owner (a foreign key) and sets `storage_folder` (the storage folder of the
    app), `storage_owner_field` (the owner's foreign key, whose id names a sub-folder) and
    `download_url_name` (a URL name taking the row's pk; override `get_download_url` when the URL takes
    more).
    """

    storage_folder: ClassVar[str] = "files"
    storage_owner_field: ClassVar[str] = ""
    download_url_name: ClassVar[str] = ""

    file = models.FileField(gettext_lazy("file"), upload_to=attachment_upload_to, max_length=500)
    name = models.CharField(gettext_lazy("name"), max_length=255)
    content_type = models.CharField(gettext_lazy("type"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(gettext_lazy("size"), default=0)
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    thumbnail = models.FileField(
        upload_to=attachment_thumbnail_upload_to, max_length=500, blank=True, editable=False
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(gettext_lazy("uploaded"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def extension(self) -> str:
        return os.path.splitext(self.name)[1].lower().lstrip(".")

    @property
    def is_image(self) -> bool:
        """A picture a browser may show inline (and so one that gets a thumbnail)."""
        return self.content_type in INLINE_IMAGE_TYPES

    def get_download_url(self) -> str:
        return reverse(self.download_url_name, args=[self.pk])

    @property
    def download_url(self) -> str:
        return self.get_download_url()

    @property
    def thumbnail_url(self) -> str:
        """The thumbnail through the same permission-checked view; empty until the job made one."""
        return f"{self.get_download_url()}?thumbnail=1" if self.thumbnail else ""


# --- the upload service ------------------------------------------------------------------------------

AttachmentT = TypeVar("AttachmentT", bound=AttachmentBase)


def attachment_max_bytes() -> int:
    return int(getattr(settings, "LUMEN_ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024))


def _refused_types() -> frozenset[str]:
    return frozenset(getattr(settings, "LUMEN_ATTACHMENT_REFUSED_TYPES", ()) or ())


def _sha256(content: File) -> str:
    digest = hashlib.sha256()
    content.seek(0)
    for chunk in content.chunks():
        digest.update(chunk)
    content.seek(0)
    return digest.hexdigest()


def attachment_store(
    *,
    model: type[AttachmentT],
    actor,
    upload,
    field: str = "file",
    max_bytes: int | None = None,
    label: str | None = None,
    allowed_types: Iterable[str] | None = None,
    clean_images: bool = True,
    **values: Any,
) -> AttachmentT:
    """Check an upload and keep it as a new `model` row (`values` hold its owner and other fields).

    Refuses, with `Invalid({field: [message]})` and nothing stored, what is missing, empty or larger than
    `max_bytes` (default: the LUMEN_ATTACHMENT_MAX_BYTES setting), and a detected type named by the
    LUMEN_ATTACHMENT_REFUSED_TYPES setting or outside `allowed_types`. The name is sanitised, the type
    is detected from the bytes, pictures are re-encoded (`clean_images`; one that cannot be is kept as a
    plain download). Should the row fail to save, the stored file is deleted again. A picture gets its
    thumbnail from `attachment_thumbnail_job` once the transaction commits. Permission checks, stream
    entries, audit rows and counters are the calling app's service's business.
    """
    limit = max_bytes if max_bytes is not None else attachment_max_bytes()
    try:
        clean = check_file_upload(
            upload, field=field, max_bytes=limit, label=label, clean_images=clean_images
        )
    except ValidationError as exc:
        raise Invalid(fields=exc.message_dict) from exc
    if clean.content_type in _refused_types() or (
        allowed_types is not None and clean.content_type not in set(allowed_types)
    ):
        raise Invalid(fields={field: [_("Files of this type are not accepted here.")]}, code="refused_type")
    instance = model(
        name=clean.name,
        size=clean.size,
        content_type=clean.content_type,
        sha256=_sha256(clean.content),
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        **values,
    )
    instance.file.save(clean.stored_name, clean.content, save=False)
    storage, stored = instance.file.storage, instance.file.name
    try:
        # A savepoint, so that a refused row leaves the caller's transaction usable.
        with transaction.atomic():
            instance.save()
    except Exception:
        storage.delete(stored)
        raise
    if instance.is_image:
        label_ = instance._meta.label
        pk = instance.pk
        transaction.on_commit(lambda: _enqueue_thumbnail(label_, pk))
    return instance


def attachment_files_discard(*attachments: AttachmentBase) -> None:
    """Delete the stored files (and thumbnails) of attachments whose rows the caller deletes, once the
    transaction commits: a rolled-back delete keeps its files."""
    stored = [
        (field_file.storage, field_file.name)
        for attachment in attachments
        for field_file in (attachment.file, attachment.thumbnail)
        if field_file
    ]
    if stored:
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in stored])


def _enqueue_thumbnail(model_label: str, pk) -> None:
    from portal.core.jobs import attachment_thumbnail_job

    attachment_thumbnail_job.delay(model_label, pk)


def attachment_thumbnail_make(*, attachment: AttachmentBase) -> bool:
    """Give a picture its thumbnail (a PNG when it has transparency, a JPEG otherwise), once.

    Does nothing for what is not a picture, already has a thumbnail, is gone or cannot be decoded within
    the pixel limit. Two runs racing each other keep one thumbnail (the loser deletes its file). Returns
    whether a thumbnail was made.
    """
    from PIL import Image

    if attachment.thumbnail or not attachment.is_image or not attachment.file:
        return False
    try:
        with attachment.file.storage.open(attachment.file.name, "rb") as handle:
            data = handle.read()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as image:
                if image.width * image.height > image_max_pixels():
                    return False
                image.seek(0)
                alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                picture = image.convert("RGBA" if alpha else "RGB")
        picture.thumbnail(THUMBNAIL_BOX)
        out = io.BytesIO()
        extension = "png" if alpha else "jpg"
        picture.save(out, "PNG" if alpha else "JPEG", **({} if alpha else {"quality": 85}))
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        log.warning("no thumbnail for %s %s: unreadable picture", attachment._meta.label, attachment.pk)
        return False
    field = attachment.thumbnail.field
    storage = attachment.thumbnail.storage
    stored = storage.save(
        field.generate_filename(attachment, f"thumb.{extension}"), ContentFile(out.getvalue())
    )
    updated = type(attachment)._base_manager.filter(pk=attachment.pk, thumbnail="").update(thumbnail=stored)
    if not updated:
        storage.delete(stored)
        return False
    attachment.thumbnail = stored
    return True


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
            content_type = _THUMBNAIL_TYPES.get(_stored_extension(row.thumbnail.name), OCTET_STREAM)
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
