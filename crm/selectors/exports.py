"""The rows of a CRM list's export: the records the person may export, narrowed by the list's filter, in the
list's order, with the person's columns, as plain values. Read in chunks so that a big list streams."""

from __future__ import annotations

from collections.abc import Iterator

from portal.core.errors import NotFound

from .. import rights
from ..choices import Action
from .lists import (
    Extras,
    available_columns,
    chosen_columns,
    custom_fields,
    list_spec,
    rows_extras,
    sort_order,
    value_fields,
)

CHUNK = 1000


def export_plan(*, user, entity: str, data) -> tuple[list, list, object, dict]:
    """(columns, order, queryset, custom fields) of an export; `NotFound` without the export right on `entity`."""
    spec = list_spec(entity)
    if not rights.may(user, spec.entity, Action.EXPORT):
        raise NotFound()
    custom = custom_fields(spec.entity)
    available = available_columns(spec, custom)
    columns = chosen_columns(user=user, spec=spec, available=available)
    queryset = spec.model.objects.allowed(user, Action.EXPORT)
    filterset = spec.filterset(data if data is not None else {}, queryset, user=user)
    if filterset.is_valid():
        queryset = filterset.qs
    _sort, order = sort_order(spec, available, data.get("sort") if data else None)
    return columns, order, queryset.order_by(*order), custom


def export_rows(*, user, entity: str, data) -> tuple[list[str], Iterator[list]]:
    """(the header labels, an iterator of rows of plain values)."""
    spec = list_spec(entity)
    columns, _order, queryset, custom = export_plan(user=user, entity=entity, data=data)
    fields = value_fields(columns)
    headers = [str(column.label) for column in columns]

    def rows() -> Iterator[list]:
        extras = Extras(custom=custom)
        chunk: list[dict] = []
        for row in queryset.values(*fields).iterator(chunk_size=CHUNK):
            chunk.append(row)
            if len(chunk) >= CHUNK:
                yield from _chunk_rows(spec, columns, chunk, extras)
                chunk = []
        if chunk:
            yield from _chunk_rows(spec, columns, chunk, extras)

    return headers, rows()


def _chunk_rows(spec, columns, chunk: list[dict], extras: Extras) -> Iterator[list]:
    extras.communications.clear()
    extras.companies.clear()
    rows_extras(spec, columns, chunk, extras)
    for row in chunk:
        yield [column.cell_text(row, extras) for column in columns]
