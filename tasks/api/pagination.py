"""Keyset (cursor) pagination over several ordering columns, for the growing lists of the tasks API.

DRF's `CursorPagination` keys on the first ordering column alone and skips ties with an offset, which breaks
down for columns with many equal or empty values (a deadline, a priority, a status). Here the cursor holds
the values of every ordering column of the row at the page's edge (the last column is always the id, so the
key is unique), and the next page is the rows strictly after that key, empty values sorting last. The
response shape is DRF's cursor shape: `{"next": url, "previous": url, "results": [...]}`.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from ..filters import DEFAULT_SORT, SORTS

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class _Column:
    name: str
    descending: bool
    nulls_last: bool = True
    # A column without empty values orders and compares plainly, so that its index serves the order (an
    # explicit NULLS LAST on a DESC order does not match a plain index: a million rows would be sorted).
    nullable: bool = True

    def flipped(self) -> _Column:
        return _Column(self.name, not self.descending, not self.nulls_last, self.nullable)

    def order(self):
        expr = F(self.name)
        if not self.nullable:
            return expr.desc() if self.descending else expr.asc()
        if self.nulls_last:
            return expr.desc(nulls_last=True) if self.descending else expr.asc(nulls_last=True)
        return expr.desc(nulls_first=True) if self.descending else expr.asc(nulls_first=True)

    def after(self, value) -> Q:
        """Rows that sort strictly after `value` in this column."""
        if value is None:
            return NOTHING if self.nulls_last else Q(**{f"{self.name}__isnull": False})
        beyond = Q(**{f"{self.name}__{'lt' if self.descending else 'gt'}": value})
        return beyond | Q(**{f"{self.name}__isnull": True}) if self.nulls_last and self.nullable else beyond

    def equal(self, value) -> Q:
        return Q(**{f"{self.name}__isnull": True}) if value is None else Q(**{self.name: value})


def _columns(ordering, model=None) -> list[_Column]:
    def nullable(name: str) -> bool:
        if model is None:
            return True
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        return field.null

    return [_Column(o.lstrip("-"), o.startswith("-"), nullable=nullable(o.lstrip("-"))) for o in ordering]


def keyset_after(columns: list[_Column], values: list) -> Q:
    """Rows after the key `values` in the ordering `columns` (lexicographic: the first column that differs
    decides)."""
    condition = NOTHING
    prefix = Q()
    for column, value in zip(columns, values, strict=True):
        condition |= prefix & column.after(value)
        prefix &= column.equal(value)
    return condition


class KeysetPagination(CursorPagination):
    """Cursor pagination on a unique composite key (`ordering` ends with the id)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering: tuple[str, ...] = ("-created_at", "-id")
    invalid_cursor_message = _("Invalid cursor")

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        ordering = tuple(self.ordering)
        return ordering if ordering[-1].lstrip("-") in ("id", "pk") else (*ordering, "-id")

    def _cursor_tag(self) -> str:
        """Ties a cursor to the ordering it was made for; a cursor of another ordering is refused."""
        return ",".join(self.ordering)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.model = queryset.model
        columns = _columns(self.ordering, self.model)
        self.cursor = self.decode_cursor(request)
        reverse, position = (self.cursor.reverse, self.cursor.position) if self.cursor else (False, None)
        if reverse:
            columns = [c.flipped() for c in columns]
        queryset = queryset.order_by(*(c.order() for c in columns))
        if position is not None:
            queryset = queryset.filter(keyset_after(columns, position))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if reverse:
            self.page.reverse()
            self.has_previous, self.has_next = more, True
        else:
            self.has_next, self.has_previous = more, position is not None
        self.display_page_controls = self.has_next or self.has_previous
        return self.page

    # --- cursors -------------------------------------------------------------------------------------

    def _key(self, row) -> list:
        """The ordering columns' values of a row: a model instance, or a dict of `.values()`."""
        if isinstance(row, dict):
            return [row[name.lstrip("-")] for name in self.ordering]
        return [getattr(row, name.lstrip("-")) for name in self.ordering]

    def encode_cursor(self, cursor) -> str:
        reverse, values = cursor
        payload = {
            "o": self._cursor_tag(),
            "r": int(reverse),
            "p": [v.isoformat() if hasattr(v, "isoformat") else v for v in values],
        }
        token = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def decode_cursor(self, request):
        token = request.query_params.get(self.cursor_query_param)
        if token is None:
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
            if payload["o"] != self._cursor_tag() or len(payload["p"]) != len(self.ordering):
                raise ValueError("cursor of another ordering")
            values = [
                None if raw is None else self.model._meta.get_field(name.lstrip("-")).to_python(raw)
                for name, raw in zip(self.ordering, payload["p"], strict=True)
            ]
            return _Cursor(reverse=bool(payload["r"]), position=values)
        except (
            ValueError,
            TypeError,
            KeyError,
            UnicodeError,
            binascii.Error,
            DjangoValidationError,
        ) as exc:
            raise NotFound(self.invalid_cursor_message) from exc

    def get_next_link(self):
        if not self.has_next:
            return None
        if not self.page:  # reading backwards past the start: the first page
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self.encode_cursor((False, self._key(self.page[-1])))

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.page:
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self.encode_cursor((True, self._key(self.page[0])))


@dataclass(frozen=True)
class _Cursor:
    reverse: bool
    position: list


class TaskCursorPagination(KeysetPagination):
    """The task lists: newest first (`-created_at, -id`), or in the order `?sort=` names (the same sorts as
    the list pages), each with a stable cursor."""

    default_sort = DEFAULT_SORT

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        sort = request.query_params.get("sort")
        self.ordering = SORTS[sort if sort in SORTS else self.default_sort]
        return super().get_ordering(request, queryset, view)


class SubtaskPagination(TaskCursorPagination):
    """Subtasks read oldest first unless `?sort=` says otherwise."""

    default_sort = "created"


class TimeEntryPagination(KeysetPagination):
    ordering = ("-started_at", "-id")
