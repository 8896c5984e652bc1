"""Reports: the pre-fill of a work report. What the portal already knows about a person's period (workday
hours, late starts, and what other apps register: tasks closed and time logged, calendar...), stored with
the report when it is sent, and how a stored pre-fill is shown to each reader (lines naming what the
reader may not see are hidden) with links for the pages.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from portal.core.registry import PrefillSource, registry

from ..models import WorkReport
from .reports import local_bounds

__all__ = [
    "prefill_links",
    "register_report_prefill",
    "report_prefill",
    "report_prefills_shown",
]

# --- the pre-fill ------------------------------------------------------------------------------------


def register_report_prefill(key: str, *, label, compute, visible=None) -> None:
    """Let another app (CRM, calendar...) add what it knows to the pre-fill of a report:
    `compute(user, start_at, end_at) -> [{"id": ..., "title": ..., "url": ...}, ...]` (JSON-ready, few
    queries). The pre-fill is stored with the report and read later by other people: `visible(reader, ids)
    -> the ids among them the reader may see` (one query) decides whose titles they read. Without it, or for
    an item without an id, only the author reads the item's title (see `report_prefills_shown`)."""
    if not callable(compute):
        raise TypeError(f"compute of report pre-fill {key!r} must be callable")
    if visible is not None and not callable(visible):
        raise TypeError(f"visible of report pre-fill {key!r} must be callable")
    registry.report_prefill.register(
        PrefillSource(key=key, label=label, compute=compute, visible=visible), replace=True
    )


def report_prefill(*, user, period_start: datetime.date, period_end: datetime.date) -> dict:
    """What the portal already knows about the person's period (their local days): workday hours and late
    starts, and what registered apps add (tasks: the tasks they completed and the time logged on tasks,
    merged into the pre-fill itself; others under "extra"). JSON-ready."""
    from ..models import WorkDay
    from . import workday

    start_at, end_at = local_bounds(user, period_start, period_end)
    days = list(
        WorkDay.objects.filter(user=user, date__gte=period_start, date__lte=period_end)
        .order_by("date")
        .values("date", "state", "started_at", "ended_at", "is_late", "is_short", "worked_seconds")
    )
    worked = workday.worked_seconds(user_ids=[user.pk], start_date=period_start, end_date=period_end)
    data = {
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "worked_seconds": int(worked.get(user.pk, 0) or 0),
        "workdays": [
            {
                "date": d["date"].isoformat(),
                "state": d["state"],
                "started_at": d["started_at"].isoformat() if d["started_at"] else None,
                "ended_at": d["ended_at"].isoformat() if d["ended_at"] else None,
                "is_late": d["is_late"],
                "is_short": d["is_short"],
            }
            for d in days
        ],
        "late_starts": [d["date"].isoformat() for d in days if d["is_late"]],
        "extra": {},
    }
    for source in registry.report_prefill:
        if source.merge:
            data.update(source.compute(user, start_at, end_at))
            continue
        data["extra"][source.key] = {
            "label": str(source.label),
            "items": source.compute(user, start_at, end_at),
        }
    return data


def _merged_sources() -> list[PrefillSource]:
    """The registered sources whose lines are merged into the pre-fill itself (tasks)."""
    return [source for source in registry.report_prefill if source.merge and source.parts]


def _prefill_merged_ids(prefill: dict) -> dict[str, set]:
    """{source key: the ids its lines in the pre-fill name}."""
    ids: dict[str, set] = {}
    for source in _merged_sources():
        found = ids.setdefault(source.key, set())
        for part, id_key in source.parts:
            found |= {line.get(id_key) for line in prefill.get(part) or () if isinstance(line, dict)}
        found.discard(None)
    return ids


def _prefill_extra_ids(prefill: dict) -> dict[str, set]:
    ids: dict[str, set] = {}
    for key, block in (prefill.get("extra") or {}).items():
        items = (block.get("items") or ()) if isinstance(block, dict) else ()
        ids.setdefault(key, set()).update(
            item["id"] for item in items if isinstance(item, dict) and item.get("id") is not None
        )
    return ids


def _prefill_shown(prefill: dict, *, merged: dict[str, set] | None, extra: dict[str, set] | None) -> dict:
    """A copy of a stored pre-fill where each line says whether the reader may see what it names (`hidden`);
    a hidden line keeps its time but loses its id, title and link. `None` sets: the author, who sees all."""

    def merged_line(line: dict, id_key: str, visible: set | None) -> dict:
        if visible is None or line.get(id_key) in visible:
            return {**line, "hidden": False}
        return {**line, id_key: None, "title": "", "hidden": True}

    def extra_item(key: str, item: dict) -> dict:
        if extra is None or (item.get("id") is not None and item.get("id") in extra.get(key, ())):
            return {**item, "hidden": False}
        return {**{k: v for k, v in item.items() if k not in ("id", "title", "url")}, "hidden": True}

    shown = dict(prefill)
    for source in _merged_sources():
        visible = None if merged is None else merged.get(source.key, set())
        for part, id_key in source.parts:
            if part in prefill:
                shown[part] = [merged_line(line, id_key, visible) for line in prefill[part] or ()]
    if "extra" in prefill:
        shown["extra"] = {
            key: {**block, "items": [extra_item(key, item) for item in block.get("items") or ()]}
            for key, block in (prefill["extra"] or {}).items()
        }
    return shown


def report_prefills_shown(*, user, reports: Iterable[WorkReport]) -> dict[int, dict]:
    """The stored pre-fill of each report as `user` may read it, by report id.

    The pre-fill is computed for the author when the report is sent (tasks they closed or logged time on)
    and read later by their supervisors and HR, who may not see every such task. So it is filtered when
    read: the author reads their own lines in full; anyone else reads a line naming something the source
    says they may not see (`PrefillSource.visible`: a task outside the tasks they see) as "a task you cannot
    see" with its time. One query per registered source with lines to check (tasks: one for the tasks of all
    the reports), whatever their number of lines.
    """
    reports = list(reports)
    others = [r for r in reports if r.prefill and r.author_id != getattr(user, "pk", None)]
    merged_ids: dict[str, set] = {}
    extra_ids: dict[str, set] = {}
    for report in others:
        for key, ids in _prefill_merged_ids(report.prefill).items():
            merged_ids.setdefault(key, set()).update(ids)
        for key, ids in _prefill_extra_ids(report.prefill).items():
            extra_ids.setdefault(key, set()).update(ids)

    def visible(ids_by_key: dict[str, set]) -> dict[str, set]:
        found: dict[str, set] = {}
        for key, ids in ids_by_key.items():
            source = registry.report_prefill.get(key)
            found[key] = set(source.visible(user, ids)) if ids and source and source.visible else set()
        return found

    visible_merged, visible_extra = visible(merged_ids), visible(extra_ids)
    shown = {}
    for report in reports:
        if not report.prefill:
            shown[report.pk] = {}
        elif report.author_id == getattr(user, "pk", None):
            shown[report.pk] = _prefill_shown(report.prefill, merged=None, extra=None)
        else:
            shown[report.pk] = _prefill_shown(report.prefill, merged=visible_merged, extra=visible_extra)
    return shown


def prefill_links(prefill: dict) -> dict:
    """A copy of a pre-fill (as shown) whose merged lines link to what they name (`url`, from the source
    that added them; a hidden line gets none): for the pages, the links are never stored."""
    linked = dict(prefill)
    for source in _merged_sources():
        if source.url is None:
            continue
        for part, id_key in source.parts:
            if part in prefill:
                linked[part] = [
                    {
                        **line,
                        "url": source.url(line[id_key])
                        if line.get(id_key) and not line.get("hidden")
                        else "",
                    }
                    for line in prefill[part] or ()
                ]
    return linked
