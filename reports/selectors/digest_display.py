"""Reports: showing a control digest. The sections of a stored digest as the page and the e-mail show them
(titles and labels translated in the reader's language), the sections other apps register, and the e-mail
subject. What a digest holds is computed in `digests`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from ..choices import DigestKind
from ..models import Digest
from .digests import _sources, digest_counters

__all__ = [
    "DigestSection",
    "digest_sections",
    "digest_subject",
]

# --- showing a digest --------------------------------------------------------------------------------


@dataclass
class DigestSection:
    """One section of a digest as shown (page or e-mail): a title, the total, a table and a link."""

    key: str
    title: str
    total: int
    columns: list[str] = field(default_factory=list)
    rows: list[list[dict]] = field(default_factory=list)  # cells: {"text": ..., "url": ...}
    more: int = 0
    url: str = ""
    note: str = ""
    info: bool = False  # for information (who is away): not a signal, shown without the red

    @property
    def level(self) -> str:
        if self.info:
            return "info"
        return "red" if self.total else "green"


def _cell(text, url: str = "") -> dict:
    return {"text": "" if text is None else str(text), "url": url or ""}


def _person_cell(item: dict) -> dict:
    return _cell(item["person"]["name"], item.get("url", ""))


def _day_state(value: str) -> str:
    return {
        "open": _("Left open"),
        "auto_closed": _("Closed automatically, to confirm"),
        "to_confirm": _("To confirm"),
    }.get(value, value)


def _source_sections(data: dict, kind: str) -> list[DigestSection]:
    """The registered sections of a stored digest, as each source presents its stored data."""
    sections = []
    for source in _sources(kind):
        stored = data.get(source.key)
        if stored is None:
            continue
        shown = source.present(stored, str(kind))
        rows = shown.get("rows") or []
        total = stored.get("total", 0)
        sections.append(
            DigestSection(
                key=source.key,
                title=str(shown.get("title") or source.key),
                total=total,
                columns=[str(c) for c in shown.get("columns") or []],
                rows=[[_cell(text, url) for text, url in row] for row in rows],
                more=shown.get("more", max(0, stored.get("count", total) - len(rows)) if rows else 0),
                url=shown.get("url", ""),
                note=str(shown.get("note") or ""),
            )
        )
    return sections


def _day_in_text(value, format: str = "D j M") -> str:
    """A day (a date or its stored ISO text) inside a sentence, in the reader's language and in the format the
    control dashboard's cells use ("Tue 8 Dec"): the digest sits beside the dashboard, one date format for both."""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return date_format(value, format)


def _supervisor_sections(data: dict, date: datetime.date) -> list[DigestSection]:
    yesterday = _day_in_text(data.get("previous_day") or (date - datetime.timedelta(days=1)))
    sections = []

    def add(key, title, columns, make_row, *, note=""):
        section = data.get(key) or {"total": 0, "items": []}
        items = section.get("items", [])
        sections.append(
            DigestSection(
                key=key,
                title=title,
                total=section.get("total", 0),
                columns=columns,
                rows=[make_row(item) for item in items],
                more=max(0, section.get("count", section.get("total", 0)) - len(items)) if items else 0,
                url=section.get("url", ""),
                note=note,
            )
        )

    add(
        "missing_reports",
        _("Reports not sent for %(date)s") % {"date": yesterday},
        [_("Person")],
        lambda i: [_person_cell(i)],
    )
    add(
        "negative_reports",
        _("Reports rated negative"),
        [_("Person"), _("Period"), _("Comment")],
        lambda i: [_person_cell(i), _cell(i["period"]), _cell(i["comment"])],
    )
    add(
        "late_starts",
        _("Late starts"),
        [_("Person"), _("Date"), pgettext("working day", "Started"), _("Scheduled")],
        lambda i: [_person_cell(i), _cell(i["date"]), _cell(i["started"]), _cell(i["scheduled"])],
    )
    add(
        "missing_starts",
        _("Working days not started"),
        [_("Person"), _("Date"), _("Scheduled")],
        lambda i: [_person_cell(i), _cell(i["date"]), _cell(i["scheduled"])],
    )
    add(
        "open_days",
        _("Days left open or waiting for confirmation"),
        [_("Person"), _("Date"), _("State")],
        lambda i: [_person_cell(i), _cell(i["date"]), _cell(_day_state(i["state"]))],
    )
    add(
        "corrections_waiting",
        _("Day corrections waiting for confirmation"),
        [],
        lambda i: [],
    )
    add(
        "reports_waiting",
        _("Reports waiting for a rating"),
        [_("Person"), _("Reports")],
        lambda i: [_person_cell(i), _cell(i["count"])],
    )
    sections += _source_sections(data, DigestKind.SUPERVISOR)
    labels = {c.key: c.label for c in digest_counters()}
    for counter in data.get("counters", []):
        items = counter.get("items", [])
        sections.append(
            DigestSection(
                key=f"counter:{counter['key']}",
                title=str(labels.get(counter["key"]) or counter.get("label") or counter["key"]),
                total=counter.get("total", 0),
                columns=[_("Person"), _("Count")],
                rows=[[_cell(i["person"]["name"]), _cell(i["count"])] for i in items],
                more=max(0, counter.get("people", len(items)) - len(items)),
            )
        )
    away = data.get("away") or {}
    if away.get("total"):
        items = away.get("items", [])
        sections.append(
            DigestSection(
                key="away",
                title=_("Away today"),
                total=away["total"],
                columns=[_("Person"), _("Absence"), _("Until")],
                rows=[
                    [_person_cell(i), _cell(i.get("label", "")), _cell(_day_in_text(i.get("until", "")))]
                    for i in items
                ],
                more=max(0, away["total"] - len(items)),
                note=_("Not counted as missing days or reports."),
                info=True,
            )
        )
    own = data.get("my_counters", [])
    if own:
        sections.append(
            DigestSection(
                key="my_counters",
                title=_("Waiting for you"),
                total=sum(c.get("value", 0) for c in own),
                columns=[_("What"), _("Count")],
                rows=[
                    [_cell(labels.get(c["key"]) or c.get("label") or c["key"]), _cell(c["value"])]
                    for c in own
                ],
            )
        )
    return sections


def _personal_sections(data: dict) -> list[DigestSection]:
    unsent = data.get("unsent_report") or {"total": 0}
    return [
        *_source_sections(data, DigestKind.PERSONAL),
        DigestSection(
            key="unsent_report",
            title=_("Your unsent work report"),
            total=unsent.get("total", 0),
            url=unsent.get("url", ""),
        ),
    ]


def digest_sections(digest: Digest) -> list[DigestSection]:
    """The sections of a digest as the page and the e-mail show them, titles in the active language."""
    data = digest.data or {}
    if digest.kind == DigestKind.PERSONAL:
        return _personal_sections(data)
    return _supervisor_sections(data, digest.date)


def digest_subject(digest: Digest) -> str:
    """The e-mail subject: what and when, and at a glance whether all is fine."""
    date = _day_in_text(digest.date, "DATE_FORMAT")  # a mail's subject stands alone: the full date
    if digest.signals:
        state = ngettext("%(n)d signal", "%(n)d signals", digest.signals) % {"n": digest.signals}
    else:
        state = _("all is fine")
    if digest.kind == DigestKind.PERSONAL:
        return _("Your digest for %(date)s: %(state)s") % {"date": date, "state": state}
    return _("Control digest for %(date)s: %(state)s") % {"date": date, "state": state}
