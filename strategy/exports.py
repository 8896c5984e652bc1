"""The strategy app's spreadsheet exports: every KPI score of a month for payroll (XLSX), through core's
formula-safe cells (`portal.core.exports.xlsx_keep_text`)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.exports import xlsx_keep_text

from .models import KpiScore
from .models.indicators import period_label

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _decimal(text) -> Decimal | None:
    return None if text in (None, "") else Decimal(str(text))


def kpi_scores_xlsx(scores: Iterable[KpiScore]) -> bytes:
    """A workbook with one row per score ("Scores": person, department, position, card, period, score, status,
    who confirmed it) and one row per indicator of each score ("Indicators": value, target, achievement, what
    counted after the cap, weight). Numbers are numbers; text that looks like a formula stays text."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Scores")[:31]
    sheet.append(
        [
            _("Person"),
            _("E-mail"),
            _("Department"),
            _("Position"),
            _("KPI card"),
            _("Period"),
            _("Score, %"),
            _("Status"),
            _("Confirmed by"),
            _("Confirmed at"),
        ]
    )
    lines = workbook.create_sheet(_("Indicators")[:31])
    lines.append(
        [
            _("Person"),
            _("KPI card"),
            _("Period"),
            _("Indicator"),
            _("Value"),
            _("Target"),
            _("Achievement, %"),
            _("Counted, %"),
            _("Weight"),
            _("Cap, %"),
        ]
    )
    for score in scores:
        person = score.person
        name = person.get_full_name() if hasattr(person, "get_full_name") else str(person)
        period = period_label(score.card.period, score.period_start)
        confirmed_at = (
            timezone.localtime(score.confirmed_at).replace(tzinfo=None) if score.confirmed_at else None
        )
        sheet.append(
            [
                name,
                person.email,
                person.department.name if person.department_id else "",
                person.position,
                score.card.name,
                period,
                score.score,
                score.get_status_display(),
                str(score.confirmed_by) if score.confirmed_by_id else "",
                confirmed_at,
            ]
        )
        for line in score.lines:
            achievement = _decimal(line.get("achievement"))
            lines.append(
                [
                    name,
                    score.card.name,
                    period,
                    line.get("name", ""),
                    _decimal(line.get("value")),
                    _decimal(line.get("target")),
                    None if achievement is None else achievement * 100,
                    _decimal(line.get("counted")) * 100,
                    _decimal(line.get("weight")),
                    _decimal(line.get("cap")),
                ]
            )
    xlsx_keep_text(sheet)
    xlsx_keep_text(lines)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
