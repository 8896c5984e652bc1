"""Helpers that lay stream data: posts through the real service, and bulk rows for query budgets."""

from __future__ import annotations

import io

from portal.stream import services
from portal.stream.models import Entry, EntryAudience
from portal.stream.services import Audience


def post(
    author,
    body: str = "Hello, colleagues",
    *,
    everyone: bool = False,
    departments=(),
    groups=(),
    users=(),
    **kwargs,
) -> Entry:
    """A post through `post_create`; with no audience given it is for everyone."""
    if not (everyone or departments or groups or users):
        everyone = True
    audience = Audience(
        everyone=everyone, departments=list(departments), groups=list(groups), users=list(users)
    )
    return services.post_create(actor=author, body=body, audience=audience, **kwargs)


def bulk_posts(
    author, count: int, *, everyone: bool = True, group=None, body: str = "Bulk post", older=None
) -> None:
    """Many posts in a few inserts (query-budget tests grow the feed with these). `older`: a timedelta
    to date them back by, so that they land below what is already in the feed."""
    entries = Entry.objects.bulk_create(
        [Entry(author=author, body=f"{body} {i}", audience_everyone=everyone) for i in range(count)],
        batch_size=1000,
    )
    if older is not None:
        from django.db.models import F

        Entry.objects.filter(body__startswith=f"{body} ").update(created_at=F("created_at") - older)
    if group is not None:
        if not entries or entries[0].pk is None:  # databases without RETURNING ids
            entries = list(Entry.objects.filter(author=author).order_by("-id")[:count])
        EntryAudience.objects.bulk_create(
            [EntryAudience(entry=e, kind="group", group=group) for e in entries], batch_size=1000
        )


def image_bytes(fmt: str = "PNG", size=(64, 48), color=(200, 40, 40)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


def image_upload(name: str = "photo.png", fmt: str = "PNG", **kwargs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content_type = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif"}.get(
        fmt, "application/octet-stream"
    )
    return SimpleUploadedFile(name, image_bytes(fmt, **kwargs), content_type=content_type)


def text_upload(name: str = "notes.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"this is not an image at all", content_type="image/png")
