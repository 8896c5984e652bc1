"""Upload checks: pictures re-encoded, documents typed from their bytes, sizes bounded (core attachments)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from portal.core.attachments.detection import (
    IMAGE_FORMATS,
    INLINE_IMAGE_TYPES,
    OCTET_STREAM,
    detect_content_type,
    extension_for,
    random_file_name,
    sanitize_file_name,
)

DEFAULT_IMAGE_MAX_PIXELS = 40_000_000
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
