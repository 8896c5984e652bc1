"""Tasks in the global search: PostgreSQL full-text over title, description and comments.

CONTRACT (stub): filled by the search/data work.
"""

from __future__ import annotations


def search_tasks(*, user, query: str, limit: int) -> list:
    return []
