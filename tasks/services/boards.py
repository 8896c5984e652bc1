"""Tasks: saved filters of the list pages.

CONTRACT (stubs): filled by the list-pages work. Signatures are fixed.
"""

from __future__ import annotations

__all__ = [
    "saved_filter_save",
    "saved_filter_delete",
]


def saved_filter_save(*, actor, name: str, query: str):
    raise NotImplementedError


def saved_filter_delete(*, actor, saved_filter) -> None:
    raise NotImplementedError
