"""Photo albums on posts: checked uploads and thumbnails made by a job."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.attachments import (
    CleanImage,
    check_image_upload,
    detect_content_type,
    extension_for,
    random_file_name,
)
from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotAllowed

from ..choices import EntryKind
from ..models import Album, Entry, Photo, Poll
from .access import _require_visible, can_edit
from .counts import _bump

PHOTOS_MAX = 30


THUMBNAIL_SIZE = (480, 480)


def _check_images(files: Iterable) -> list[CleanImage]:
    """Check and re-encode every upload (core attachments) before anything is saved; errors name the file."""
    checked: list[CleanImage] = []
    errors: list[str] = []
    files = list(files)
    if len(files) > PHOTOS_MAX:
        raise Invalid({"photos": [_("Upload %(max)d photos at most at once.") % {"max": PHOTOS_MAX}]})
    for upload in files:
        try:
            checked.append(
                check_image_upload(upload, field="photos", max_bytes=settings.LUMEN_PHOTO_MAX_BYTES)
            )
        except ValidationError as exc:
            errors.extend(exc.message_dict["photos"])
    if errors:
        raise Invalid({"photos": errors})
    return checked


def _save_photos(*, actor, album: Album, images: list[CleanImage]) -> list[Photo]:
    from ..jobs import photo_thumbnail_job

    photos = []
    for checked in images:
        photo = Photo(
            album=album,
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            width=checked.width,
            height=checked.height,
            uploaded_by=actor,
        )
        # Stored under a random name with the extension of the detected format, never the uploaded one.
        photo.image.save(checked.stored_name, checked.content, save=False)
        photo.save()
        photos.append(photo)
        transaction.on_commit(lambda pk=photo.pk: photo_thumbnail_job.delay(pk))
    _bump(Album, album.pk, "photos_count", len(photos))
    return photos


@transaction.atomic
def album_photos_add(*, actor, entry: Entry, files: list, title: str = "") -> list[Photo]:
    """The author adds photos to their post's album (made on first upload). All files are checked
    first: one bad file saves none."""
    _require_visible(actor, entry)
    if entry.kind != EntryKind.POST or not can_edit(actor, entry):
        raise NotAllowed(_("Only the author may add photos to this post."))
    if not files:
        raise Invalid({"photos": [_("Choose at least one photo.")]})
    if Poll.objects.filter(entry=entry).exists():
        raise Invalid({"photos": [_("A post carries either a poll or photos, not both.")]})
    images = _check_images(files)
    album, _created = Album.objects.get_or_create(
        entry=entry, defaults={"title": (title or "").strip()[:200]}
    )
    photos = _save_photos(actor=actor, album=album, images=images)
    audit_record(actor=actor, action="stream.photos_add", target=album, changes={"count": len(photos)})
    return photos


def photo_thumbnail_make(*, photo_id: int) -> bool:
    """Make the thumbnail of a photo (the job's body). Does nothing when it exists or the photo is gone."""
    from PIL import Image, ImageOps

    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or photo.thumbnail:
        return False
    with photo.image.open("rb") as handle, Image.open(handle) as image:
        image = ImageOps.exif_transpose(image)
        if image.mode not in ("RGB", "L"):
            background = Image.new("RGB", image.size, "white")
            rgba = image.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            image = background
        image.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=82, optimize=True)
    data = out.getvalue()
    # Like every stored file: its type detected from the bytes and kept, its extension following that type.
    content_type = detect_content_type(data)
    with transaction.atomic():
        locked = Photo.objects.select_for_update().filter(pk=photo_id).first()
        if locked is None or locked.thumbnail:
            return False
        locked.thumbnail.save(random_file_name(extension_for(content_type)), ContentFile(data), save=False)
        locked.thumbnail_content_type = content_type
        locked.save(update_fields=["thumbnail", "thumbnail_content_type"])
    return True
