"""Imports of leads, contacts and companies: upload, mapping guess, preview, duplicates, report, limits."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.choices import ImportStatus
from crm.models import Communication, Company, Contact, CrmImport, CrmRolePermission
from crm.services import imports
from portal.core.errors import Invalid, NotFound
from tests.crm.factories import ContactFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def importer(org):
    """east_rep with the import right (the default role has none)."""
    CrmRolePermission.objects.filter(role__name="Employee", action="import").update(level=1)
    return org.east_rep


def csv_file(rows, name="people.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_file(rows, name="people.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_mapping_guessed_from_headers_in_two_languages(importer):
    upload = csv_file(
        [["Фамилия", "Имя", "Телефон", "E-mail", "Дата рождения"], ["Петров", "Иван", "", "", ""]]
    )
    crm_import = imports.import_upload(actor=importer, entity="contact", upload=upload)
    assert crm_import.mapping == {"last_name": 0, "first_name": 1, "phone": 2, "email": 3, "birthday": 4}
    english = imports.mapping_guess("company", ["Company name", "Industry", "Phone number", "INN"])
    assert english == {"name": 0, "industry": 1, "phone": 2, "tax_id": 3}


def run(importer, rows, *, mode="skip", entity="contact", mapping=None, upload=None):
    crm_import = imports.import_upload(actor=importer, entity=entity, upload=upload or csv_file(rows))
    crm_import = imports.import_map(
        actor=importer, crm_import=crm_import, mapping=mapping or crm_import.mapping, duplicates=mode
    )
    crm_import, queued = imports.import_start(actor=importer, crm_import=crm_import)
    assert not queued
    return crm_import


ROWS = [
    ["First name", "Last name", "Phone", "Email", "Birthday"],
    ["Anna", "New", "+1 212 555 0101", "anna@new.test", "31.12.1990"],
    ["Boris", "Dup", "", "known@client.test", ""],
    ["", "", "+1 212 555 0199", "", ""],
    ["Carl", "Bad", "", "", "not a date"],
]


@pytest.fixture
def existing(importer):
    contact = ContactFactory(responsible=importer, first_name="", last_name="Known", position="")
    Communication.objects.create(
        kind="email", value="known@client.test", normalized="known@client.test", contact=contact
    )
    return contact


@pytest.mark.parametrize(
    ("mode", "created", "merged", "skipped"), [("skip", 1, 0, 1), ("merge", 1, 1, 0), ("create", 2, 0, 0)]
)
def test_duplicates_each_mode_and_rejected_rows(importer, existing, mode, created, merged, skipped):
    crm_import = run(importer, ROWS, mode=mode)
    assert crm_import.status == ImportStatus.DONE
    assert crm_import.report["counts"] == {
        "created": created,
        "merged": merged,
        "skipped": skipped,
        "rejected": 2,
    }
    reasons = {
        line["row"]: line["reason"] for line in crm_import.report["rows"] if line["outcome"] == "rejected"
    }
    assert set(reasons) == {3, 4} and "name" in reasons[3] and "birthday" in reasons[4]
    anna = Contact.objects.get(last_name="New")
    assert anna.birthday.isoformat() == "1990-12-31" and anna.source == "import"
    assert set(anna.communications.values_list("normalized", flat=True)) == {"+12125550101", "anna@new.test"}
    existing.refresh_from_db()
    if mode == "merge":
        assert existing.first_name == "Boris" and existing.last_name == "Known"
    else:
        assert existing.first_name == ""
    assert Contact.objects.filter(last_name="Dup").exists() == (mode == "create")
    # Running again does nothing.
    again, _queued = imports.import_start(actor=importer, crm_import=crm_import)
    assert Contact.objects.filter(last_name="New").count() == 1


def test_preview_and_pages(importer, existing):
    client = client_as(importer)
    response = client.post(
        reverse("crm:import_start"), {"entity": "contact", "file": csv_file(ROWS)}, format="multipart"
    )
    crm_import = CrmImport.objects.get()
    assert response["Location"] == reverse("crm:import_mapping", args=[crm_import.pk])
    assert client.get(response["Location"]).status_code == 200
    data = {f"map_{k}": str(v) for k, v in crm_import.mapping.items()} | {"duplicates": "merge"}
    response = client.post(reverse("crm:import_mapping", args=[crm_import.pk]), data, format="multipart")
    assert response["Location"] == reverse("crm:import_preview", args=[crm_import.pk])
    preview = client.get(response["Location"]).content.decode()
    assert preview.count('data-outcome="create"') == 1 and preview.count('data-outcome="merge"') == 1
    assert preview.count('data-outcome="reject"') == 2
    assert not Contact.objects.filter(last_name="New").exists()  # a preview writes nothing
    response = client.post(reverse("crm:import_run", args=[crm_import.pk]))
    assert response["Location"] == reverse("crm:import_report", args=[crm_import.pk])
    report = client.get(response["Location"]).content.decode()
    assert 'data-count="rejected">2<' in report
    rejected = client.get(reverse("crm:import_rejected", args=[crm_import.pk]))
    lines = list(csv.reader(io.StringIO(b"".join(rejected.streaming_content).decode("utf-8-sig"))))
    assert lines[0] == [*ROWS[0], "Reason"] and len(lines) == 3
    # Another person (even with the right) does not see the import.
    CrmRolePermission.objects.filter(role__name="Employee", action="import").update(level=1)
    assert client_as(importer.__class__.objects.exclude(pk=importer.pk).filter(is_staff=False).first()).get(
        reverse("crm:import_report", args=[crm_import.pk])
    ).status_code in (302, 404)


def test_companies_from_xlsx(importer):
    upload = xlsx_file(
        [["Название", "Тип", "Сотрудники"], ["Acme Ltd", "Supplier", 12], ["Bad Ltd", "Alien", 3]]
    )
    crm_import = run(importer, None, entity="company", upload=upload)
    assert crm_import.report["counts"]["created"] == 1 and crm_import.report["counts"]["rejected"] == 1
    company = Company.objects.get(name="Acme Ltd")
    assert (company.kind, company.employees) == ("supplier", 12)


def test_limits_and_types(importer, settings):
    with pytest.raises(Invalid):
        imports.import_upload(
            actor=importer, entity="contact", upload=SimpleUploadedFile("x.pdf", b"%PDF-1.4")
        )
    with pytest.raises(Invalid):  # an XLSX name over text
        imports.import_upload(
            actor=importer, entity="contact", upload=SimpleUploadedFile("x.xlsx", b"a,b\n1,2\n")
        )
    settings.LUMEN_CRM_IMPORT_MAX_BYTES = 20
    with pytest.raises(Invalid) as big:
        imports.import_upload(actor=importer, entity="contact", upload=csv_file(ROWS))
    assert "big" in big.value.message
    settings.LUMEN_CRM_IMPORT_MAX_BYTES = 10_000
    crm_import = imports.import_upload(actor=importer, entity="contact", upload=csv_file([["Phone"], ["1"]]))
    with pytest.raises(Invalid):  # no name column mapped
        imports.import_map(actor=importer, crm_import=crm_import, mapping={"phone": 0}, duplicates="skip")


def test_import_needs_the_right(org):
    with pytest.raises(NotFound):
        imports.import_upload(actor=org.east_rep, entity="contact", upload=csv_file(ROWS))
    assert client_as(org.east_rep).get(reverse("crm:import_start")).status_code == 404
    assert client_as(org.admin).get(reverse("crm:import_start")).status_code == 200


def test_api_upload_and_run(importer, existing):
    client = client_as(importer)
    response = client.post(
        "/api/v1/crm/imports/",
        {"entity": "contact", "file": csv_file(ROWS), "duplicates": "skip"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    preview = client.get(f"/api/v1/crm/imports/{pk}/preview/").json()
    assert [row["outcome"] for row in preview] == ["create", "skip", "reject", "reject"]
    done = client.post(f"/api/v1/crm/imports/{pk}/run/", {}, format="json").json()
    assert done["status"] == "done" and done["report"]["counts"]["created"] == 1
    assert client.get(f"/api/v1/crm/imports/{pk}/").json()["report"]["counts"]["rejected"] == 2
