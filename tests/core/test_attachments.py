"""Core attachments: the type detector, the image re-encoder, upload checks and the file response."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import Http404
from PIL import Image, PngImagePlugin

from portal.core import attachments
from portal.core.attachments import (
    check_file_upload,
    check_image_upload,
    content_disposition,
    detect_content_type,
    file_response,
    sanitize_file_name,
)
from portal.core.errors import Invalid

PAYLOAD = "<html><script>alert(document.domain)</script></html>"
SCRIPTABLE = {
    "text/html",
    "image/svg+xml",
    "application/xhtml+xml",
    "text/xml",
    "application/xml",
    "text/javascript",
    "application/javascript",
}


def picture(fmt: str = "PNG", size=(1, 1), mode: str = "RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red" if mode != "P" else 1).save(out, fmt, **save)
    return out.getvalue()


def polyglot_png() -> bytes:
    """A real 1x1 PNG whose tEXt chunk holds a page."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", PAYLOAD)
    data = picture("PNG", pnginfo=info)
    assert b"<script" in data
    return data


def office(*parts: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for part in parts:
            archive.writestr(part, "<x/>")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("", "file"),
        ("...", "file"),
        ("C:\\x\\report.pdf", "report.pdf"),
        ("../../etc/pass wd.txt", "pass_wd.txt"),
        ("a\r\nb\x00.txt", "ab.txt"),
        ("отчёт за май.pdf", "отчёт_за_май.pdf"),
    ],
)
def test_sanitize_file_name(name, expected):
    assert sanitize_file_name(name) == expected


def test_sanitize_file_name_keeps_the_extension_of_a_long_name():
    name = sanitize_file_name("x" * 300 + ".docx")
    assert len(name) == 200 and name.endswith(".docx")


# --- type detection ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"%PDF-1.7\n%\xe2\xe3", "application/pdf"),
        (picture("PNG"), "image/png"),
        (picture("JPEG"), "image/jpeg"),
        (picture("GIF"), "image/gif"),
        (picture("WEBP"), "image/webp"),
        (office("a.txt"), "application/zip"),
        (office("[Content_Types].xml", "word/document.xml"), attachments.DOCX),
        (office("[Content_Types].xml", "xl/workbook.xml"), attachments.XLSX),
        (office("[Content_Types].xml", "ppt/presentation.xml"), attachments.PPTX),
        (b"\x1f\x8b\x08\x00", "application/gzip"),
        (b"Plain notes\r\n\twith a tab", "text/plain"),
        ("Привет, мир".encode(), "text/plain"),
        (b"\xef\xbb\xbfwith a BOM", "text/plain"),
        (b"\x00\x01\x02\x03", "application/octet-stream"),
        (b"\xff\xfe\xfd", "application/octet-stream"),
        (b"", "application/octet-stream"),
        (b"PK\x03\x04 broken zip", "application/octet-stream"),
    ],
)
def test_detect_content_type_from_magic_numbers(data, expected):
    assert detect_content_type(data) == expected


def test_open_document_is_told_by_its_mimetype_part():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", attachments.ODT)
        archive.writestr("content.xml", "<x/>")
    assert detect_content_type(out.getvalue()) == attachments.ODT


@pytest.mark.parametrize(
    "data",
    [
        PAYLOAD.encode(),
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<html xmlns="http://www.w3.org/1999/xhtml"><body onload="alert(1)"/></html>',
        b"<?xml version='1.0'?><note/>",
        b"alert(document.cookie)",
    ],
)
def test_pages_and_scripts_are_only_ever_plain_text(data):
    assert detect_content_type(data) == "text/plain"


def test_detection_reads_a_file_from_its_start_and_leaves_it_where_it_was():
    handle = io.BytesIO(b"%PDF-1.4 body")
    handle.seek(5)
    assert detect_content_type(handle) == "application/pdf"
    assert handle.tell() == 5


def test_text_cut_in_the_middle_of_a_character_is_still_text():
    data = "ж".encode() * (attachments.SNIFF_BYTES // 2) + b"\xd0"  # the head ends inside a character
    data = b"a" + data
    assert detect_content_type(io.BytesIO(data)) == "text/plain"


def test_every_detectable_type_is_safe_and_has_an_extension():
    assert not attachments.SERVABLE_TYPES & SCRIPTABLE
    assert attachments.INLINE_IMAGE_TYPES <= attachments.SERVABLE_TYPES
    assert attachments.extension_for("text/html") == "bin"


# --- images ------------------------------------------------------------------------------------------


def test_reencoding_strips_the_text_chunk_and_names_the_file_after_the_format():
    clean = check_image_upload(
        upload("avatar.html", polyglot_png(), "text/html"), field="photo", max_bytes=10_000
    )
    assert b"<script" not in clean.data and b"tEXt" not in clean.data
    assert (clean.format, clean.content_type, clean.extension) == ("PNG", "image/png", "png")
    assert clean.stored_name.endswith(".png") and "avatar" not in clean.stored_name
    assert clean.name == "avatar.html"  # the display name stays what was uploaded, sanitised
    assert (clean.width, clean.height) == (1, 1)
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.format == "PNG" and image.getpixel((0, 0)) == (255, 0, 0)


def test_extension_follows_the_detected_format_not_the_name():
    clean = check_image_upload(upload("photo.png", picture("JPEG", (4, 3))), field="photo", max_bytes=10_000)
    assert clean.content_type == "image/jpeg" and clean.stored_name.endswith(".jpg")
    names = {
        check_image_upload(upload("a.png", picture()), field="f", max_bytes=10_000).stored_name for _ in "ab"
    }
    assert len(names) == 2  # random


def test_jpeg_loses_its_comment_and_exif_but_keeps_its_orientation():
    image = Image.new("RGB", (40, 20), "blue")
    exif = image.getexif()
    exif[0x0112] = 6  # rotated 90°
    exif[0x010E] = PAYLOAD  # ImageDescription
    out = io.BytesIO()
    image.save(out, "JPEG", comment=PAYLOAD.encode(), exif=exif.tobytes())
    assert b"<script" in out.getvalue()
    clean = check_image_upload(upload("p.jpg", out.getvalue()), field="photo", max_bytes=100_000)
    assert b"<script" not in clean.data and b"Exif" not in clean.data
    assert (clean.width, clean.height) == (20, 40)


def test_gif_comment_goes_and_the_animation_stays():
    frames = [Image.new("RGB", (8, 8), (80 * i, 0, 0)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0, comment=PAYLOAD)
    assert b"<script" in out.getvalue()
    clean = check_image_upload(upload("a.gif", out.getvalue()), field="photo", max_bytes=100_000)
    assert b"<script" not in clean.data and clean.extension == "gif"
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.n_frames == 3


def test_webp_metadata_goes():
    data = picture("WEBP", (8, 8), mode="RGBA", xmp=PAYLOAD.encode())
    assert b"<script" in data
    clean = check_image_upload(upload("a.webp", data), field="photo", max_bytes=100_000)
    assert b"<script" not in clean.data and clean.content_type == "image/webp"


def test_palette_png_keeps_its_transparency():
    image = Image.new("P", (4, 4), 1)
    image.putpalette([0, 0, 0, 255, 0, 0])
    out = io.BytesIO()
    image.save(out, "PNG", transparency=1)
    clean = check_image_upload(upload("t.png", out.getvalue()), field="photo", max_bytes=100_000)
    with Image.open(io.BytesIO(clean.data)) as result:
        assert result.info.get("transparency") == 1


def test_decompression_bomb_is_refused_with_a_field_error():
    bomb = picture("PNG", (20_000, 20_000), mode="1")  # 400 megapixels in a few kilobytes
    assert len(bomb) < 100_000
    with pytest.raises(ValidationError) as exc:
        check_image_upload(upload("bomb.png", bomb), field="photo", max_bytes=1_000_000)
    assert exc.value.message_dict == {"photo": ["bomb.png has too many pixels; the limit is 40 megapixels."]}


def test_pixel_limit_comes_from_the_setting_and_counts_every_frame(settings):
    settings.LUMEN_IMAGE_MAX_PIXELS = 1_000
    with pytest.raises(ValidationError, match="too many pixels"):
        check_image_upload(upload("big.png", picture("PNG", (40, 40))), field="photo", max_bytes=100_000)
    frames = [Image.new("RGB", (20, 20), (i * 60, 0, 0)) for i in range(4)]  # 4 x 400 pixels
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(ValidationError, match="too many pixels"):
        check_image_upload(upload("anim.gif", out.getvalue()), field="photo", max_bytes=100_000)
    assert check_image_upload(upload("ok.png", picture("PNG", (30, 30))), field="photo", max_bytes=100_000)


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        PAYLOAD.encode(),
        picture("BMP"),
        picture("TIFF"),
        picture("PNG")[:40],  # cut short
    ],
)
def test_what_is_not_a_picture_we_keep_is_refused(data):
    with pytest.raises(ValidationError) as exc:
        check_image_upload(upload("x.png", data), field="photos", max_bytes=100_000, label="x.png")
    assert exc.value.message_dict == {
        "photos": ["x.png is not an image we can read (JPEG, PNG, GIF or WebP)."]
    }


def test_image_size_limits_are_checked_on_the_bytes_read():
    data = picture("PNG", (50, 50))
    with pytest.raises(ValidationError) as exc:
        check_image_upload(upload("p.png", data), field="photo", max_bytes=10, label="The photo")
    (message,) = exc.value.message_dict["photo"]
    assert message.startswith("The photo is too large (") and message.endswith("; the limit is 10\xa0bytes.")
    lying = upload("p.png", data)
    lying.size = 5  # what the client claimed
    with pytest.raises(ValidationError, match="too large"):
        check_image_upload(lying, field="photo", max_bytes=10)
    with pytest.raises(ValidationError, match="empty"):
        check_image_upload(upload("p.png", b""), field="photo", max_bytes=10)


# --- files -------------------------------------------------------------------------------------------


def test_file_type_comes_from_the_bytes_not_from_the_browser_nor_the_name():
    clean = check_file_upload(
        upload("page.html", PAYLOAD.encode(), "text/html"), field="file", max_bytes=1000
    )
    assert clean.content_type == "text/plain" and clean.extension == "txt"
    assert clean.stored_name.endswith(".txt") and clean.name == "page.html"
    assert clean.size == len(PAYLOAD) and clean.content.read() == PAYLOAD.encode()


def test_file_keeps_its_bytes_unless_pictures_are_cleaned():
    kept = check_file_upload(upload("avatar.html", polyglot_png()), field="file", max_bytes=10_000)
    assert kept.content_type == "image/png" and kept.stored_name.endswith(".png")
    assert kept.content.read() == polyglot_png()
    cleaned = check_file_upload(
        upload("avatar.html", polyglot_png()), field="file", max_bytes=10_000, clean_images=True
    )
    data = cleaned.content.read()
    assert cleaned.content_type == "image/png" and b"<script" not in data and cleaned.size == len(data)


def test_a_broken_picture_is_kept_as_a_plain_download_where_pictures_are_cleaned():
    clean = check_file_upload(
        upload("pixel.png", b"\x89PNG\r\n\x1a\n not really"), field="file", max_bytes=1000, clean_images=True
    )
    assert clean.content_type == "application/octet-stream" and clean.stored_name.endswith(".bin")


def test_file_limits_keep_their_messages():
    with pytest.raises(ValidationError) as exc:
        check_file_upload(upload("a.txt", b"x" * 11), field="attachment", max_bytes=10)
    assert exc.value.message_dict["attachment"][0].startswith("The file is too large (")
    with pytest.raises(ValidationError) as exc:
        check_file_upload(upload("a.txt", b""), field="file", max_bytes=10)
    assert exc.value.message_dict == {"file": ["The file is empty."]}
    with pytest.raises(ValidationError) as exc:
        check_file_upload(None, field="file", max_bytes=10)
    assert exc.value.message_dict == {"file": ["Choose a file to upload."]}


# --- downloads ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, inline, expected",
    [
        ("report.pdf", False, 'attachment; filename="report.pdf"'),
        ("photo.png", True, 'inline; filename="photo.png"'),
        ('a"b.txt', False, 'attachment; filename="ab.txt"'),
        ("x\r\nSet-Cookie: a=b.txt", False, 'attachment; filename="xSet-Cookie_ab.txt"'),
        ("../../etc/passwd", False, 'attachment; filename="passwd"'),
        ("..", False, 'attachment; filename="file"'),
        (
            "résumé.pdf",
            False,
            "attachment; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
        ),
        (
            "отчёт.docx",
            False,
            "attachment; filename=\"download.docx\"; filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.docx",
        ),
        (
            "日本;語.txt",
            False,
            "attachment; filename=\"download.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.txt",
        ),
    ],
)
def test_content_disposition_of_odd_names(name, inline, expected):
    header = content_disposition(name, inline=inline)
    assert header == expected
    assert "\r" not in header and "\n" not in header


@pytest.fixture
def stored(tmp_path):
    """Write bytes to a storage and hand back a FieldFile pointing at them."""
    storage = FileSystemStorage(location=str(tmp_path / "files"))
    field = models.FileField(storage=storage)
    field.name = "file"

    def make(data: bytes, name: str = "f/abc.bin") -> FieldFile:
        return FieldFile(None, field, storage.save(name, io.BytesIO(data)))

    return make


@pytest.mark.parametrize(
    "content_type, served, disposition",
    [
        ("image/png", "image/png", "inline"),
        ("image/jpeg", "image/jpeg", "inline"),
        ("image/gif", "image/gif", "inline"),
        ("image/webp", "image/webp", "inline"),
        ("application/pdf", "application/pdf", "attachment"),
        ("text/plain", "text/plain", "attachment"),
        ("text/html", "application/octet-stream", "attachment"),
        ("image/svg+xml", "application/octet-stream", "attachment"),
        ("application/xhtml+xml", "application/octet-stream", "attachment"),
        ("image/bmp", "application/octet-stream", "attachment"),
        ("", "application/octet-stream", "attachment"),
    ],
)
def test_only_listed_image_types_are_served_inline(stored, content_type, served, disposition):
    response = file_response(stored(b"data"), content_type=content_type, download_name="x.png")
    assert response["Content-Type"] == served
    assert response["Content-Disposition"].split(";")[0] == disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == b"data"


def test_inline_can_be_turned_off_and_a_picture_is_named_after_what_it_is(stored):
    response = file_response(
        stored(b"data"), content_type="image/png", download_name="avatar.html", inline_allowed=False
    )
    assert response["Content-Disposition"] == 'attachment; filename="avatar.png"'
    response = file_response(stored(b"data"), content_type="image/jpeg", download_name="Holiday.JPEG")
    assert response["Content-Disposition"] == 'inline; filename="Holiday.JPEG"'
    response = file_response(
        stored(b"data"), content_type="text/plain", download_name="notes.csv", cache_control="private"
    )
    assert response["Content-Disposition"] == 'attachment; filename="notes.csv"'
    assert response["Cache-Control"] == "private"


def test_a_missing_file_answers_404(stored):
    gone = stored(b"data")
    gone.storage.delete(gone.name)
    with pytest.raises(Http404):
        file_response(gone, content_type="image/png", download_name="x.png")
    with pytest.raises(Http404):
        file_response(FieldFile(None, gone.field, ""), content_type="image/png", download_name="x.png")


def test_stored_types_are_detected_again_from_the_storage(stored):
    assert attachments.detect_stored_content_type(stored(b"%PDF-1.4")) == "application/pdf"
    gone = stored(b"x")
    gone.storage.delete(gone.name)
    assert attachments.detect_stored_content_type(gone) == "application/octet-stream"


def test_colour_profile_is_applied_and_dropped():
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = picture("PNG", (4, 4), icc_profile=profile)
    assert b"iCCP" in data
    clean = check_image_upload(upload("c.png", data), field="photo", max_bytes=100_000)
    assert b"iCCP" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.getpixel((0, 0)) == (255, 0, 0)


@pytest.mark.django_db
def test_old_rows_get_the_type_of_their_bytes(org):
    from portal.groups.models import GroupFile
    from tests.groups.factories import GroupFileFactory

    page = GroupFileFactory(
        name="page.html", content_type="text/html", file__filename="x.html", file__data=PAYLOAD.encode()
    )
    pdf = GroupFileFactory(content_type="application/pdf", file__filename="a.pdf", file__data=b"%PDF-1.4")
    assert attachments.redetect_content_types(GroupFile, file_field="file", type_field="content_type") == 1
    page.refresh_from_db()
    pdf.refresh_from_db()
    assert (page.content_type, pdf.content_type) == ("text/plain", "application/pdf")
    assert (
        attachments.redetect_content_types(
            GroupFile, file_field="file", type_field="content_type", allowed=attachments.INLINE_IMAGE_TYPES
        )
        == 2
    )
    assert set(GroupFile.objects.values_list("content_type", flat=True)) == {"application/octet-stream"}


# --- the attachments piece: AttachmentBase rows, attachment_store, the job, the download view ------------
# Exercised through the real concrete models (GroupFile, MessageAttachment): an abstract model has no
# table of its own.


def _media_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def team(org):
    from portal.groups import services as group_services

    return group_services.group_create(actor=org.sales_head, name="Team")


@pytest.mark.django_db
def test_store_refuses_an_oversized_file_with_a_field_error_and_leaves_nothing(org, team, settings):
    from portal.groups import services as group_services
    from portal.groups.models import GroupFile

    settings.LUMEN_GROUP_FILE_MAX_BYTES = 10
    with pytest.raises(Invalid) as exc:
        group_services.group_file_upload(
            actor=org.sales_head, group=team, uploaded_file=upload("a.txt", b"x" * 11)
        )
    assert list(exc.value.fields) == ["file"] and "too large" in exc.value.fields["file"][0]
    with pytest.raises(Invalid) as exc:
        attachments.attachment_store(
            model=GroupFile, actor=org.sales_head, upload=upload("b.txt", b"x" * 11), max_bytes=10, group=team
        )
    assert "file" in exc.value.message_dict
    assert not GroupFile.objects.exists()
    assert _media_files(settings) == []


@pytest.mark.django_db
def test_store_deletes_the_file_again_when_the_row_fails(org, settings):
    from django.db import IntegrityError

    from portal.groups.models import GroupFile

    with pytest.raises(IntegrityError):
        attachments.attachment_store(
            model=GroupFile, actor=org.sales_head, upload=upload("a.txt", b"notes"), group=None
        )
    assert _media_files(settings) == []


@pytest.mark.django_db
def test_store_refuses_types_named_by_the_setting_or_outside_the_allowed_ones(org, team, settings):
    from portal.groups.models import GroupFile

    settings.LUMEN_ATTACHMENT_REFUSED_TYPES = ["application/zip"]
    with pytest.raises(Invalid) as exc:
        attachments.attachment_store(
            model=GroupFile, actor=org.sales_head, upload=upload("notes.txt", office("a.txt")), group=team
        )
    assert exc.value.code == "refused_type" and list(exc.value.fields) == ["file"]
    with pytest.raises(Invalid):
        attachments.attachment_store(
            model=GroupFile,
            actor=org.sales_head,
            upload=upload("a.txt", b"notes"),
            allowed_types=attachments.INLINE_IMAGE_TYPES,
            group=team,
        )
    assert not GroupFile.objects.exists() and _media_files(settings) == []


@pytest.mark.django_db
def test_store_keeps_a_safe_name_a_random_path_the_detected_type_and_a_digest(org, team):
    import hashlib

    from portal.groups.models import GroupFile

    row = attachments.attachment_store(
        model=GroupFile,
        actor=org.sales_head,
        upload=upload("../../x/<b>évil \r\n.html", PAYLOAD.encode(), content_type="text/html"),
        group=team,
    )
    row.refresh_from_db()
    assert row.name == "bévil_.html" and row.content_type == "text/plain" and row.size == len(PAYLOAD)
    folder, owner, stored = row.file.name.split("/")
    assert (folder, owner) == ("groups", str(team.pk))
    assert len(stored) == len("0" * 32 + ".txt") and stored.endswith(".txt")
    assert row.sha256 == hashlib.sha256(PAYLOAD.encode()).hexdigest()
    assert row.uploaded_by == org.sales_head and row.created_at is not None
    assert row.download_url == f"/groups/files/{row.pk}/download/"
    assert not row.is_image and not row.thumbnail and row.thumbnail_url == ""


@pytest.mark.django_db
def test_a_picture_gets_its_thumbnail_from_the_job_once(org, team, django_capture_on_commit_callbacks):
    from portal.core.jobs import attachment_thumbnail_job
    from portal.groups.models import GroupFile

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = attachments.attachment_store(
            model=GroupFile,
            actor=org.sales_head,
            upload=upload("big.png", picture("PNG", (800, 600))),
            group=team,
        )
    assert callbacks, "a picture schedules its thumbnail job on commit"
    assert row.content_type == "image/png" and not row.thumbnail
    assert attachment_thumbnail_job(GroupFile._meta.label, row.pk) is True
    row.refresh_from_db()
    assert row.thumbnail.name.startswith(f"groups/thumbnails/{team.pk}/")
    with row.thumbnail.open("rb") as handle, Image.open(handle) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= 320 and thumb.size == (320, 240)
    first = row.thumbnail.name
    # Safe to repeat: the second run finds the work done.
    assert attachment_thumbnail_job(GroupFile._meta.label, row.pk) is False
    row.refresh_from_db()
    assert row.thumbnail.name == first


@pytest.mark.django_db
def test_the_thumbnail_job_does_nothing_for_what_is_not_a_picture_or_gone(org, team):
    from portal.core.jobs import attachment_thumbnail_job
    from portal.groups.models import GroupFile

    with_text = attachments.attachment_store(
        model=GroupFile, actor=org.sales_head, upload=upload("a.txt", b"notes"), group=team
    )
    assert attachment_thumbnail_job(GroupFile._meta.label, with_text.pk) is False
    assert attachment_thumbnail_job(GroupFile._meta.label, 999_999) is False
    assert attachment_thumbnail_job("people.User", with_text.pk) is False


@pytest.mark.django_db
def test_download_view_answers_attachments_with_nosniff_and_404_for_the_hidden(org, team):
    from django.urls import reverse

    from portal.groups import services as group_services
    from tests.utils import client_as

    row = group_services.group_file_upload(
        actor=org.sales_head, group=team, uploaded_file=upload("pixel.png", picture("PNG"))
    )
    url = reverse("groups:file_download", args=[row.pk])
    response = client_as(org.sales_head).get(url)
    assert response.status_code == 200
    # Group files never show inline, not even pictures.
    assert response["Content-Type"] == "image/png" and response["Content-Disposition"].startswith(
        "attachment;"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == attachments.FILE_RESPONSE_CSP
    assert client_as(org.developer).get(url).status_code == 404  # not a member: hidden
    assert (
        client_as(org.sales_head).get(reverse("groups:file_download", args=[row.pk + 1000])).status_code
        == 404
    )
    assert client_as(org.sales_head).post(url).status_code == 405
    assert client_as(None).get(url).status_code == 302


@pytest.mark.django_db
def test_download_view_shows_chat_pictures_inline_and_serves_their_thumbnail(
    org, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from portal.chat import services as chat_services
    from portal.chat.models import MessageAttachment
    from portal.core.jobs import attachment_thumbnail_job
    from tests.utils import client_as

    chat = chat_services.chat_group_create(actor=org.sales_head, title="Chat", members=[org.sales_rep])
    message = chat_services.message_send(
        actor=org.sales_rep, chat=chat, body="", attachment=upload("p.png", picture("PNG", (640, 640)))
    )
    url = reverse("chat:attachment", args=[message.pk])
    assert message.attachment.download_url == url
    reader = client_as(org.sales_head)
    inline = reader.get(url)
    assert (
        inline["Content-Disposition"].startswith("inline;") and inline["X-Content-Type-Options"] == "nosniff"
    )
    assert reader.get(url, {"download": "1"})["Content-Disposition"].startswith("attachment;")
    assert reader.get(url, {"thumbnail": "1"}).status_code == 404  # not made yet
    assert attachment_thumbnail_job(MessageAttachment._meta.label, message.attachment.pk)
    thumb = reader.get(url, {"thumbnail": "1"})
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert client_as(org.developer).get(url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        chat_services.message_delete(actor=org.sales_rep, message=message)
    assert reader.get(url).status_code == 404
    assert not MessageAttachment.objects.exists()


@pytest.mark.django_db
def test_a_refused_chat_file_takes_its_message_back(org, settings):
    from portal.chat import services as chat_services
    from portal.chat.models import Message

    settings.LUMEN_CHAT_FILE_MAX_BYTES = 4
    chat = chat_services.chat_group_create(actor=org.sales_head, title="Chat", members=[org.sales_rep])
    before = Message.objects.count()
    with pytest.raises(Invalid) as exc:
        chat_services.message_send(
            actor=org.sales_rep, chat=chat, body="see", attachment=upload("a.txt", b"12345")
        )
    assert "attachment" in exc.value.fields
    assert Message.objects.count() == before and _media_files(settings) == []
