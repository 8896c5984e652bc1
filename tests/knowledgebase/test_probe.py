"""Found by probing a running portal as its users and as an attacker would."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knowledgebase.models import Page
from tests.knowledgebase.factories import kb_world

pytestmark = pytest.mark.django_db


def _zip_bytes(files: dict[str, bytes], method=zipfile.ZIP_STORED) -> bytearray:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return bytearray(buffer.getvalue())


def _bad_crc() -> bytes:
    data = _zip_bytes({"x.md": b"# Title\nhello"})
    header = 30 + struct.unpack("<H", data[26:28])[0]
    data[header + 2] ^= 0x01
    return bytes(data)


def _unknown_method() -> bytes:
    data = _zip_bytes({"x.md": b"# Title\nhello"})
    data[8:10] = struct.pack("<H", 99)
    central = data.find(b"PK\x01\x02")
    data[central + 10 : central + 12] = struct.pack("<H", 99)
    return bytes(data)


def _encrypted() -> bytes:
    data = _zip_bytes({"x.md": b"# Title\nhello"})
    data[6] |= 1
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 1
    return bytes(data)


def _corrupt_deflate() -> bytes:
    data = _zip_bytes({"x.md": b"# Title\n" + b"hello world " * 100}, zipfile.ZIP_DEFLATED)
    header = 30 + struct.unpack("<H", data[26:28])[0]
    data[header + 5] ^= 0xFF
    return bytes(data)


@pytest.mark.parametrize(
    "name,data",
    [
        ("bad-crc.zip", _bad_crc()),
        ("method.zip", _unknown_method()),
        ("encrypted.zip", _encrypted()),
        ("corrupt.zip", _corrupt_deflate()),
        ("utf16.zip", bytes(_zip_bytes({"utf16.md": "# Hi\nthere".encode("utf-16")}))),
        ("nul.md", b"# A\x00B\n\x00body"),
    ],
)
def test_a_broken_or_binary_import_is_refused_on_the_form_not_a_500(org, client_for, name, data):
    world = kb_world(org)
    before = Page.objects.count()
    response = client_for(org.sales_rep).post(
        reverse("kb:pages_import", args=[world.restricted.pk]),
        {"file": SimpleUploadedFile(name, data)},
        format="multipart",
    )
    assert response.status_code == 400
    assert Page.objects.count() == before


def test_a_long_unbroken_page_title_wraps_on_the_home_and_in_search(org, client_for):
    import re

    from knowledgebase.services.pages import page_create

    world = kb_world(org)
    title = "Handbook" + "x" * 200
    page_create(actor=org.ceo, space=world.company, title=title, body="Long words")
    client = client_for(org.developer)
    for url in ("/kb/", "/kb/search/?q=Handbook", "/search/?q=Handbook"):
        html = client.get(url).content.decode()
        assert re.search(r'class="[^"]*text-break[^"]*"[^<]*(<a [^>]*>)?[^<]*(<mark>)?Handbook', html), url


def test_the_diff_summary_says_one_line_not_one_lines(org, client_for):
    from knowledgebase.services.pages import page_create, page_update

    world = kb_world(org)
    page = page_create(actor=org.ceo, space=world.company, title="Plural", body="one\ntwo")
    page_update(actor=org.ceo, page=page, base_revision=page.revision, title="Plural", body="one\ntwo\nthree")
    html = client_for(org.developer).get(reverse("kb:revision_diff", args=[page.pk]), {"from": 1, "to": 2})
    assert "1 line added, 0 removed." in html.content.decode()
