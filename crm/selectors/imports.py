"""Reading imports: one import of the person (404 for another's), the preview of its first rows, the rejected
rows of its report."""

from __future__ import annotations

from portal.core.errors import NotFound

from .. import rights
from ..models import CrmImport
from ..services.imports import LABELS, RowPlan, row_plan, target_fields

PREVIEW_ROWS = 20


def import_get(*, user, pk: int) -> CrmImport:
    """An import the person made (a CRM administrator sees every one) and may still run: else `NotFound`."""
    crm_import = CrmImport.objects.filter(pk=pk).first()
    if crm_import is None or not getattr(user, "is_authenticated", False):
        raise NotFound()
    if crm_import.created_by_id != user.pk and not rights.is_crm_admin(user):
        raise NotFound()
    if not rights.may(user, crm_import.entity, "import"):
        raise NotFound()
    return crm_import


def import_targets(crm_import: CrmImport) -> list[tuple[str, str]]:
    """(field, label) of the fields a column may go to."""
    return [(name, str(LABELS.get(name, name))) for name in target_fields(crm_import.entity)]


def import_preview(*, user, crm_import: CrmImport, limit: int = PREVIEW_ROWS) -> list[RowPlan]:
    """What would happen to the first rows (nothing is written)."""
    return [
        row_plan(actor=user, crm_import=crm_import, number=number, row=row)
        for number, row in enumerate(crm_import.rows[:limit], start=1)
    ]


def import_rejected(crm_import: CrmImport) -> list[tuple[list[str], str]]:
    """(the original row, the reason) of each rejected row of a finished import."""
    rows = crm_import.rows
    found = []
    for line in (crm_import.report or {}).get("rows", []):
        if line.get("outcome") == "rejected" and 0 < line.get("row", 0) <= len(rows):
            found.append((rows[line["row"] - 1], line.get("reason", "")))
    return found
