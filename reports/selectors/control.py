"""Reports: control. The supervisor's dashboard (one row per person, one cell per column, red/amber/green)
and the registry other apps extend it through. The built-in columns are in `control_columns`, the "touch"
checks and the measured control time in `control_checks`.

Who controls whom: the head of a department controls the people of the sub-tree they head (directly: the
people whose supervisor they are, `portal.people.selectors.subordinates_of`; on the switch: the whole
sub-tree). HR (`reports.view_all`) and admins who head nothing see the company from the top: directly the
company's head and the people the head supervises directly, on the switch everyone.

Columns. `register_dashboard_column(key, label=..., compute=..., order=...)` adds a column; `compute(user_ids,
today) -> {user_id: Cell}` must cost a constant number of queries whatever the number of people. A column that
only shows a stored per-user counter (CRM, approvals...) needs no code: `register_dashboard_counter(key)` or the
setting `DASHBOARD_COUNTER_KEYS` (a list of counter keys) adds one. A dashboard is computed at one instant:
columns read it with `dashboard_now()` (so do tests that pin it).
"""

from __future__ import annotations

import contextvars
import datetime
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.core.errors import NotAllowed, NotFound
from portal.core.registry import (
    DashboardCell,
    DashboardColumn,
    DashboardCount,
    DashboardCounter,
    registry,
)

from ..choices import Signal
from ..models import headed_path, sees_all
from .people_ids import PeopleIds, ids_lookup
from .reports import report_list
from .workday import calendar_scope, schedules_for, schedules_of_people, workday_local_date, workday_today

__all__ = [
    "CONTROL_BUDGET_SHARE",
    "DASHBOARD_PAGE_SIZE",
    "TOUCH_WINDOW",
    "Cell",
    "Dashboard",
    "DashboardColumn",
    "DashboardCount",
    "DashboardCounter",
    "DashboardRow",
    "can_control",
    "can_control_person",
    "control_people",
    "control_person_get",
    "dashboard",
    "dashboard_columns",
    "dashboard_counter_keys",
    "dashboard_now",
    "dashboard_viewer",
    "personal_overview",
    "register_dashboard_column",
    "register_dashboard_counter",
    "unregister_dashboard_column",
    "unregister_dashboard_counter",
]

# The share of the controlled people's working time a supervisor's control should cost at most.
CONTROL_BUDGET_SHARE = 0.05
# How far back "touch" control looks for an item to check.
TOUCH_WINDOW = datetime.timedelta(days=14)
# Rows of a dashboard page (the page and the API): the whole company's head controls thousands of people.
DASHBOARD_PAGE_SIZE = 50


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _pk(value) -> int:
    return int(getattr(value, "pk", value))


# --- who controls whom -----------------------------------------------------------------------------------


def can_control(user) -> bool:
    """Heads of departments (for their sub-tree), HR and admins (for everyone) have the control pages."""
    return _active(user) and (headed_path(user) is not None or sees_all(user))


def can_control_person(user, person) -> bool:
    """Whether `user` controls `person`: the person is in the sub-tree `user` heads (HR and admins: anyone
    active but themselves)."""
    if not _active(user) or person is None or _pk(person) == user.pk:
        return False
    if sees_all(user):
        return bool(getattr(person, "is_active", True))
    from portal.people.selectors import supervises

    return supervises(user, person)


def control_people(*, user, subtree: bool = False):
    """The people on `user`'s dashboard (see the module docstring), as a User queryset (nobody for people
    who control nobody)."""
    from portal.people.models import Department, User
    from portal.people.selectors import subordinates_of

    if not _active(user):
        return User.objects.none()
    if headed_path(user) is not None:
        return subordinates_of(user, recursive=subtree)
    if not sees_all(user):
        return User.objects.none()
    everyone = User.objects.filter(is_active=True).exclude(pk=user.pk)
    if subtree:
        return everyone
    root = Department.get_root_nodes().filter(head__is_active=True).select_related("head").first()
    if root is None:
        return everyone.filter(department__depth=1)
    direct = subordinates_of(root.head).values("pk")
    return everyone.filter(Q(pk=root.head_id) | Q(pk__in=direct))


def control_person_get(*, viewer, pk):
    """An active person `viewer` controls, with their department (HR and admins: anyone active but
    themselves): what a dashboard cell's detail is about. Missing and not controlled alike raise NotFound."""
    from portal.people.models import User

    person = User.objects.select_related("department").filter(pk=pk, is_active=True).first()
    if person is None or not can_control_person(viewer, person):
        raise NotFound(_("No person matches the given query."))
    return person


# --- cells, columns and their registry -----------------------------------------------------------------


# The shapes live in core's registry (so an app registering a column needs nothing of reports).
Cell = DashboardCell
EMPTY_CELL = Cell()

ColumnCompute = Callable[[list[int], datetime.date], dict[int, Cell]]


def register_dashboard_column(
    key: str, *, label, compute: ColumnCompute, order: int = 100, help_text="", replace: bool = True
) -> DashboardColumn:
    """Add a column to every dashboard (`registry.dashboard_columns`). Registering a key again replaces it
    (ready() may run twice)."""
    if not key or not callable(compute):
        raise ValueError("A dashboard column needs a key and a callable compute(user_ids, today).")
    column = DashboardColumn(key=key, label=label, compute=compute, order=order, help_text=help_text)
    return registry.dashboard_columns.register(column, replace=replace)


def unregister_dashboard_column(key: str) -> None:
    registry.dashboard_columns.unregister(key)


def register_dashboard_counter(
    key: str,
    *,
    label=None,
    amber_at: int = 1,
    red_at: int | None = None,
    url: str | Callable[[int], str] | None = None,
    order: int = 200,
) -> DashboardCounter:
    """Show the stored counter `key` of each person as a column (amber from `amber_at`, red from `red_at`),
    in `registry.dashboard_counters`. The label defaults to the counter's own registered label."""
    if not key:
        raise ValueError("A dashboard counter needs its counter key.")
    spec = DashboardCounter(key=key, label=label, amber_at=amber_at, red_at=red_at, url=url, order=order)
    return registry.dashboard_counters.register(spec, replace=True)


def unregister_dashboard_counter(key: str) -> None:
    registry.dashboard_counters.unregister(key)


def _counter_specs() -> list[DashboardCounter]:
    """The registered counters, then those named only in the setting DASHBOARD_COUNTER_KEYS."""
    specs = {spec.key: spec for spec in registry.dashboard_counters}
    for index, key in enumerate(getattr(settings, "DASHBOARD_COUNTER_KEYS", ()) or ()):
        specs.setdefault(key, DashboardCounter(key=key, order=300 + index))
    return sorted(specs.values(), key=lambda s: (s.order, s.key))


def dashboard_counter_keys() -> list[str]:
    """The counter keys other apps put on the dashboard that the digests show too (not those an app
    registered with `in_digest=False`: it contributes a digest section of its own)."""
    return [spec.key for spec in _counter_specs() if spec.in_digest]


def dashboard_columns() -> list[DashboardColumn]:
    """Every column in display order: the built-in ones, registered ones, one per dashboard counter and one
    per dashboard count."""
    from .control_columns import _BUILTIN, _count_column, _counter_column

    columns = dict(_BUILTIN)
    columns.update((column.key, column) for column in registry.dashboard_columns)
    for spec in _counter_specs():
        columns.setdefault(spec.column or f"counter:{spec.key}", _counter_column(spec))
    for count in registry.dashboard_counts:
        columns.setdefault(count.key, _count_column(count))
    return sorted(columns.values(), key=lambda c: (c.order, c.key))


# --- the instant and the memo of one dashboard ---------------------------------------------------------

_RUN: contextvars.ContextVar[dict | None] = contextvars.ContextVar("reports_dashboard_run", default=None)


def dashboard_now() -> datetime.datetime:
    """The instant the current dashboard is computed at (now, outside a dashboard)."""
    run = _RUN.get()
    return run["now"] if run else timezone.now()


def dashboard_viewer():
    """The person looking at the current dashboard (None outside a dashboard): columns counting what the
    viewer can act on (`DashboardCount`) read it."""
    run = _RUN.get()
    return run.get("viewer") if run else None


def _memo(name: str, key, load: Callable[[], Any]):
    """Share a read between the columns of one dashboard (the schedules, the stored counters)."""
    run = _RUN.get()
    if run is None:
        return load()
    slot = run.setdefault(name, {})
    if key not in slot:
        slot[key] = load()
    return slot[key]


def _schedules(user_ids: list[int]) -> dict:
    def load() -> dict:
        run = _RUN.get()
        loaded = run.get("people") if run else None
        if loaded is not None and all(pk in loaded for pk in user_ids):
            people = [loaded[pk] for pk in user_ids]
            rows = [
                (p.pk, p.time_zone, p.work_start, p.work_end, p.department.path if p.department else None)
                for p in people
            ]
            return schedules_of_people(rows, user_ids)
        return schedules_for(user_ids)

    return _memo("schedules", tuple(user_ids), load)


def _stored_counters(user_ids: list[int], key: str) -> dict[int, int]:
    """{user_id: value} of one stored counter; inside a dashboard, every counter column's key is read in
    one query."""
    from portal.notifications.models import UserCounter

    def load(keys: list[str]) -> dict[str, dict[int, int]]:
        values: dict[str, dict[int, int]] = {k: {} for k in keys}
        rows = UserCounter.objects.filter(user_id__in=ids_lookup(user_ids), key__in=keys).values_list(
            "user_id", "key", "value"
        )
        for user_id, k, value in rows:
            values[k][user_id] = value
        return values

    run = _RUN.get()
    if run is None or key not in run["counter_keys"]:
        return load([key])[key]
    return _memo("counters", tuple(user_ids), lambda: load(run["counter_keys"]))[key]


# --- the dashboard ---------------------------------------------------------------------------------------

# What the columns read of each person (the rows of the page get their full User afterwards): thousands of
# model instances would cost more than all the columns together.
_PERSON_FIELDS = (
    "pk",
    "first_name",
    "last_name",
    "is_active",
    "date_joined",
    "time_zone",
    "work_start",
    "work_end",
    "department_id",
    "department__path",
)


class _Department:
    __slots__ = ("path",)

    def __init__(self, path):
        self.path = path


class _Person:
    """A person as the columns read them (the User attributes `missing_reports` and the schedules use)."""

    __slots__ = (
        "pk",
        "first_name",
        "last_name",
        "is_active",
        "date_joined",
        "time_zone",
        "work_start",
        "work_end",
        "department_id",
        "department",
    )

    def __init__(
        self,
        pk,
        first_name,
        last_name,
        is_active,
        date_joined,
        time_zone,
        work_start,
        work_end,
        department_id,
        department,
    ):
        self.pk = pk
        self.first_name = first_name
        self.last_name = last_name
        self.is_active = is_active
        self.date_joined = date_joined
        self.time_zone = time_zone
        self.work_start = work_start
        self.work_end = work_end
        self.department_id = department_id
        self.department = department


def _light_people(people_query) -> list[_Person]:
    departments: dict[str | None, _Department] = {}
    people = []
    for *fields, path in people_query.values_list(*_PERSON_FIELDS):
        department = departments.get(path)
        if department is None:
            department = departments[path] = _Department(path)
        people.append(_Person(*fields, department))
    return people


def _full_people(rows: list[DashboardRow]) -> None:
    """Give the rows shown their User (with the department), in one query."""
    from portal.people.models import User

    if not rows or all(isinstance(row.person, User) for row in rows):
        return
    users = User.objects.select_related("department").in_bulk([row.person.pk for row in rows])
    for row in rows:
        row.person = users.get(row.person.pk, row.person)


@dataclass
class DashboardRow:
    person: Any
    cells: list[Cell]

    # Counted once (the dashboard sorts and counts thousands of rows; the cells' signals do not change).
    @cached_property
    def red(self) -> int:
        return sum(1 for cell in self.cells if cell.signal == Signal.RED)

    @cached_property
    def amber(self) -> int:
        return sum(1 for cell in self.cells if cell.signal == Signal.AMBER)

    @property
    def signals(self) -> int:
        return self.red + self.amber


@dataclass
class Dashboard:
    columns: list[DashboardColumn]
    rows: list[DashboardRow]
    today: datetime.date
    now: datetime.datetime
    subtree: bool = False
    people_count: int = 0
    red: int = 0
    amber: int = 0
    only_signals: bool = False
    # People in each signal state (over everybody, whatever the page): with a red cell; amber but no red.
    people_red: int = 0
    people_amber: int = 0
    # The rows before paging (after `only_signals`), this page's number and the number of pages.
    row_count: int = 0
    page: int = 1
    pages: int = 1
    # Without the switch: the ids of everybody on it, the people `control_time_summary` counts too.
    direct_ids: list[int] | None = None

    @property
    def signals(self) -> int:
        return self.red + self.amber

    @property
    def people_green(self) -> int:
        return self.people_count - self.people_red - self.people_amber

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None

    @property
    def is_fine(self) -> bool:
        return self.signals == 0

    @property
    def summary(self) -> str:
        if self.is_fine:
            return _("All is fine")
        return ngettext("%(n)d signal", "%(n)d signals", self.signals) % {"n": self.signals}


def _sort_name(person) -> tuple:
    return (person.last_name.lower(), person.first_name.lower(), person.pk)


_entry_order = operator.itemgetter(0, 1, 2, 3, 4)  # (-red, -amber, last name, first name, pk)


def _page_number(page, pages: int) -> int:
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1
    return min(max(number, 1), pages)


@calendar_scope()  # one read of the company calendar for every column and schedule of the page
def dashboard(
    *,
    user,
    subtree: bool = False,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
    only_signals: bool = False,
    page: int | str | None = None,
    per_page: int = DASHBOARD_PAGE_SIZE,
) -> Dashboard:
    """The control dashboard of `user`: a row per person they control (directly, or the whole sub-tree),
    a cell per column, the red and amber counts and the summary. People with signals come first (red, then
    amber), then by name; `only_signals` leaves out the rows that are all green (the counts stay whole).
    With `page` (1-based; out of range is clamped) only that page of `per_page` rows is kept: the counts
    still cover everybody.

    A constant number of queries whatever the number of people: each column reads all of them at once.
    The links of the cells the page does not show are never built (they cost a `reverse()` each).
    """
    if not can_control(user):
        raise NotAllowed(_("The dashboard is for those who supervise people."))
    now = now or timezone.now()
    today = today or workday_local_date(user, now)
    people_query = control_people(user=user, subtree=subtree)
    columns = dashboard_columns()
    counter_keys = [spec.key for spec in _counter_specs()]
    run = {
        "now": now,
        "counter_keys": list(dict.fromkeys(counter_keys)),
        "people": {},
        "deferred_urls": {},
        "deferred_details": {},
        "viewer": user,
    }
    token = _RUN.set(run)
    try:
        # A head's own team (tens of people, a page or two) is ranked from its cells, computed once; the
        # SQL ranking pays off for a sub-tree, where the cells of thousands would be computed to show fifty.
        ranked = (
            _rank_in_sql(people_query, columns, run, today=today, now=now, viewer=user) if subtree else None
        )
        if ranked is None:
            ranked = _rank_in_python(people_query, columns, run, today=today)
    finally:
        _RUN.reset(token)
    entries, stats, cells_of = ranked
    everybody = None if subtree else [entry[0] for entry in entries]
    if only_signals:
        entries = [entry for entry in entries if entry[1] or entry[2]]
    row_count = len(entries)
    number, pages = 1, 1
    if page is not None and per_page > 0:
        pages = max(1, -(-row_count // per_page))
        number = _page_number(page, pages)
        entries = entries[(number - 1) * per_page : number * per_page]
    token = _RUN.set(run)
    try:
        page_cells = cells_of([entry[0] for entry in entries])
    finally:
        _RUN.reset(token)
    rows = []
    for pk, row_red, row_amber in entries:
        row = DashboardRow(person=run["people"][pk], cells=page_cells[pk])
        row.__dict__.update(red=row_red, amber=row_amber)  # the cached counts, already known
        rows.append(row)
    _full_people(rows)
    _fill_deferred_urls(rows, columns, run["deferred_urls"], run["deferred_details"])
    return Dashboard(
        columns=columns,
        rows=rows,
        today=today,
        now=now,
        subtree=subtree,
        only_signals=only_signals,
        row_count=row_count,
        page=number,
        pages=pages,
        direct_ids=everybody,
        **stats,
    )


def _stats(entries) -> dict:
    """The counts over everybody of (pk, red, amber) entries."""
    red = amber = people_red = people_amber = 0
    for _pk, row_red, row_amber in entries:
        red += row_red
        amber += row_amber
        if row_red:
            people_red += 1
        elif row_amber:
            people_amber += 1
    return {
        "people_count": len(entries),
        "red": red,
        "amber": amber,
        "people_red": people_red,
        "people_amber": people_amber,
    }


def _rank_in_sql(people_query, columns, run: dict, *, today, now, viewer):
    """Everybody ranked and counted by the database (`control_signals`); the cells computed for the rows
    asked for only. None when a column cannot say its signal in SQL."""
    from portal.people.models import User

    from .control_signals import class_of, signal_ranking

    ranking = signal_ranking(columns, people_query, today=today, now=now, memo=_memo, viewer=viewer)
    if ranking is None:
        return None

    def cells_of(ids: list[int]) -> dict[int, list[Cell]]:
        if not ids:
            return {}
        # The page's people in full at once (the rows show them; the columns read them too).
        people = list(User.objects.select_related("department").filter(pk__in=ids))
        run["people"] = {person.pk: person for person in people}
        # The page's schedules, from the classes the ranking has read (no query).
        specs = {p.pk: ranking.specs.get(class_of(p, ranking.owns.get(p.pk))) for p in people}
        if len(specs) == len(ids) and None not in specs.values():
            run.setdefault("schedules", {})[tuple(ids)] = specs
        computed = [column.compute(ids, today) or {} for column in columns]
        return {pk: [values.get(pk, EMPTY_CELL) for values in computed] for pk in ids}

    return ranking.entries, _stats(ranking.entries), cells_of


def _rank_in_python(people_query, columns, run: dict, *, today):
    """Every cell of everybody, ranked in Python (a column registered without SQL signals)."""
    people = _light_people(people_query.order_by("last_name", "first_name", "pk"))
    run["people"] = {person.pk: person for person in people}
    ids = PeopleIds((person.pk for person in people), query=people_query.order_by().values("pk"))
    computed = [(column.compute(ids, today) if ids else {}) or {} for column in columns]
    red_signal, amber_signal = str(Signal.RED), str(Signal.AMBER)
    ordered = []
    cells = {}
    for person in people:
        pk = person.pk
        row = [values.get(pk, EMPTY_CELL) for values in computed]
        signals = [cell.signal for cell in row]
        row_red, row_amber = signals.count(red_signal), signals.count(amber_signal)
        cells[pk] = row
        ordered.append((-row_red, -row_amber, *_sort_name(person), row_red, row_amber))
    ordered.sort(key=_entry_order)
    entries = [(pk, row_red, row_amber) for *_key, pk, row_red, row_amber in ordered]
    return entries, _stats(entries), lambda ids: {pk: cells[pk] for pk in ids}


def _fill_deferred_urls(
    rows: list[DashboardRow], columns: list[DashboardColumn], deferred: dict, details: dict | None = None
) -> None:
    """Build the links a column left for later, for `rows` only: `deferred[column key] = url(user_id)` (the
    list behind a cell) and `details[column key] = detail(user_id, cell)` (the fragment a cell with a signal
    opens in place; "" for none)."""
    details = details or {}
    if not deferred and not details:
        return
    slots = [
        (index, deferred.get(column.key), details.get(column.key))
        for index, column in enumerate(columns)
        if column.key in deferred or column.key in details
    ]
    for row in rows:
        for index, url_of, detail_of in slots:
            cell = row.cells[index]
            if cell is EMPTY_CELL:
                continue
            url = cell.url or (url_of(row.person.pk) if url_of is not None else "")
            detail = cell.detail or (detail_of(row.person.pk, cell) if detail_of is not None else "")
            if url != cell.url or detail != cell.detail:
                # (the constructor, not dataclasses.replace: a company's page fills hundreds of cells)
                row.cells[index] = Cell(cell.value, cell.signal, url, cell.text, cell.hint, detail)


# --- the personal overview -------------------------------------------------------------------------------


def personal_overview(*, user, now: datetime.datetime | None = None) -> dict:
    """What reports:home shows a person who controls nobody (and everyone on reports:overview): today's
    working day, their last reports and their own counters (those not zero). Three queries."""
    from portal.notifications.counters import counter_definitions, counters_get

    now = now or timezone.now()
    day = workday_today(user=user, now=now)
    reports = list(report_list(user=user).filter(author_id=user.pk).order_by("-period_start", "-id")[:5])
    values = counters_get(user)
    counters = [
        {"key": d.key, "label": d.label, "area": d.area, "value": values.get(d.key, 0)}
        for d in counter_definitions()
        if values.get(d.key, 0)
    ]
    return {
        "today": workday_local_date(user, now),
        "day": day,
        "reports": reports,
        "counters": counters,
    }
