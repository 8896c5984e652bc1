"""Files on records: kept through core's attachments (limits from the settings), downloaded only by who sees
the record (404 otherwise), deleted by the uploader or an editor, each a "file" entry on the timeline."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.choices import TimelineKind
from crm.models import CrmFile, CrmRole, TimelineEntry
from tests.crm.factories import DealFactory, give_role
from tests.utils import client_as

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
PDF = b"%PDF-1.4\n%a small test document\n"


@pytest.fixture
def deal(org):
    return DealFactory(responsible=org.east_rep)


def _upload(user, deal, data=PDF, name="offer.pdf"):
    return client_as(user).post(
        reverse("crm:timeline_file", args=["deal", deal.pk]),
        {"file-file": SimpleUploadedFile(name, data, content_type="application/pdf")},
        format="multipart",
        **HTMX,
    )


def test_upload_download_and_the_timeline(org, deal):
    response = _upload(org.east_rep, deal)
    assert response.status_code == 200 and "offer.pdf" in response.content.decode()
    crm_file = CrmFile.objects.get()
    assert crm_file.deal_id == deal.pk and crm_file.uploaded_by == org.east_rep
    assert crm_file.content_type == "application/pdf"
    assert TimelineEntry.objects.filter(kind=TimelineKind.FILE, file=crm_file, deal=deal).exists()
    download = client_as(org.east_rep).get(crm_file.download_url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    # Hidden record, hidden file: the same 404 as a missing one.
    assert client_as(org.developer).get(crm_file.download_url).status_code == 404
    assert (
        client_as(org.developer).get(reverse("crm:file_download", args=[crm_file.pk + 1000])).status_code
        == 404
    )


def test_limits_from_the_settings(org, deal, settings):
    settings.LUMEN_CRM_FILE_MAX_BYTES = 10
    response = _upload(org.east_rep, deal)
    assert response.status_code == 200 and "too large" in response.content.decode()
    assert not CrmFile.objects.exists() and not TimelineEntry.objects.exists()
    settings.LUMEN_CRM_FILE_MAX_BYTES = 0
    assert _upload(org.east_rep, deal, data=b"").status_code == 200
    assert not CrmFile.objects.exists()


def test_only_editors_upload(org, deal):
    assert _upload(org.developer, deal).status_code == 404
    assert not CrmFile.objects.exists()


def test_delete_by_the_uploader_or_an_editor(org, deal):
    _upload(org.east_rep, deal)
    crm_file = CrmFile.objects.get()
    url = reverse("crm:file_delete", args=[crm_file.pk])
    assert client_as(org.developer).post(url, **HTMX).status_code == 404
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    assert client_as(org.sales_head).post(url, **HTMX).status_code == 200  # edits the sub-tree's deals
    assert not CrmFile.objects.exists()
    entry = TimelineEntry.objects.get(kind=TimelineKind.FILE)
    assert entry.file_id is None and entry.text == "offer.pdf"
    html = (
        client_as(org.east_rep).get(reverse("crm:timeline", args=["deal", deal.pk]), **HTMX).content.decode()
    )
    assert "offer.pdf (deleted)" in html
