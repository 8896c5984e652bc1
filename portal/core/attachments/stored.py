"""The kept file: the abstract row, the one upload service, storage clean-up and thumbnails (core attachments)."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import warnings
from collections.abc import Iterable
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.attachments.detection import EXTENSIONS, IMAGE_FORMATS, INLINE_IMAGE_TYPES, random_file_name
from portal.core.attachments.uploads import check_file_upload, image_max_pixels
from portal.core.errors import Invalid

log = logging.getLogger(__name__)

# --- the stored attachment ---------------------------------------------------------------------------

# Pictures get a thumbnail that fits this box (by `attachment_thumbnail_job`, after the upload commits).
THUMBNAIL_BOX = (320, 320)
THUMBNAIL_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


def _storage_folder(instance) -> str:
    folder = getattr(instance, "storage_folder", "") or "files"
    return re.sub(r"[^a-z0-9_-]", "", folder.lower()) or "files"


def stored_extension(filename: str) -> str:
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
    ext = stored_extension(filename)
    return f"{_storage_folder(instance)}/{_storage_subfolder(instance)}/{random_file_name(ext)}"


def attachment_thumbnail_upload_to(instance, filename: str) -> str:
    """Thumbnails live beside the files of their app, under `thumbnails/`."""
    ext = stored_extension(filename)
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
