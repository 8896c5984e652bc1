"""Reports: the ids of many people together with the query that chose them.

The control dashboard of a company's head covers thousands of people. Filtering a table by `IN (5,000
ids)` costs Django the SQL of 5,000 placeholders per query (and the database their parsing); `PeopleIds` is
the list of ids the dashboard hands its columns, carrying the people query too, so that the selectors
filter with `IN (SELECT ...)` instead and the database does the work. To any other code it is a plain list.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["PeopleIds", "as_ids", "ids_lookup"]


class PeopleIds(list):
    """A list of user ids with `query`, a values("pk") queryset of exactly these people."""

    __slots__ = ("query",)

    def __init__(self, ids: Iterable[int], *, query):
        super().__init__(ids)
        self.query = query


def as_ids(user_ids: Iterable[int]) -> list[int]:
    """The ids as a list that can be read more than once (a `PeopleIds` stays one)."""
    if isinstance(user_ids, PeopleIds):
        return user_ids
    return [int(i) for i in user_ids]


def ids_lookup(user_ids: Iterable[int]):
    """What to give an `__in` lookup for these ids: the people query of a `PeopleIds`, else a list."""
    if isinstance(user_ids, PeopleIds):
        return user_ids.query
    return list({int(i) for i in user_ids})
