"""Import of Markdown into a space: one .md file, or a .zip of a folder tree whose structure is kept.

Bounded and checked before anything is written: the upload's size, the number of entries, each file's and the
total unpacked size (a zip bomb is refused from the sizes its directory declares, and again while reading),
names that climb out of the archive (``..``, absolute paths, drive letters) and the depth. Folders become
pages (their ``index.md`` or ``README.md``, if any, is the folder page's text); each file's first ``# heading``,
else its name, is the title. Everything is created in one transaction through `page_create`, so a failure
leaves nothing half-imported.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import Invalid

from ..models import Page, Space
from .pages import _require_edit, page_create

MAX_UPLOAD = 10 * 1024 * 1024
MAX_FILES = 300
MAX_FILE_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 30 * 1024 * 1024
MAX_DEPTH = 12
MARKDOWN_SUFFIXES = (".md", ".markdown")
INDEX_NAMES = ("index.md", "readme.md", "_index.md")
HEADING_RE = re.compile(r"^\s*#\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass
class Node:
    name: str
    title: str = ""
    body: str = ""
    children: dict[str, Node] = field(default_factory=dict)
    is_file: bool = False


def _decode(data: bytes) -> str:
    if b"\x00" in data:  # binary, or UTF-16: no text column holds a NUL
        raise Invalid(fields={"file": [_("The file is not text (UTF-8).")]})
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid(fields={"file": [_("The file is not text (UTF-8).")]})


def _split_title(text: str, fallback: str) -> tuple[str, str]:
    """The first `# heading` as the title (removed from the text), else `fallback`."""
    match = HEADING_RE.search(text)
    if match and not text[: match.start()].strip():
        return match.group(1).strip()[:255], text[match.end() :].lstrip("\n")
    return fallback[:255], text


def _stem(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return re.sub(r"^\d+[\s._-]+", "", stem).replace("_", " ").strip() or stem


def _safe_parts(name: str) -> list[str] | None:
    """The path's parts, or None when it leaves the archive (absolute, `..`, a drive) or is too deep."""
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[a-zA-Z]:", name):
        return None
    parts = [p for p in posixpath.normpath(name).split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts) or len(parts) > MAX_DEPTH:
        return None
    return parts


def read_upload(upload) -> Node:
    """The tree of Markdown the upload holds (checked; nothing written)."""
    size = getattr(upload, "size", None) or 0
    if size > MAX_UPLOAD:
        raise Invalid(
            fields={"file": [_("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD // 1024 // 1024}]}
        )
    name = (getattr(upload, "name", "") or "").lower()
    root = Node("")
    if name.endswith(MARKDOWN_SUFFIXES):
        data = upload.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise Invalid(fields={"file": [_("A Markdown file may be at most 1 MB.")]})
        title, body = _split_title(_decode(data), _stem(posixpath.basename(upload.name)))
        root.children["file"] = Node("file", title, body, is_file=True)
        return root
    if not name.endswith(".zip"):
        raise Invalid(fields={"file": [_("Upload a .md file or a .zip of them.")]})
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError) as exc:
        raise Invalid(fields={"file": [_("The .zip file cannot be read.")]}) from exc
    with archive:
        entries = [i for i in archive.infolist() if not i.is_dir()]
        markdown = [i for i in entries if i.filename.lower().endswith(MARKDOWN_SUFFIXES)]
        if len(entries) > MAX_FILES:
            raise Invalid(fields={"file": [_("The archive holds more than %(n)s files.") % {"n": MAX_FILES}]})
        if not markdown:
            raise Invalid(fields={"file": [_("The archive holds no Markdown files.")]})
        if sum(i.file_size for i in markdown) > MAX_TOTAL_BYTES:
            raise Invalid(fields={"file": [_("The archive unpacks to more than 30 MB.")]})
        for info in markdown:
            parts = _safe_parts(info.filename)
            if parts is None:
                raise Invalid(
                    fields={
                        "file": [
                            _("The archive names a file outside itself: %(name)s")
                            % {"name": info.filename[:100]}
                        ]
                    }
                )
            if parts[0] in ("__MACOSX",) or any(p.startswith(".") for p in parts):
                continue
            if info.file_size > MAX_FILE_BYTES:
                raise Invalid(
                    fields={
                        "file": [
                            _("A Markdown file may be at most 1 MB: %(name)s") % {"name": info.filename[:100]}
                        ]
                    }
                )
            try:
                with archive.open(info) as stream:
                    data = stream.read(MAX_FILE_BYTES + 1)
            except (
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                NotImplementedError,
                RuntimeError,
                OSError,
            ) as exc:
                # A bad checksum or stream, an unknown compression method, an encrypted entry.
                raise Invalid(fields={"file": [_("The .zip file cannot be read.")]}) from exc
            if len(data) > MAX_FILE_BYTES:  # the directory lied about the size
                raise Invalid(
                    fields={
                        "file": [
                            _("A Markdown file may be at most 1 MB: %(name)s") % {"name": info.filename[:100]}
                        ]
                    }
                )
            text = _decode(data)
            node = root
            for folder in parts[:-1]:
                node = node.children.setdefault(folder, Node(folder, _stem(folder)))
            leaf = parts[-1]
            if leaf.lower() in INDEX_NAMES and len(parts) > 1:
                node.title, node.body = _split_title(text, node.title)
            else:
                title, body = _split_title(text, _stem(leaf))
                node.children[leaf] = Node(leaf, title, body, is_file=True)
    # A single top folder wrapping everything (how archivers zip a folder) is not a page of its own.
    while len(root.children) == 1 and not root.body:
        only = next(iter(root.children.values()))
        if only.is_file or only.body:
            break
        root = only
    return root


@transaction.atomic
def pages_import(*, actor, space: Space, upload, parent: Page | None = None) -> list[Page]:
    """Create the pages of an uploaded .md or .zip under `parent` (the space's editors), in the archive's
    order (names sorted). Returns the pages made, the top ones first. Audited as ``kb.pages.import``."""
    _require_edit(actor, space)
    if parent is not None and parent.space_id != space.pk:
        raise Invalid(fields={"parent": [_("The parent page must be in the same space.")]})
    tree = read_upload(upload)
    made: list[Page] = []

    def create(node: Node, under: Page | None) -> None:
        for key in sorted(node.children):
            child = node.children[key]
            page = page_create(
                actor=actor,
                space=space,
                title=child.title or _stem(child.name),
                body=child.body,
                parent=under,
                comment=_("Imported"),
                announce=False,
            )
            made.append(page)
            create(child, page)

    create(tree, parent)
    audit_record(actor=actor, action="kb.pages.import", target=space, changes={"pages": [None, len(made)]})
    return made
