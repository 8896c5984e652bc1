"""Stored XSS through uploads, for every upload path of the portal.

Each path gets a real PNG carrying a page in a tEXt chunk and named `avatar.html`, an SVG with a script and
a plain page. A colleague who may see the upload then downloads it: no response may ever be something a
browser runs as a page, pictures go out inline only as one of four image types, nothing is sniffed, and
a picture that is shown inline no longer carries the page in its stored bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile
from django.test import Client
from django.urls import reverse
from PIL import Image, PngImagePlugin

from portal.chat import services as chat_services
from portal.chat.models import Message, MessageAttachment
from portal.groups.models import GroupFile
from portal.people.models import User
from portal.stream.models import Photo
from tasks.models import TaskFile
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.stream.factories import post
from tests.tasks.factories import TaskFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db

PAGE = "<html><script>alert(document.domain)</script></html>"
SCRIPTABLE = (
    "text/html",
    "image/svg+xml",
    "application/xhtml+xml",
    "text/xml",
    "application/xml",
    "text/javascript",
    "application/javascript",
    "application/ecmascript",
    "text/xsl",
    "multipart/x-mixed-replace",
)
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
HTMX = {"HTTP_HX_REQUEST": "true"}


def polyglot_png() -> bytes:
    """A real 1x1 PNG made with Pillow plus a tEXt chunk holding a page."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", PAGE)
    out = io.BytesIO()
    Image.new("RGB", (1, 1), (255, 0, 0)).save(out, "PNG", pnginfo=info)
    data = out.getvalue()
    assert data.startswith(b"\x89PNG") and PAGE.encode() in data
    return data


PAYLOADS = {
    "polyglot": ("avatar.html", polyglot_png(), "text/html"),
    "svg": (
        "logo.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>',
        "image/svg+xml",
    ),
    "html": ("page.html", PAGE.encode(), "text/html"),
}


def payload(kind: str) -> SimpleUploadedFile:
    name, data, content_type = PAYLOADS[kind]
    return SimpleUploadedFile(name, data, content_type=content_type)


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(org):
    """east_rep uploads everywhere; each path has a colleague who may see what was uploaded."""
    group = WorkgroupFactory(name="Launch team", visibility="open")
    MembershipFactory(group=group, user=org.east_rep, role="owner")
    MembershipFactory(group=group, user=org.sales_rep)
    task = TaskFactory(creator=org.field_rep, responsible=org.east_rep)
    chat = chat_services.chat_group_create(actor=org.east_rep, title="Launch", members=[org.sales_rep])
    entry = post(org.east_rep, "Our album")
    return SimpleNamespace(org=org, uploader=org.east_rep, group=group, task=task, chat=chat, entry=entry)


# --- the upload paths --------------------------------------------------------------------------------


@dataclass
class Path:
    """How to upload through one path, where the upload is stored and how a colleague downloads it."""

    upload: Callable  # (world, file) -> response
    stored: Callable  # (world) -> (FieldFile, stored content type) of the newest upload, or None
    download: Callable  # (world, upload response) -> the colleague's response
    images_only: bool  # the path takes pictures only
    shown_inline: bool  # its pictures are shown inline, so they are re-encoded


def _profile_form(person, photo):
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "phone": person.phone,
        "time_zone": person.time_zone,
        "work_start": "09:00",
        "work_end": "18:00",
        "language": "en",
        "photo": photo,
    }


def _photo_of(world):
    person = User.objects.get(pk=world.uploader.pk)
    return (person.photo, getattr(person, "photo_content_type", None)) if person.photo else None


def _newest(model, field: str, type_field: str, **filters):
    def stored(world):
        row = model.objects.filter(**filters).order_by("-pk").first()
        if row is None or not getattr(row, field):
            return None
        return getattr(row, field), getattr(row, type_field)

    return stored


def _newest_pk(model):
    return model.objects.order_by("-pk").values_list("pk", flat=True).first()


PATHS = {
    "profile photo, API": Path(
        upload=lambda w, f: client_as(w.uploader).patch(
            "/api/v1/people/me/", {"photo": f}, format="multipart"
        ),
        stored=_photo_of,
        download=lambda w, r: page_client(w.org.sales_rep).get(reverse("people:photo", args=[w.uploader.pk])),
        images_only=True,
        shown_inline=True,
    ),
    "profile photo, page": Path(
        upload=lambda w, f: page_client(w.uploader).post(
            reverse("people:profile_edit"), _profile_form(w.uploader, f)
        ),
        stored=_photo_of,
        download=lambda w, r: page_client(w.org.developer).get(reverse("people:photo", args=[w.uploader.pk])),
        images_only=True,
        shown_inline=True,
    ),
    "stream photo, page": Path(
        upload=lambda w, f: page_client(w.uploader).post(
            reverse("stream:post_create"),
            {"body": "Pics", "everyone": "on", "attach": "photos", "photos": [f]},
        ),
        stored=_newest(Photo, "image", "content_type"),
        download=lambda w, r: page_client(w.org.sales_rep).get(
            reverse("stream:photo_file", args=[_newest_pk(Photo)])
        ),
        images_only=True,
        shown_inline=True,
    ),
    "stream photo, API": Path(
        upload=lambda w, f: client_as(w.uploader).post(
            f"/api/v1/stream/entries/{w.entry.pk}/photos/", {"photos": [f]}, format="multipart"
        ),
        stored=_newest(Photo, "image", "content_type"),
        download=lambda w, r: client_as(w.org.sales_rep).get(
            f"/api/v1/stream/photos/{_newest_pk(Photo)}/file/"
        ),
        images_only=True,
        shown_inline=True,
    ),
    "group file, page": Path(
        upload=lambda w, f: page_client(w.uploader).post(
            reverse("groups:file_upload", args=[w.group.pk]), {"file": f}
        ),
        stored=_newest(GroupFile, "file", "content_type"),
        download=lambda w, r: page_client(w.org.sales_rep).get(
            reverse("groups:file_download", args=[_newest_pk(GroupFile)])
        ),
        images_only=False,
        shown_inline=False,
    ),
    "group file, API": Path(
        upload=lambda w, f: client_as(w.uploader).post(
            f"/api/v1/groups/{w.group.pk}/files/", {"file": f}, format="multipart"
        ),
        stored=_newest(GroupFile, "file", "content_type"),
        download=lambda w, r: client_as(w.org.sales_rep).get(
            f"/api/v1/groups/{w.group.pk}/files/{_newest_pk(GroupFile)}/download/"
        ),
        images_only=False,
        shown_inline=False,
    ),
    "task file, page": Path(
        upload=lambda w, f: page_client(w.uploader).post(
            reverse("tasks:detail_file_upload", args=[w.task.pk]), {"file": f}, **HTMX
        ),
        stored=_newest(TaskFile, "file", "content_type"),
        download=lambda w, r: page_client(w.org.field_rep).get(
            reverse("tasks:detail_file_download", args=[w.task.pk, _newest_pk(TaskFile)])
        ),
        images_only=False,
        shown_inline=False,
    ),
    "task file, API": Path(
        upload=lambda w, f: client_as(w.uploader).post(
            f"/api/v1/tasks/{w.task.pk}/files/", {"file": f}, format="multipart"
        ),
        stored=_newest(TaskFile, "file", "content_type"),
        download=lambda w, r: client_as(w.org.field_rep).get(
            f"/api/v1/tasks/files/{_newest_pk(TaskFile)}/download/"
        ),
        images_only=False,
        shown_inline=False,
    ),
    "chat attachment, page": Path(
        upload=lambda w, f: page_client(w.uploader).post(
            reverse("chat:messages", args=[w.chat.pk]), {"body": "", "attachment": f}, **HTMX
        ),
        stored=_newest(MessageAttachment, "file", "content_type"),
        download=lambda w, r: page_client(w.org.sales_rep).get(
            reverse("chat:attachment", args=[_newest_pk(Message)])
        ),
        images_only=False,
        shown_inline=True,
    ),
    "chat attachment, API": Path(
        upload=lambda w, f: client_as(w.uploader).post(
            f"/api/v1/chat/chats/{w.chat.pk}/messages/", {"body": "", "attachment": f}, format="multipart"
        ),
        stored=_newest(MessageAttachment, "file", "content_type"),
        # The API hands out the address of the page's permission-checked download.
        download=lambda w, r: client_as(w.org.sales_rep).get(r.json()["attachment"]["url"]),
        images_only=False,
        shown_inline=True,
    ),
}


def _stored_bytes(field_file: FieldFile) -> bytes:
    with field_file.storage.open(field_file.name, "rb") as handle:
        return handle.read()


def _assert_served_safely(response) -> bytes:
    assert response.status_code == 200, response
    content_type = response["Content-Type"].split(";")[0].strip().lower()
    assert content_type not in SCRIPTABLE and "html" not in content_type and "xml" not in content_type
    assert not content_type.startswith("text/") or content_type == "text/plain"
    disposition = response["Content-Disposition"].split(";")[0].strip().lower()
    if disposition == "inline":
        assert content_type in INLINE_TYPES, response["Content-Disposition"]
    else:
        assert disposition == "attachment", response["Content-Disposition"]
    if content_type != "text/plain":
        assert (
            ".html" not in response["Content-Disposition"] and ".svg" not in response["Content-Disposition"]
        )
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response.get("Content-Security-Policy", "")
    assert "sandbox" in policy and "default-src 'none'" in policy
    return b"".join(response.streaming_content)


def _assert_stored_safely(field_file: FieldFile, stored_type: str | None) -> None:
    name = field_file.name.lower()
    assert not name.endswith((".html", ".htm", ".svg", ".xhtml", ".xml", ".js")), name
    assert stored_type not in SCRIPTABLE


@pytest.mark.parametrize("path_name", list(PATHS))
def test_uploads_never_come_back_as_a_page(world, path_name, django_capture_on_commit_callbacks):
    path = PATHS[path_name]

    # A picture with a page inside: kept as a picture, never served as a page.
    with django_capture_on_commit_callbacks(execute=True):
        response = path.upload(world, payload("polyglot"))
    assert response.status_code in (200, 201, 302), (response.status_code, response.content[:500])
    stored = path.stored(world)
    assert stored is not None, "the picture was not stored"
    field_file, stored_type = stored
    _assert_stored_safely(field_file, stored_type)
    assert stored_type == "image/png" and field_file.name.endswith(".png")
    served = path.download(world, response)
    body = _assert_served_safely(served)
    assert served["Content-Type"] == "image/png"
    if path.shown_inline:
        assert served["Content-Disposition"].startswith("inline")
        assert b"<script" not in _stored_bytes(field_file) and b"<script" not in body
        with Image.open(io.BytesIO(body)) as image:
            assert image.format == "PNG" and image.size == (1, 1)
    else:
        assert served["Content-Disposition"] == 'attachment; filename="avatar.png"'

    # An SVG with a script and a plain page: refused where only pictures go, plain text files elsewhere.
    for kind in ("svg", "html"):
        before = path.stored(world)
        response = path.upload(world, payload(kind))
        if path.images_only:
            assert response.status_code in (200, 400), (kind, response.status_code)
            assert path.stored(world) == before, f"{kind} was stored as a picture"
            continue
        assert response.status_code in (200, 201, 302), (kind, response.status_code, response.content[:500])
        field_file, stored_type = path.stored(world)
        assert field_file != before[0]
        _assert_stored_safely(field_file, stored_type)
        served = path.download(world, response)
        _assert_served_safely(served)
        assert served["Content-Type"] == "text/plain"
        assert served["Content-Disposition"].startswith("attachment")


def test_stream_thumbnails_are_served_with_their_stored_type(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        PATHS["stream photo, API"].upload(world, payload("polyglot"))
    photo = Photo.objects.get()
    assert photo.thumbnail and photo.thumbnail.name.endswith(".jpg")
    assert photo.thumbnail_content_type == "image/jpeg"
    for response in (
        page_client(world.org.sales_rep).get(reverse("stream:photo_thumb", args=[photo.pk])),
        client_as(world.org.sales_rep).get(f"/api/v1/stream/photos/{photo.pk}/file/", {"size": "thumb"}),
    ):
        _assert_served_safely(response)
        assert response["Content-Type"] == "image/jpeg"
