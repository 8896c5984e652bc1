"""The page templates an editor can start a page from: a title and a Markdown skeleton each."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PageTemplate:
    key: str
    label: object
    body: object


PAGE_TEMPLATES = (
    PageTemplate(
        "rule",
        _("Rule"),
        _(
            "## Purpose\n\nWhy this rule exists, in one or two sentences.\n\n"
            "## The rule\n\n1. First point.\n2. Second point.\n\n"
            "## Who it applies to\n\nEveryone / the department / the role.\n\n"
            "## Exceptions\n\nWhen and with whose consent the rule may be broken.\n\n"
            "## Responsible\n\nWho answers questions about this rule."
        ),
    ),
    PageTemplate(
        "process",
        _("Process description"),
        _(
            "## Goal and result\n\nWhat the process produces and for whom.\n\n"
            "## Start\n\nWhat starts the process.\n\n"
            "## Steps\n\n| # | Step | Who | Deadline |\n|---|------|-----|----------|\n"
            "| 1 | | | |\n| 2 | | | |\n\n"
            "## Documents and tools\n\n- \n\n## Control\n\nHow we know the process went well."
        ),
    ),
    PageTemplate(
        "meeting",
        _("Meeting notes"),
        _(
            "**Date:** \n**Participants:** \n\n## Agenda\n\n1. \n\n## Decisions\n\n- \n\n"
            "## Tasks\n\n| Task | Responsible | Deadline |\n|------|-------------|----------|\n| | | |"
        ),
    ),
)


def page_template(key: str) -> PageTemplate | None:
    return next((t for t in PAGE_TEMPLATES if t.key == key), None)
