"""Reads of revisions (permission-filtered through their page) and the diff between two of them."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.db.models import QuerySet

from portal.core.errors import NotFound

from ..models import Page, PageRevision


def revision_list(*, user, page: Page) -> QuerySet[PageRevision]:
    """The revisions of a page `user` reads, newest first, without their texts."""
    return (
        PageRevision.objects.visible_to(user)
        .filter(page=page)
        .select_related("author")
        .defer("body")
        .order_by("-number")
    )


def revision_get(*, user, page: Page, number) -> PageRevision:
    """One revision of a page `user` reads; `NotFound` for hidden and missing alike."""
    try:
        return PageRevision.objects.visible_to(user).select_related("author").get(page=page, number=number)
    except (PageRevision.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise NotFound("No revision matches the given query.") from exc


@dataclass(frozen=True)
class DiffRow:
    """One row of a side-by-side diff: `kind` is equal, insert, delete or replace; a side is None when the row
    has no line there."""

    kind: str
    old_number: int | None
    old: str | None
    new_number: int | None
    new: str | None


@dataclass(frozen=True)
class Diff:
    rows: list[DiffRow]
    unified: list[tuple[str, str]]  # (kind: "add", "del", "hunk", "ctx", "file"; the line)
    added: int
    removed: int
    title_changed: bool

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.title_changed)


def text_diff(old_title: str, old_body: str, new_title: str, new_body: str, *, context: int = 3) -> Diff:
    """The line diff between two states of a page (difflib), side by side and unified."""
    old_lines = (old_body or "").splitlines()
    new_lines = (new_body or "").splitlines()
    rows: list[DiffRow] = []
    added = removed = 0
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(
                DiffRow("equal", i1 + k + 1, old_lines[i1 + k], j1 + k + 1, new_lines[j1 + k])
                for k in range(i2 - i1)
            )
            continue
        removed += i2 - i1
        added += j2 - j1
        for k in range(max(i2 - i1, j2 - j1)):
            old_i, new_j = i1 + k, j1 + k
            old = old_lines[old_i] if old_i < i2 else None
            new = new_lines[new_j] if new_j < j2 else None
            kind = tag if (old is not None and new is not None) else ("delete" if new is None else "insert")
            rows.append(
                DiffRow(
                    kind,
                    old_i + 1 if old is not None else None,
                    old,
                    new_j + 1 if new is not None else None,
                    new,
                )
            )
    unified = []
    for line in difflib.unified_diff(old_lines, new_lines, lineterm="", n=context):
        if line.startswith(("---", "+++")):
            continue
        kind = (
            "hunk"
            if line.startswith("@@")
            else "add"
            if line.startswith("+")
            else "del"
            if line.startswith("-")
            else "ctx"
        )
        unified.append((kind, line))
    return Diff(rows, unified, added, removed, (old_title or "") != (new_title or ""))


def revision_diff(*, old: PageRevision, new: PageRevision) -> Diff:
    return text_diff(old.title, old.body, new.title, new.body)
