"""Imports of leads, contacts and companies from CSV or XLSX: upload, column mapping, run, report.

The file is read by django-import-export's formats (tablib underneath), and each row's values are cleaned by
the entity's import `Resource` (its fields' widgets turn text into dates, numbers, choices...). The records are
made by the features' own services (`contact_create`, `company_create`, `lead_create`), so the rights, the
normalised phones and e-mails, the timeline and the audit are those of a record made by hand. Each row is its
own savepoint: a rejected row is reported with its reason and the others go on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.formats import base_formats

from portal.core.errors import DomainError, Invalid, NotFound

from .. import rights
from ..choices import Action, DuplicateMode, Entity, ImportStatus, LeadSource
from ..models import Company, CrmImport
from ..models.companies import CompanyKind

ENTITIES = (Entity.LEAD, Entity.CONTACT, Entity.COMPANY)
MAX_ROWS = 20_000
# Up to this many rows an import runs in the request; a bigger one in a background job.
SYNC_ROWS = 2_000
XLSX_MAGIC = b"PK\x03\x04"


# --- resources: what each entity's columns are and how their text becomes values --------------------------------


class ChoiceWidget(widgets.Widget):
    """A choice given by its value or its label, in any case ("Supplier", "supplier", "Поставщик")."""

    def __init__(self, choices, default=""):
        super().__init__()
        self.choices = choices
        self.default = default

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().lower()
        if not text:
            return self.default
        for key, label in self.choices:
            if text in (str(key).lower(), str(label).lower()):
                return key
        raise ValueError(_("Unknown value “%(value)s”.") % {"value": value})


class DayWidget(widgets.DateWidget):
    """A date written the ISO way, or as people write it (31.12.1990, 12/31/1990)."""

    def __init__(self):
        super().__init__()
        self.formats = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%m/%d/%Y", "%d/%m/%Y")


class ImportResource(resources.Resource):
    """The columns of an import; `clean_row` gives the cleaned values or raises `ValueError` with the reason."""

    communication_fields = ("phone", "email", "website", "address")

    def clean_row(self, row: dict) -> dict:
        values, errors = {}, []
        for field in self.get_import_fields():
            try:
                values[field.attribute] = field.clean(row)
            except (ValueError, KeyError) as error:
                errors.append(f"{field.column_name}: {error}")
        if errors:
            raise ValueError("; ".join(errors))
        for name, value in list(values.items()):
            if isinstance(value, str):
                values[name] = value.strip()
        return values


def text_field(name: str) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=widgets.CharWidget(allow_blank=True))


class ContactResource(ImportResource):
    first_name = text_field("first_name")
    last_name = text_field("last_name")
    middle_name = text_field("middle_name")
    position = text_field("position")
    birthday = fields.Field(attribute="birthday", column_name="birthday", widget=DayWidget())
    phone = text_field("phone")
    email = text_field("email")
    address = text_field("address")
    company = text_field("company")
    comment = text_field("comment")


class CompanyResource(ImportResource):
    name = text_field("name")
    kind = fields.Field(
        attribute="kind", column_name="kind", widget=ChoiceWidget(CompanyKind.choices, CompanyKind.CLIENT)
    )
    industry = text_field("industry")
    employees = fields.Field(attribute="employees", column_name="employees", widget=widgets.IntegerWidget())
    tax_id = text_field("tax_id")
    phone = text_field("phone")
    email = text_field("email")
    website = text_field("website")
    address = text_field("address")
    comment = text_field("comment")


class LeadResource(ImportResource):
    title = text_field("title")
    first_name = text_field("first_name")
    last_name = text_field("last_name")
    company_name = text_field("company_name")
    position = text_field("position")
    phone = text_field("phone")
    email = text_field("email")
    comment = text_field("comment")


RESOURCES = {Entity.LEAD: LeadResource, Entity.CONTACT: ContactResource, Entity.COMPANY: CompanyResource}

LABELS = {
    "title": gettext_lazy("Title"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "middle_name": gettext_lazy("Middle name"),
    "position": gettext_lazy("Position"),
    "birthday": gettext_lazy("Birthday"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("E-mail"),
    "website": gettext_lazy("Website"),
    "address": gettext_lazy("Address"),
    "company": gettext_lazy("Company"),
    "company_name": gettext_lazy("Company name"),
    "comment": gettext_lazy("Comment"),
    "name": gettext_lazy("Name"),
    "kind": gettext_lazy("Kind"),
    "industry": gettext_lazy("Industry"),
    "employees": gettext_lazy("Employees"),
    "tax_id": gettext_lazy("Tax number"),
}

# Header words that name a target column (lowercased, punctuation dropped), English and Russian.
SYNONYMS = {
    "title": ["title", "subject", "lead", "название лида", "заголовок", "тема", "лид"],
    "first_name": ["first name", "firstname", "given name", "name first", "имя"],
    "last_name": ["last name", "lastname", "surname", "family name", "фамилия"],
    "middle_name": ["middle name", "patronymic", "отчество"],
    "position": ["position", "job title", "role", "должность"],
    "birthday": ["birthday", "birth date", "date of birth", "дата рождения", "день рождения"],
    "phone": ["phone", "telephone", "mobile", "tel", "phone number", "телефон", "мобильный", "тел"],
    "email": ["email", "e mail", "mail", "email address", "электронная почта", "почта", "емейл", "эл почта"],
    "website": ["website", "site", "web", "url", "сайт"],
    "address": ["address", "адрес"],
    "company": ["company", "organisation", "organization", "компания", "организация"],
    "company_name": ["company", "company name", "organisation", "organization", "компания", "организация"],
    "comment": ["comment", "comments", "note", "notes", "комментарий", "примечание"],
    "name": [
        "name",
        "company",
        "company name",
        "organisation",
        "organization",
        "название",
        "компания",
        "организация",
    ],
    "kind": ["kind", "type", "company type", "тип", "тип компании"],
    "industry": ["industry", "sector", "отрасль", "сфера"],
    "employees": [
        "employees",
        "staff",
        "headcount",
        "сотрудники",
        "число сотрудников",
        "количество сотрудников",
    ],
    "tax_id": ["tax id", "tax number", "vat", "inn", "инн"],
}


def target_fields(entity: str) -> list[str]:
    return [field.attribute for field in RESOURCES[entity]().get_import_fields()]


def _words(header: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", str(header or "").lower().replace("ё", "е")).split())


def mapping_guess(entity: str, headers: list[str]) -> dict[str, int]:
    """{target field: column index} guessed from the header names; each column used once."""
    normalized = [_words(header) for header in headers]
    guess: dict[str, int] = {}
    used: set[int] = set()
    for target in target_fields(entity):
        names = [_words(target.replace("_", " ")), *(_words(word) for word in SYNONYMS.get(target, []))]
        for index, header in enumerate(normalized):
            if index not in used and header in names:
                guess[target] = index
                used.add(index)
                break
    return guess


# --- upload --------------------------------------------------------------------------------------------------


def require_import(actor, entity: str) -> None:
    """Only holders of the import right on `entity` may import (others: not found, as a hidden page)."""
    if entity not in ENTITIES or not rights.may(actor, entity, Action.IMPORT):
        raise NotFound()


def _dataset(name: str, content: bytes):
    lower = (name or "").lower()
    if lower.endswith(".xlsx"):
        if not content.startswith(XLSX_MAGIC):
            raise Invalid(fields={"file": [_("This is not an XLSX file.")]})
        try:
            return base_formats.XLSX().create_dataset(content)
        except Exception as error:  # a broken workbook: openpyxl's own errors vary
            raise Invalid(fields={"file": [_("The XLSX file cannot be read.")]}) from error
    if lower.endswith((".csv", ".txt")):
        if content.startswith(XLSX_MAGIC) or b"\x00" in content[:4096]:
            raise Invalid(fields={"file": [_("This is not a CSV file.")]})
        for encoding in ("utf-8-sig", "cp1251"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        try:
            return base_formats.CSV().create_dataset(text)
        except Exception as error:
            raise Invalid(fields={"file": [_("The CSV file cannot be read.")]}) from error
    raise Invalid(fields={"file": [_("Upload a CSV or XLSX file.")]})


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@transaction.atomic
def import_upload(*, actor, entity: str, upload) -> CrmImport:
    """Read an uploaded CSV/XLSX (size and type checked) into a new import, with a guessed column mapping."""
    entity = str(entity)
    require_import(actor, entity)
    limit = settings.LUMEN_CRM_IMPORT_MAX_BYTES
    if upload is None:
        raise Invalid(fields={"file": [_("Choose a file.")]})
    if upload.size > limit:
        raise Invalid(
            fields={
                "file": [
                    _("The file is too big (at most %(size)s MB).") % {"size": round(limit / 1048576, 1)}
                ]
            }
        )
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise Invalid(fields={"file": [_("The file is too big.")]})
    dataset = _dataset(upload.name, content)
    headers = [_cell(header) or f"#{index + 1}" for index, header in enumerate(dataset.headers or [])]
    if not headers:
        raise Invalid(fields={"file": [_("The file has no header row.")]})
    rows = [[_cell(value) for value in row] for row in dataset]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise Invalid(fields={"file": [_("The file has no rows.")]})
    if len(rows) > MAX_ROWS:
        raise Invalid(fields={"file": [_("At most %(count)s rows at once.") % {"count": MAX_ROWS}]})
    return CrmImport.objects.create(
        entity=entity,
        created_by=actor,
        file_name=(upload.name or "import")[:255],
        headers=headers,
        rows=rows,
        mapping={key: index for key, index in mapping_guess(entity, headers).items()},
    )


def _clean_mapping(crm_import: CrmImport, mapping: dict) -> dict[str, int]:
    targets = set(target_fields(crm_import.entity))
    width = len(crm_import.headers)
    clean: dict[str, int] = {}
    for target, index in (mapping or {}).items():
        if index in (None, ""):
            continue
        if target not in targets or not str(index).lstrip("-").isdecimal() or not 0 <= int(index) < width:
            raise Invalid(fields={"mapping": [_("Map the columns to the fields offered.")]})
        clean[target] = int(index)
    needed = {
        Entity.CONTACT: ({"first_name", "last_name"}, _("Map a column to the first or the last name.")),
        Entity.COMPANY: ({"name"}, _("Map a column to the company's name.")),
        Entity.LEAD: (
            {"title", "first_name", "last_name", "phone", "email", "company_name"},
            _("Map a column to the title, a name, a phone or an e-mail."),
        ),
    }[crm_import.entity]
    if not needed[0] & set(clean):
        raise Invalid(fields={"mapping": [needed[1]]})
    return clean


@transaction.atomic
def import_map(*, actor, crm_import: CrmImport, mapping: dict, duplicates: str) -> CrmImport:
    """Keep the column mapping ({target field: column index}) and the duplicate handling of an import."""
    _require_own(actor, crm_import)
    if crm_import.status not in (ImportStatus.UPLOADED, ImportStatus.MAPPED):
        raise Invalid(_("This import has already run."))
    if duplicates not in DuplicateMode.values:
        raise Invalid(fields={"duplicates": [_("Choose what to do with duplicates.")]})
    crm_import.mapping = _clean_mapping(crm_import, mapping)
    crm_import.duplicates = duplicates
    crm_import.status = ImportStatus.MAPPED
    crm_import.save(update_fields=["mapping", "duplicates", "status"])
    return crm_import


def _require_own(actor, crm_import: CrmImport) -> None:
    require_import(actor, crm_import.entity)
    if crm_import.created_by_id != getattr(actor, "pk", None) and not rights.is_crm_admin(actor):
        raise NotFound()


# --- one row ---------------------------------------------------------------------------------------------------


@dataclass
class RowPlan:
    """What happens to one row: "create", "skip", "merge" (into `duplicate`) or "reject" (with `reason`)."""

    number: int
    values: dict
    outcome: str
    reason: str = ""
    duplicate: object = None


def row_values(crm_import: CrmImport, row: list[str]) -> dict:
    """The row's cleaned values by target field (`ValueError` with the reasons when a value is bad)."""
    resource = RESOURCES[crm_import.entity]()
    data = {target: "" for target in target_fields(crm_import.entity)}
    for target, index in crm_import.mapping.items():
        data[target] = row[index] if index < len(row) else ""
    return resource.clean_row(data)


def _missing(entity: str, values: dict) -> str:
    if entity == Entity.CONTACT and not (values.get("first_name") or values.get("last_name")):
        return _("No first or last name.")
    if entity == Entity.COMPANY and not values.get("name"):
        return _("No company name.")
    if entity == Entity.LEAD and not any(
        values.get(k) for k in ("title", "first_name", "last_name", "phone", "email", "company_name")
    ):
        return _("No title, name, phone or e-mail.")
    return ""


def row_plan(*, actor, crm_import: CrmImport, number: int, row: list[str]) -> RowPlan:
    """Decide what to do with one row (nothing is written)."""
    from ..selectors.duplicates import duplicates_find

    try:
        values = row_values(crm_import, row)
    except ValueError as error:
        return RowPlan(number, {}, "reject", str(error))
    missing = _missing(crm_import.entity, values)
    if missing:
        return RowPlan(number, values, "reject", missing)
    phones = [values["phone"]] if values.get("phone") else []
    emails = [values["email"]] if values.get("email") else []
    name = values.get("name", "") if crm_import.entity == Entity.COMPANY else ""
    found = duplicates_find(
        user=actor, entity=crm_import.entity, phones=phones, emails=emails, name=name, limit=1
    )
    if not found:
        return RowPlan(number, values, "create")
    duplicate = found[0]
    mode = crm_import.duplicates
    if mode == DuplicateMode.SKIP:
        return RowPlan(
            number, values, "skip", _("Duplicate of “%(record)s”.") % {"record": duplicate}, duplicate
        )
    if mode == DuplicateMode.MERGE:
        return RowPlan(number, values, "merge", "", duplicate)
    return RowPlan(
        number, values, "create", _("Duplicate of “%(record)s”.") % {"record": duplicate}, duplicate
    )


def _communications(values: dict) -> list[dict]:
    items = []
    for kind in ("phone", "email", "website", "address"):
        if values.get(kind):
            items.append({"kind": kind, "type": "work", "value": values[kind]})
    return items


def _record_fields(entity: str, values: dict) -> dict:
    skip = {"phone", "email", "website", "address", "company"}
    return {k: v for k, v in values.items() if k not in skip and v not in (None, "")}


def _create(actor, entity: str, values: dict):
    fields_ = _record_fields(entity, values)
    items = _communications(values)
    if entity == Entity.CONTACT:
        from .contacts import contact_create

        companies = []
        if values.get("company"):
            company = Company.objects.visible_to(actor).filter(name__iexact=values["company"]).first()
            if company is not None:
                companies = [company]
        return contact_create(
            actor=actor, source=LeadSource.IMPORT, communications=items, companies=companies, **fields_
        )
    if entity == Entity.COMPANY:
        from .companies import company_create

        return company_create(actor=actor, source=LeadSource.IMPORT, communications=items, **fields_)
    from .leads import lead_create

    return lead_create(actor=actor, source=LeadSource.IMPORT, communications=items, **fields_)


def _merge(actor, entity: str, record, values: dict):
    """Fill the duplicate's empty fields from the row and add the row's phones and e-mails it lacks."""
    from .communications import normalize

    empty = {
        k: v for k, v in _record_fields(entity, values).items() if getattr(record, k, None) in (None, "")
    }
    current = [
        {"kind": c.kind, "type": c.type, "value": c.value}
        for c in record.communications.order_by("kind", "sort", "id")
    ]
    known = {(c.kind, c.normalized or c.value.lower()) for c in record.communications.all()}
    added = [
        item
        for item in _communications(values)
        if (item["kind"], normalize(item["kind"], item["value"])[0] or item["value"].lower()) not in known
    ]
    communications = current + added if added else None
    if entity == Entity.CONTACT:
        from .contacts import contact_update

        return contact_update(actor=actor, contact=record, communications=communications, **empty)
    if entity == Entity.COMPANY:
        from .companies import company_update

        return company_update(actor=actor, company=record, communications=communications, **empty)
    from .leads import lead_update

    return lead_update(actor=actor, lead=record, communications=communications, **empty)


def _message(error: DomainError) -> str:
    texts = getattr(error, "messages", None) or [error.message]
    return " ".join(str(text) for text in texts)


# --- run ---------------------------------------------------------------------------------------------------


def import_run(*, actor, crm_import: CrmImport) -> CrmImport:
    """Run a mapped import: each row is created, merged, skipped or rejected (with the reason), each in its own
    savepoint; the report counts them and keeps the rejected rows for download. Running twice does nothing."""
    _require_own(actor, crm_import)
    crm_import = CrmImport.objects.get(pk=crm_import.pk)
    if crm_import.status == ImportStatus.DONE:
        return crm_import
    if crm_import.status != ImportStatus.MAPPED:
        raise Invalid(_("Map the columns first."))
    entity = crm_import.entity
    counts = {"created": 0, "merged": 0, "skipped": 0, "rejected": 0}
    lines = []
    for number, row in enumerate(crm_import.rows, start=1):
        plan = row_plan(actor=actor, crm_import=crm_import, number=number, row=row)
        record_id = getattr(plan.duplicate, "pk", None)
        outcome, reason = plan.outcome, plan.reason
        if outcome in ("create", "merge"):
            try:
                with transaction.atomic():
                    if outcome == "create":
                        record_id = _create(actor, entity, plan.values).pk
                    else:
                        _merge(actor, entity, plan.duplicate, plan.values)
            except DomainError as error:
                outcome, reason = "reject", _message(error)
        key = {"create": "created", "merge": "merged", "skip": "skipped", "reject": "rejected"}[outcome]
        counts[key] += 1
        lines.append({"row": number, "outcome": key, "reason": str(reason), "record": record_id})
    crm_import.report = {"counts": counts, "rows": lines}
    crm_import.status = ImportStatus.DONE
    crm_import.finished_at = timezone.now()
    crm_import.save(update_fields=["report", "status", "finished_at"])
    return crm_import


def import_start(*, actor, crm_import: CrmImport) -> tuple[CrmImport, bool]:
    """Run the import now (small files) or in a background job (big ones). Returns (import, queued)."""
    _require_own(actor, crm_import)
    if crm_import.status == ImportStatus.DONE:
        return crm_import, False
    if crm_import.status != ImportStatus.MAPPED:
        raise Invalid(_("Map the columns first."))
    if len(crm_import.rows) <= SYNC_ROWS:
        return import_run(actor=actor, crm_import=crm_import), False
    from ..jobs import import_run_job

    import_id = crm_import.pk
    transaction.on_commit(lambda: import_run_job.delay(import_id))
    return crm_import, True


def import_run_by_id(import_id: int) -> bool:
    """The job's body: run the import as the person who made it (once; a finished import is left alone)."""
    crm_import = CrmImport.objects.select_related("created_by").filter(pk=import_id).first()
    if crm_import is None or crm_import.status != ImportStatus.MAPPED:
        return False
    try:
        import_run(actor=crm_import.created_by, crm_import=crm_import)
    except DomainError as error:
        CrmImport.objects.filter(pk=import_id).update(
            status=ImportStatus.FAILED, report={"error": error.message}, finished_at=timezone.now()
        )
    return True
