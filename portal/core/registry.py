"""The one registry through which apps extend each other (NetBox's `registry` is the model).

An app that wants to show up somewhere else registers a small typed item in its `AppConfig.ready()`;
the page, job or selector that shows it iterates the section. So the app that owns the data is the only one
that knows it, and the app that shows it names nobody:

    from portal.core.registry import NavigationEntry, registry

    registry.navigation.register(NavigationEntry("tasks", _("Tasks"), "bi-check2-square", "tasks:home", order=30))

    for entry in registry.navigation:  # ordered by (order, key)
        ...

Each section knows the type of its items (a frozen dataclass with a `key`) and refuses anything else, and it
refuses a second, different item under a key it holds already: two apps cannot silently shadow each other.
Registering an *equal* item again is a no-op, so a `ready()` that runs twice is harmless. Tests swap items in
and out with `section.override(...)` (or `registry.override()`), which puts everything back afterwards.

The item types live here, not in the app that consumes them, so that the registering app needs nothing but
core. Core defines the shapes only: it never registers anything itself.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class AlreadyRegistered(ValueError):
    """A section holds a different item under this key already."""


class NotRegistered(KeyError):
    """A section holds no item under this key."""


# --- item types ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CounterDefinition:
    """A stored per-user counter: `compute(user_ids) -> {user_id: value}` in a constant number of queries;
    `area` is the navigation entry whose badge sums it."""

    key: str
    label: Any
    area: str | None
    compute: Callable[[list[int]], dict[int, int]]
    order: int = 100


@dataclass(frozen=True)
class SearchProvider:
    """A provider of global search hits: `func(*, user, query, limit) -> list[SearchHit]`, only what the user
    may see."""

    key: str
    label: Any
    func: Callable[..., list]
    order: int = 100


@dataclass(frozen=True)
class LookupSource:
    """A kind of thing the picker (portal/core/widgets.py) can choose: `search(*, user, query, limit)` and
    `resolve(*, user, values)` both return `LookupItem`s (portal/core/pickers.py) of what `user` may see
    only; `resolve` keeps the order of `values`."""

    key: str
    label: Any
    search: Callable[..., list]
    resolve: Callable[..., list]
    icon: str = "bi-search"
    order: int = 100


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification (listed on the notification settings page)."""

    key: str
    label: Any
    email_default: bool = False


@dataclass(frozen=True)
class EntryAction:
    """An item in every stream post's menu. `available(user, entry)` must not query the database."""

    key: str
    label: Any
    icon: str
    url: Callable[[Any], str]
    available: Callable[[Any, Any], bool]


@dataclass(frozen=True)
class EntryAnnotation:
    """Notes under stream posts: `provider(user, entries) -> {entry_id: [(label, url), ...]}`, once a page."""

    key: str
    provider: Callable[[Any, list[Any]], dict[int, list[tuple[str, str]]]]
    icon: str = "bi-link-45deg"


@dataclass(frozen=True)
class MessageAction:
    """An item in every chat message's menu. `available(user, message)` must not query the database."""

    key: str
    label: Any
    icon: str
    url: Callable[[Any], str]
    available: Callable[[Any, Any], bool]


@dataclass(frozen=True)
class MessageAnnotation:
    """Notes under chat messages: `provider(user, messages) -> {message_id: [(label, url), ...]}`."""

    key: str
    provider: Callable[[Any, list[Any]], dict[int, list[tuple[str, str]]]]
    icon: str = "bi-link-45deg"


@dataclass(frozen=True)
class PrefillSource:
    """What an app adds to the pre-fill of a work report: `compute(user, start_at, end_at) -> {...}` or
    `[{"id", "title", "url"}, ...]`, JSON-ready; `visible(reader, ids)` -> the ids among them the reader may
    see (one query). The answer is stored under "extra" -> `key`, unless `merge` is set: then it is a dict
    merged into the pre-fill itself (a source of several parts), and `parts` names the lists of lines it adds
    with the field holding each line's id ((list key, id field), ...): the reader's check (`visible`) and the
    links (`url(id)`, added when a page shows the lines, never stored) apply to them."""

    key: str
    label: Any
    compute: Callable[..., Any]
    visible: Callable[[Any, set], Iterable] | None = None
    merge: bool = False
    order: int = 100
    parts: tuple[tuple[str, str], ...] = ()
    url: Callable[[Any], str] | None = None


@dataclass(frozen=True)
class DashboardCell:
    """One cell of the control dashboard: a value (plain JSON), its colour ("green", "amber", "red" or
    "grey"), the list behind it, what the page shows (`text`, else the value) and why it is coloured (`hint`).
    `detail` is the URL of a fragment the cell opens in place: the cause of its signal and what to do about it."""

    value: Any = None
    signal: str = "green"
    url: str = ""
    text: str = ""
    hint: str = ""
    detail: str = ""

    @property
    def display(self) -> str:
        if self.text:
            return str(self.text)
        return "—" if self.value in (None, "") else str(self.value)

    def as_dict(self) -> dict:
        return {
            "value": self.value,
            "signal": str(self.signal),
            "url": self.url,
            "text": self.display,
            "hint": str(self.hint),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class DashboardColumn:
    """A column of the control dashboard: `compute(user_ids, today) -> {user_id: DashboardCell}`."""

    key: str
    label: Any
    compute: Callable[[list[int], datetime.date], dict[int, DashboardCell]]
    order: int = 100
    help_text: Any = ""


@dataclass(frozen=True)
class DashboardCounter:
    """A stored counter shown as a dashboard column: amber from `amber_at`, red from `red_at` (if set); `url` is
    a format string with {user_id} (or a callable taking the id) leading to the list behind it. `column` names
    the column (default "counter:<key>"); `in_digest` False keeps it out of the digests' counter list (for an
    app that contributes a fuller digest section of its own)."""

    key: str
    label: Any = None
    amber_at: int = 1
    red_at: int | None = None
    url: str | Callable[[int], str] | None = None
    order: int = 200
    column: str = ""
    help_text: Any = ""
    in_digest: bool = True
    # user_id -> the URL of the fragment the cell opens in place (the cause and what to do about it).
    detail: Callable[[int], str] | None = None


@dataclass(frozen=True)
class DashboardCount:
    """A dashboard column counting, per person, what the supervisor looking at it can act on (tasks waiting for
    their control, corrections waiting for their decision...). `count(among, *, viewer, today)` answers ONE
    queryset of (person id, n) rows for the people `among` (a list of ids or an SQL subquery of them: use it
    only as `<field>__in=among`), so that the dashboard can run it for a page and join it into its SQL ranking
    of a whole company. Amber from `amber_at`, red from `red_at` (if set); `url(user_id)` is the list behind a
    cell, `detail(user_id)` the fragment it opens in place."""

    key: str
    label: Any
    count: Callable[..., Any]
    amber_at: int = 1
    red_at: int | None = None
    url: Callable[[int], str] | None = None
    detail: Callable[[int], str] | None = None
    order: int = 200
    help_text: Any = ""


@dataclass(frozen=True)
class ControlTouchKind:
    """A kind of item "touch" control picks at random: recent items of some people and how to show one.
    `model()` is the model, `recent(since)` the Q of recent items, `describe(item) -> (text, url)`."""

    key: str
    label: Any
    model: Callable[[], type]
    person_field: str
    recent: Callable[[datetime.datetime], Any]
    describe: Callable[[Any], tuple[str, str]]
    order: int = 100


@dataclass(frozen=True)
class DigestCounter:
    """A stored counter a supervisor's digest reports: scope "people" sums it over the supervisor's people,
    "recipient" shows the recipient's own value."""

    key: str
    label: Any = None
    scope: str = "people"
    order: int = 100


@dataclass(frozen=True)
class DigestSource:
    """A section of the control digests another app contributes (overdue tasks, ...).

    `compute(*, recipient, user_ids, people, zone, now, kind)` -> a JSON-ready dict with at least "total",
    stored with the digest under `key` (`kind` is "supervisor" or "personal"; `kinds` says which digests ask);
    `present(data, kind)` -> {"title", "columns", "rows", "more", "url", "note"} of such a stored dict, rows
    being lists of (text, url) cells, for the digest page and e-mail."""

    key: str
    compute: Callable[..., dict]
    present: Callable[[dict, str], dict]
    kinds: tuple[str, ...] = ("supervisor",)
    order: int = 100


@dataclass(frozen=True)
class AbsenceProvider:
    """`func(*, user_ids, start, end) -> {user_id: {date: label}}` in a constant number of queries."""

    key: str
    func: Callable[..., dict]


@dataclass(frozen=True)
class ReportTaskSource:
    """A way to turn a line of a work report into something of another app (a task).

    `template` is the partial a report page includes for each report line (with `text` and `part`)."""

    key: str
    template: str
    order: int = 100


@dataclass(frozen=True)
class TimesheetSource:
    """Time people logged in another app (time on tasks) that the timesheets count: `model()` is a model
    with `user_id`, `started_at`, `ended_at` (null while it runs) and `seconds` (of a stopped entry); the
    timesheets read it with their own filters, in a constant number of queries."""

    key: str
    model: Callable[[], type]
    order: int = 100


@dataclass(frozen=True)
class TaskOrigin:
    """Something of another app a task can be made from (a work report, a line of which becomes the task),
    asked for with `?from_<key>=<pk>` on the new-task form. `model()` is its model (a task stores it as its
    source), `get(*, user, pk)` the object, raising a 404 when `user` may not see it, `url(pk)` its page.

    Optional: `initial(obj) -> dict` prefills the new-task form (title, description, deadline, responsible)
    instead of quoting the object's text; `made(obj, task_id)` is called by the task app, inside the
    transaction that created the task, so that the origin can remember the task made from it; `label` is what
    the new-task form says of it ("Made from a CRM to-do.")."""

    key: str
    model: Callable[[], type]
    get: Callable[..., Any]
    url: Callable[[Any], str]
    order: int = 100
    initial: Callable[[Any], dict] | None = None
    made: Callable[[Any, Any], None] | None = None
    label: Any = ""


@dataclass(frozen=True)
class TaskExtension:
    """Another app's part of the task page and the task form (the strategy's "serves goal ..."). The tasks app
    iterates `registry.task_extensions`; every callable is optional.

    `panel(request, task) -> dict | None` is rendered by `panel_template` (reading it as `data`) in the side
    column of the task page (None hides it); `form(request, task_or_None) -> dict | None` is rendered by
    `form_template` inside the task form; `form_saved(*, actor, task, data)` is called by the task form inside
    the transaction that saved the task, with the posted data (it raises `portal.core.errors.Invalid` to refuse
    the whole save); `status_changed(*, task_ids)` is called by the tasks app inside the transaction that
    opened or closed tasks (schedule work with `transaction.on_commit`)."""

    key: str
    panel_template: str = ""
    panel: Callable[[Any, Any], dict | None] | None = None
    form_template: str = ""
    form: Callable[[Any, Any], dict | None] | None = None
    form_saved: Callable[..., None] | None = None
    status_changed: Callable[..., None] | None = None
    order: int = 100


@dataclass(frozen=True)
class TaskStats:
    """Counts of a set of tasks: all of them, the closed ones, those closed by their deadline (or without
    one), the open ones and the overdue ones."""

    total: int = 0
    closed: int = 0
    closed_on_time: int = 0
    open: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class WorkShare:
    """A person's work in a period: tasks closed and seconds logged, and how much of each is not traceable to
    anything the caller traces (the strategy's "orphan work")."""

    closed: int = 0
    closed_untraced: int = 0
    seconds: int = 0
    seconds_untraced: int = 0


@dataclass(frozen=True)
class TaskFacts:
    """What the tasks app tells other apps about many tasks at once (registered by the tasks app, key "tasks"),
    each callable in a constant number of queries. "Traced" tasks are given as ids of tasks (a task is traced
    with its whole sub-tree) and ids of workgroups/projects (their tasks are traced), each a list or a
    queryset of ids.

    `lineage(task_ids) -> {task_id: [(id, group_id), ...]}`: each task, then its parent, up to the root.
    `stats(*, task_ids, group_ids, today) -> TaskStats`: the sub-trees of `task_ids` and the tasks of
    `group_ids`, each task counted once.
    `group_stats(group_ids, today) -> {group_id: TaskStats}`: the tasks of each group.
    `work(*, person_ids, start, end, task_ids, group_ids) -> {person_id: WorkShare}`: the tasks each person
    closed as responsible and the time each logged in the period (dates, inclusive), and the untraced part.
    `untraced(*, user, person_ids, start, end, task_ids, group_ids, limit) -> list[(id, title, url)]`: the
    untraced tasks closed in the period that `user` may see.
    `describe(*, user, task_ids) -> {id: {title, url, closed, responsible_id, creator_id, group_id}}`: only
    the tasks `user` may see.
    `responsible_ids(*, person_id, limit) -> [id, ...]`: the person's tasks as the responsible person, the
    open ones and the most recently closed first."""

    key: str
    lineage: Callable[..., dict]
    stats: Callable[..., TaskStats]
    group_stats: Callable[..., dict]
    work: Callable[..., dict]
    untraced: Callable[..., list]
    describe: Callable[..., dict]
    responsible_ids: Callable[..., list] | None = None
    order: int = 100


@dataclass(frozen=True)
class CalendarSource:
    """The company's calendar of exceptions to the working week: `func(*, start, end) -> {date: (working,
    name)}` in a constant number of queries, `working` False for a public holiday and True for a moved working
    day (a Saturday worked instead of a bridge day). `portal.core.workdays` merges the sources; schedules,
    timesheets, deadlines and approval deadlines count working days through it."""

    key: str
    func: Callable[..., dict]
    order: int = 100


@dataclass(frozen=True)
class AutomationTrigger:
    """Something that happens in an app that automation rules can react to ("a task's status changed",
    "a deal moved to a stage"). The app sends `portal.core.automation.automation_event` on commit with this
    `key`, the object, and the scopes it happened in; rules are set on a scope.

    `scope_kind` names where rules of this trigger are set ("group" for a workgroup or project, "stage" for a
    pipeline stage, "template" for a process template); `scope_choices(*, user)` -> [(scope_key, label)] the
    scopes `user` may set rules on; `conditions` -> [(field, label, kind)] the values of the event's `data`
    a rule may test (kind "text", "number", "choice"); `choices(field)` -> [(value, label)] for a "choice" one;
    `get(object_id)` re-reads the object (None when it is gone), `describe(obj)` -> (text, url) for run logs."""

    key: str
    label: Any
    scope_kind: str
    scope_choices: Callable[..., list]
    get: Callable[[Any], Any]
    describe: Callable[[Any], tuple]
    conditions: tuple = ()
    choices: Callable[[str], list] | None = None
    order: int = 100


@dataclass(frozen=True)
class AutomationAction:
    """Something an automation rule can do: `run(*, rule, obj, event, params) -> str` (a short result for the
    run log; raise an exception to fail the run with its message), idempotent for one (rule, object, event);
    `fields` -> [(name, label, kind)] of its `params` (kind "text", "longtext", "number", "person", "people",
    "choice", "template"), `choices(field)` -> [(value, label)]; `triggers` limits it to some triggers (empty:
    every trigger), e.g. "change a task's field" only reacts to task triggers."""

    key: str
    label: Any
    run: Callable[..., str]
    fields: tuple = ()
    choices: Callable[[str], list] | None = None
    triggers: tuple = ()
    order: int = 100


@dataclass(frozen=True)
class NavigationEntry:
    """An entry of the left navigation; its badge sums the counters of `counter_area` (default: `key`).
    A page marks its area with `nav_area` in its context; with `active_by_path`, every page under the entry's
    URL belongs to it too."""

    key: str
    label: Any
    icon: str
    url_name: str
    order: int = 100
    counter_area: str | None = None
    active_by_path: bool = False

    @property
    def area(self) -> str:
        return self.counter_area or self.key


@dataclass(frozen=True)
class TopbarWidget:
    """A piece of the top bar: `template` is included (with the page's context) for signed-in people."""

    key: str
    template: str
    order: int = 100


@dataclass(frozen=True)
class ShellContext:
    """Values every page needs from an app: `func(request) -> dict`, merged into the template context.
    It must be cheap: defer queries behind callables the templates call only when they need them."""

    key: str
    func: Callable[[Any], dict]
    order: int = 100


@dataclass(frozen=True)
class DemoSeeder:
    """A part of the demo data: `func(*, stdout=None) -> dict[str, int] | None` (how many of each thing it
    created), idempotent. The `company` stage (people, departments, groups) runs first in one transaction;
    the `content` stage runs after it committed, each seeder on its own, in `order`. `hints(base_url)` gives
    lines `manage.py demo_logins` (so `make run`) prints after the logins: how to try what the part seeded."""

    key: str
    func: Callable[..., Any]
    order: int = 100
    stage: str = "content"
    hints: Callable[[str], list[str]] | None = None


@dataclass(frozen=True)
class MetricArg:
    """An argument of a metric: `name` as formulas write it, `kind` what it takes: "person", "department",
    "group", "pipeline" (ids, or a name bound by the indicator's subject) or "number"."""

    name: str
    kind: str
    required: bool = True


@dataclass(frozen=True)
class Metric:
    """A number an app computes from its live data, for the strategy app's formula indicators and KPI.

    `key` is what formulas call ("tasks.closed_on_time_share"); `compute(calls, start, end)` takes many
    argument tuples at once (each in the order of `args`) and the period (dates, both inclusive) and returns
    `{args_tuple: Decimal | None}` in a constant number of queries whatever the number of tuples;
    `drill_down(args_tuple, start, end, user)` returns the records behind one value as `(label, url)` pairs
    (`url` may be ""), only those `user` may see; `unit` is "", "%", "h", or a currency code."""

    key: str
    label: Any
    args: tuple[MetricArg, ...]
    compute: Callable[..., dict]
    drill_down: Callable[..., list]
    unit: str = ""
    order: int = 100


# The start page ("my day"). Sections of the page, in the order it shows them.
HOME_TOP = "top"  # who I am: the greeting
HOME_DAY = "day"  # what I have to do today: the cards with something to do first, then the quiet ones
HOME_COMPANY = "company"  # around me: groups, birthdays, newcomers
HOME_SECTIONS = (HOME_TOP, HOME_DAY, HOME_COMPANY)
# How many lines a list card shows; the rest is behind its link ("all 12").
HOME_CARD_ROWS = 5


@dataclass(frozen=True)
class HomeRow:
    """One line of a home card's list: `text` linking to `url`, with a quieter `meta` on the right (a date,
    a person) coloured by `tone` ("danger", "warning", "success" or "" for none). Plain strings: escaped."""

    text: str
    url: str = ""
    meta: str = ""
    tone: str = ""


@dataclass(frozen=True)
class HomeAction:
    """A button of a home card: a link (`method` "get") or a form posting to `url` with the CSRF token and
    `next` set to the start page (`method` "post"), so the click comes back home. `style` is the Bootstrap
    button variant ("primary", "success", "outline-secondary", ...)."""

    label: Any
    url: str
    method: str = "get"
    style: str = "primary"
    icon: str = ""


@dataclass(frozen=True)
class HomeCard:
    """A card of the start page, the person's day. The app that owns the data registers it from its
    `AppConfig.ready()`; `portal.core.views.home` asks every card and lays them out.

        registry.home_cards.register(HomeCard(
            "approvals.waiting", "", approvals_waiting_card, order=35, section=HOME_DAY,
            title=WAITING_TITLE, icon="bi-signpost-split", url="workflows:inbox", empty=NOTHING_WAITING,
        ))  # the title and the empty line: the app's gettext_lazy strings

    `context(request) -> dict | None` answers for `request.user`: only what they may see, cheaply (one
    query, or the stored counters), at most `HOME_CARD_ROWS` lines. None hides the card (it does not concern
    this person: "reports to rate" for someone who rates nothing). The dict is the card's `data`; the page
    reads these keys, all optional:

      count    the number of things behind the card (all of them, not only the lines shown): shown in the
               title; 0 is "nothing to do" and the card shrinks to its `empty` line.
      todo     whether the person has something to do here (default: count > 0, or True without a count).
               The page shows the cards with something to do first, then the others, each group by `order`;
               a day whose cards have nothing to do says "Nothing due today".
      rows     [HomeRow, ...] the lines shown (core's list body renders them).
      lead     a sentence above the lines (a state: "Working since 09:02").
      actions  [HomeAction, ...] buttons under the lines.
      level    "danger" or "warning": the card's colour when something is late.
      url      the full list, when it depends on the person (else the card's `url`).
      empty    what the card says when there is nothing (else the card's `empty`).

    With a `title` the page draws the card's frame (icon, title, count, a link to the full list) and its body
    is `template` (which reads `data`, `card` and `user`), or core's list body when `template` is empty.
    Without a title `template` draws the whole card (the greeting, older cards). `url` is a URL name or a
    callable `(request) -> str`. `section` is one of HOME_SECTIONS; `width` holds the Bootstrap column classes
    of a card with something to show (a card with nothing to do takes a narrow column).
    """

    key: str
    template: str
    context: Callable[[Any], dict | None]
    order: int = 100
    width: str = "col-12 col-lg-6"
    section: str = HOME_COMPANY
    title: Any = ""
    icon: str = ""
    url: str | Callable[[Any], str] = ""
    empty: Any = ""

    def __post_init__(self) -> None:
        if self.section not in HOME_SECTIONS:
            raise ValueError(
                f"HomeCard {self.key!r}: section must be one of {HOME_SECTIONS}, not {self.section!r}"
            )


@dataclass(frozen=True)
class ProfileSection:
    """A section of a person's profile page: `context(request, person) -> dict` (only what the viewer may
    see) rendered by `template`, which reads it as `data`."""

    key: str
    template: str
    context: Callable[[Any, Any], dict]
    order: int = 100


@dataclass(frozen=True)
class PortalState:
    """Whether the portal is registered yet (`is_registered() -> bool`); until then every page leads to
    `setup_url_name`. The app that owns the company registers it."""

    key: str
    is_registered: Callable[[], bool]
    setup_url_name: str


# --- sections and the registry ------------------------------------------------------------------------------


class Section(Generic[T]):
    """Items of one type, by key; iterated by (order, key) when `ordered`, else in registration order."""

    def __init__(self, name: str, item_type: type[T], *, ordered: bool = True):
        self.name = name
        self.item_type = item_type
        self.ordered = ordered
        self._items: dict[str, T] = {}

    def __repr__(self) -> str:
        return f"<Section {self.name}: {len(self._items)} {self.item_type.__name__}>"

    def register(self, item: T, *, replace: bool = False) -> T:
        """Add `item`. A different item under a key held already is refused unless `replace`."""
        if not isinstance(item, self.item_type):
            raise TypeError(
                f"registry.{self.name} holds {self.item_type.__name__} items, not {type(item).__name__}."
            )
        key = getattr(item, "key", None)
        if not key or not isinstance(key, str):
            raise ValueError(f"An item of registry.{self.name} needs a non-empty string key: {key!r}")
        existing = self._items.get(key)
        if existing is not None and existing != item and not replace:
            raise AlreadyRegistered(
                f"registry.{self.name} already holds {key!r} ({existing!r}); unregister it first, "
                "or use override() in tests."
            )
        if existing is not None and existing == item:
            return existing
        self._items[key] = item
        return item

    def unregister(self, key: str, *, missing_ok: bool = True) -> None:
        if self._items.pop(key, None) is None and not missing_ok:
            raise NotRegistered(f"registry.{self.name} holds no {key!r}.")

    def get(self, key: str, default: Any = None) -> T | None:
        return self._items.get(key, default)

    def __getitem__(self, key: str) -> T:
        try:
            return self._items[key]
        except KeyError:
            raise NotRegistered(f"registry.{self.name} holds no {key!r}.") from None

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items())

    def items(self) -> list[T]:
        """The items, in order (a list: registering during the iteration changes nothing)."""
        values = list(self._items.values())
        if self.ordered:
            values.sort(key=lambda item: (getattr(item, "order", 100), item.key))
        return values

    def keys(self) -> list[str]:
        return [item.key for item in self.items()]

    @contextlib.contextmanager
    def override(self, *items: T, remove: Iterable[str] = (), clear: bool = False) -> Iterator[Section[T]]:
        """For tests: within the block, `items` replace any same-key ones, the keys in `remove` (or every
        item, with `clear`) are gone; afterwards the section is exactly as before."""
        saved = dict(self._items)
        try:
            if clear:
                self._items.clear()
            for key in remove:
                self._items.pop(key, None)
            for item in items:
                self.register(item, replace=True)
            yield self
        finally:
            self._items = saved


class Registry:
    """Named sections; `registry.<name>` or `registry["name"]`."""

    def __init__(self) -> None:
        self._sections: dict[str, Section] = {}

    def add_section(self, name: str, item_type: type[T], *, ordered: bool = True) -> Section[T]:
        if name in self._sections:
            raise AlreadyRegistered(f"The registry has a section {name!r} already.")
        if name.startswith("_") or hasattr(type(self), name):
            raise ValueError(f"{name!r} cannot name a section.")
        section: Section[T] = Section(name, item_type, ordered=ordered)
        self._sections[name] = section
        return section

    def __getattr__(self, name: str) -> Section:
        sections = self.__dict__.get("_sections", {})
        if name in sections:
            return sections[name]
        raise AttributeError(f"The registry has no section {name!r}.")

    def __getitem__(self, name: str) -> Section:
        return self._sections[name]

    def __iter__(self) -> Iterator[Section]:
        return iter(self._sections.values())

    def section_names(self) -> list[str]:
        return list(self._sections)

    @contextlib.contextmanager
    def override(self) -> Iterator[Registry]:
        """For tests: change any section freely inside the block; every section is restored afterwards."""
        saved = {name: dict(section._items) for name, section in self._sections.items()}
        try:
            yield self
        finally:
            for name, items in saved.items():
                self._sections[name]._items = items


registry = Registry()

# Per-user numbers and who shows them.
registry.add_section("counters", CounterDefinition)
registry.add_section("search", SearchProvider)
registry.add_section("lookup_sources", LookupSource)
registry.add_section("notification_kinds", NotificationKind, ordered=False)
# Extensions of stream posts and chat messages: shown in registration order.
registry.add_section("stream_entry_actions", EntryAction, ordered=False)
registry.add_section("stream_entry_annotations", EntryAnnotation, ordered=False)
registry.add_section("chat_message_actions", MessageAction, ordered=False)
registry.add_section("chat_message_annotations", MessageAnnotation, ordered=False)
# Work reports, the control dashboard, the digests, timesheets.
registry.add_section("report_prefill", PrefillSource)
registry.add_section("report_task_sources", ReportTaskSource)
registry.add_section("dashboard_columns", DashboardColumn)
registry.add_section("dashboard_counters", DashboardCounter)
registry.add_section("dashboard_counts", DashboardCount)
registry.add_section("control_touch_kinds", ControlTouchKind)
registry.add_section("digest_counters", DigestCounter)
registry.add_section("digest_sources", DigestSource)
registry.add_section("absence_providers", AbsenceProvider, ordered=False)
registry.add_section("timesheet_sources", TimesheetSource)
registry.add_section("task_origins", TaskOrigin)
# Other apps' parts of the task page and form, and what tasks tell them about many tasks at once.
registry.add_section("task_extensions", TaskExtension)
registry.add_section("task_facts", TaskFacts)
# The company calendar (holidays) and the automation rules' triggers and actions.
registry.add_section("calendar_sources", CalendarSource)
registry.add_section("automation_triggers", AutomationTrigger)
registry.add_section("automation_actions", AutomationAction)
# The shell of every page.
registry.add_section("navigation", NavigationEntry)
registry.add_section("topbar_widgets", TopbarWidget)
registry.add_section("shell_context", ShellContext)
registry.add_section("demo_seeders", DemoSeeder)
registry.add_section("home_cards", HomeCard)
registry.add_section("profile_sections", ProfileSection)
registry.add_section("portal_state", PortalState)
# Numbers for strategy's formula indicators and KPI (portal.core.metrics).
registry.add_section("metrics", Metric)

__all__ = [
    "AbsenceProvider",
    "AlreadyRegistered",
    "AutomationAction",
    "AutomationTrigger",
    "CalendarSource",
    "ControlTouchKind",
    "CounterDefinition",
    "DashboardCell",
    "DashboardColumn",
    "DashboardCount",
    "DashboardCounter",
    "DemoSeeder",
    "HOME_CARD_ROWS",
    "HOME_COMPANY",
    "HOME_DAY",
    "HOME_SECTIONS",
    "HOME_TOP",
    "HomeAction",
    "HomeCard",
    "HomeRow",
    "LookupSource",
    "Metric",
    "MetricArg",
    "ProfileSection",
    "PortalState",
    "DigestCounter",
    "DigestSource",
    "EntryAction",
    "EntryAnnotation",
    "MessageAction",
    "MessageAnnotation",
    "NavigationEntry",
    "NotRegistered",
    "NotificationKind",
    "PrefillSource",
    "Registry",
    "ReportTaskSource",
    "SearchProvider",
    "Section",
    "ShellContext",
    "TaskExtension",
    "TaskFacts",
    "TaskOrigin",
    "TaskStats",
    "TimesheetSource",
    "TopbarWidget",
    "WorkShare",
    "registry",
]
