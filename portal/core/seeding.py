"""Seeding at scale (the `seed_scale_*` commands): rows written fast, COPY on PostgreSQL and bulk_create
elsewhere, with the history's own times, and the tables' sequences set after rows with explicit ids."""

from __future__ import annotations

import contextlib
import json

from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone


class Writer:
    """Rows (dicts by attribute name) into a model's table: COPY on PostgreSQL, bulk_create elsewhere. Columns a
    row leaves out get the field's default (a field added later needs no change here if it has one)."""

    def __init__(self) -> None:
        self.copy = connection.vendor == "postgresql"
        self.written: dict[str, int] = {}

    def write(self, model, rows: list[dict]) -> None:
        if not rows:
            return
        self.written[model.__name__] = self.written.get(model.__name__, 0) + len(rows)
        pk = model._meta.pk.attname
        # Rows without ids take them from the table's sequence.
        fields = [f for f in model._meta.concrete_fields if f.attname != pk or pk in rows[0]]
        if not self.copy:
            with given_times(model):
                model.objects.bulk_create([model(**row) for row in rows], batch_size=2000)
            return
        names = [f.attname for f in fields]
        defaults = [field_default(f) for f in fields]
        json_columns = {i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"}
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                values = [row.get(name, default) for name, default in zip(names, defaults, strict=True)]
                for i in json_columns:
                    values[i] = json.dumps(values[i])
                copy.write_row(values)


def field_default(field):
    """What Django would store when the row does not say: the default, now for automatic times, "" for an
    empty text (the columns are NOT NULL)."""
    if not field.has_default() and (
        getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ):
        return timezone.now()
    return field.get_default()


@contextlib.contextmanager
def given_times(model):
    """`auto_now(_add)` would stamp every row with the same moment; a history needs its own."""
    touched = []
    for f in model._meta.concrete_fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            touched.append((f, f.auto_now, f.auto_now_add))
            f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in touched:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def reset_sequences(models) -> None:
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
