"""What a file is: types detected from the bytes, the types served, safe names (core attachments)."""

from __future__ import annotations

import codecs
import io
import os
import secrets
import unicodedata
import zipfile
from typing import IO

from django.db.models.fields.files import FieldFile
from django.utils.text import get_valid_filename

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

FILE_RESPONSE_CSP = "default-src 'none'; sandbox"
# How much of a file the detector reads; the text test looks at this much, a ZIP at its directory.
SNIFF_BYTES = 64 * 1024
_OOXML_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
_ODF_TYPES = frozenset({ODT, ODS, ODP})
# Control characters do not occur in text files (tab, line ends, form feed and ANSI escapes do).
_CONTROL_CHARACTERS = frozenset(chr(c) for c in (*range(32), 127)) - set("\t\n\r\f\x1b")
# What survives of an image's `info` when it is re-encoded: the transparent colour, nothing else.


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
