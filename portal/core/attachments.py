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
"""

from __future__ import annotations

import codecs
import io
import os
import re
import secrets
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

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
