"""The lists' order: empty values last only where a column can be empty, so that a NOT NULL column's index is
read in order (the newest deals of a head's sub-tree, the default order, were a sort of every deal)."""

from __future__ import annotations

import pytest

from crm.models import Deal
from crm.selectors.lists import list_spec, sort_order

pytestmark = pytest.mark.django_db


def _sql(order) -> str:
    return str(Deal.objects.order_by(*order).query).upper()


def test_a_not_null_column_is_ordered_without_nulls_last():
    spec = list_spec("deal")
    key, order = sort_order(spec, dict(spec.columns), None)
    assert key == "-created_at"
    sql = _sql(order)
    assert '"CRM_DEAL"."CREATED_AT" DESC' in sql
    assert "NULLS LAST" not in sql


def test_a_nullable_column_keeps_empty_values_last():
    spec = list_spec("deal")
    columns = dict(spec.columns)
    nullable = next(
        name
        for name, column in columns.items()
        if column.sort
        and not column.sort.startswith("custom__")
        and Deal._meta.get_field(column.sort.split("__")[0]).null
    )
    _key, order = sort_order(spec, columns, nullable)
    assert "NULLS LAST" in _sql(order)
