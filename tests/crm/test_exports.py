"""Export of the CRM lists: the export right, the filtered records, the chosen columns, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from djmoney.money import Money

from crm.models import CrmListColumns, CrmRole, CrmRolePermission
from tests.crm.factories import DealFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_csv_has_the_visible_filtered_records_and_chosen_columns(org):
    DealFactory(responsible=org.east_rep, title="=cmd|calc", amount=Money(Decimal("250.00"), "USD"))
    DealFactory(responsible=org.east_rep, title="Small one")
    DealFactory(responsible=org.developer, title="Someone else's")
    CrmListColumns.objects.create(
        user=org.east_rep, entity="deal", columns=["title", "amount", "responsible"]
    )
    response = client_as(org.east_rep).get(
        reverse("crm:list_export", args=["deal"]), {"format": "csv", "sort": "title"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(content(response).decode("utf-8-sig"))))
    assert rows[0] == ["Title", "Amount", "Responsible person"]
    titles = [row[0] for row in rows[1:]]
    # A formula-looking cell is written as text.
    assert titles == ["'=cmd|calc", "Small one"]
    assert rows[1][1].startswith("250.00")
    filtered = client_as(org.east_rep).get(
        reverse("crm:list_export", args=["deal"]), {"format": "csv", "q": "small"}
    )
    assert len(list(csv.reader(io.StringIO(content(filtered).decode("utf-8-sig"))))) == 2


def test_xlsx_opens(org):
    DealFactory(responsible=org.east_rep, title="Workbook deal")
    response = client_as(org.east_rep).get(reverse("crm:list_export", args=["deal"]), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(content(response))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Title" and values[1][0] == "Workbook deal"


def test_export_needs_the_right(org):
    DealFactory(responsible=org.east_rep)
    CrmRolePermission.objects.filter(role__name="Employee", action="export").update(level=0)
    response = client_as(org.east_rep).get(reverse("crm:list_export", args=["deal"]), {"format": "csv"})
    assert response.status_code == 404
    assert client_as(org.east_rep).get(reverse("crm:deal_list")).content.decode().count("data-export") == 0
    assert CrmRole.objects.filter(name="Employee").exists()
    assert (
        client_as(org.admin).get(reverse("crm:list_export", args=["deal"]), {"format": "pdf"}).status_code
        == 404
    )
