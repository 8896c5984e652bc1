"""Lookups on integer keys that match nothing for a number no key can be.

Django (5.0+) answers `pk=<a number beyond the column's range>` with no rows instead of sending the number to
the database. It does not for `pk__in=[...]`, nor for foreign keys (`author=...`, `author__in=[...]`), and
SQLite cannot even bind such a number: an id too big for any row, sent in a query string or a request body
(`?author=100000000000000000000`), was an OverflowError, a server error, on the embedded (SQLite) setup.
These lookups follow Django's own rule for those cases too: a value out of the key's range names no row.
Registered from CoreConfig.ready().
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignKey, IntegerField
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In


def _key_range(field, connection) -> tuple[int | None, int | None] | None:
    """The values the integer key `field` (or the key a foreign key points to) can hold; None if it is not an
    integer key."""
    while isinstance(field, ForeignKey):
        field = field.target_field
    if not isinstance(field, IntegerField):
        return None
    return connection.ops.integer_field_range(field.get_internal_type())


def _fits(value, bounds) -> bool:
    low, high = bounds
    if not isinstance(value, int):
        return True  # not a number this rule can judge: the database does
    return (low is None or value >= low) and (high is None or value <= high)


class _KeysInRange:
    """For `in`: leave out the values no key can be; none left matches nothing.

    A list of plain ids (the visibility rules' department members, groups, granted objects: up to thousands)
    is bound as it is: each id through the field's preparation was most of the cost of building such a query
    (a number an integer key holds is already what the database is sent)."""

    def process_rhs(self, compiler, connection):
        bounds = _key_range(self.lhs.output_field, connection) if self.rhs_is_direct_value() else None
        if bounds is not None and all(type(value) is int for value in self.rhs):
            kept = list(dict.fromkeys(value for value in self.rhs if _fits(value, bounds)))
            if not kept:
                raise EmptyResultSet
            return "(" + ", ".join(["%s"] * len(kept)) + ")", kept
        if bounds is not None:
            self.rhs = [value for value in self.rhs if _fits(value, bounds)]
            if not self.rhs:
                raise EmptyResultSet
        return super().process_rhs(compiler, connection)


class _KeyInRange:
    """For `exact` on a foreign key: a value no key can be matches nothing."""

    def process_rhs(self, compiler, connection):
        bounds = _key_range(self.lhs.output_field, connection) if self.rhs_is_direct_value() else None
        if bounds is not None and not _fits(self.rhs, bounds):
            raise EmptyResultSet
        return super().process_rhs(compiler, connection)


class IntegerKeyIn(_KeysInRange, In):
    lookup_name = "in"


class ForeignKeyIn(_KeysInRange, RelatedIn):
    lookup_name = "in"


class ForeignKeyExact(_KeyInRange, RelatedExact):
    lookup_name = "exact"


def register() -> None:
    IntegerField.register_lookup(IntegerKeyIn)
    ForeignKey.register_lookup(ForeignKeyIn)
    ForeignKey.register_lookup(ForeignKeyExact)
