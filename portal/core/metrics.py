"""KPI metrics and the formulas over them.

Apps register metrics (`register_metric`) from their `AppConfig.ready()`: numbers computed from their live data,
for many subjects at once. The strategy app's formula indicators combine them:

    tasks.closed_on_time_share(department) * 100
    max(0, crm.deals_won_amount(pipeline=2, person=person) - 50000) / 1000
    if_(reports.credited_days_share(person) < 0.8, 0, 1)

A formula is parsed and checked when it is saved (`formula_parse`: unknown metric, wrong arguments, a name the
indicator does not bind, anything but arithmetic, comparisons, min/max/abs/round/if_ and metric calls is refused
with a clear message), then evaluated for many bindings at once (`formula_evaluate_many`): each metric is computed
once for every argument tuple the bindings need, in the metric's constant number of queries, and never with
Python's `eval`.

Public API (the strategy app relies on these names):

- `register_metric(key, compute, args, label, drill_down, unit="") -> Metric` and `metric_list()`, `metric_get(key)`
  (raises `portal.core.errors.NotFound`).
- `formula_parse(text, *, variables) -> Formula`: raises `portal.core.errors.Invalid` (field "formula").
- `formula_evaluate_many(formula, bindings, start, end) -> list[FormulaResult]`: one result per binding (a dict of
  the formula's variables, e.g. {"person": 12} or {"department": 3}), in order; division by zero, a metric
  without data and the like give a result with `value=None` and an `error` message, never an exception.
- `formula_drill_down(formula, binding, start, end, user) -> list[DrillDownSection]`: per metric call of the
  formula, its value and the records behind it that `user` may see.

The rules
---------

**Keys** are `<app>.<name>` (lower case, digits and underscores): `tasks.overdue_count`.

**Arguments.** A metric's `args` (`portal.core.registry.MetricArg`) say what it takes, in order; `compute` gets
tuples in that order, with `None` for an optional argument the formula left out. Argument kinds: "person",
"department" (a department counts with its sub-departments), "group", "pipeline" (ids) and "number".

**The subject: person or department.** A metric that can be counted for a person *or* a department declares both
as optional arguments (`SUBJECT_ARGS`: `person`, then `department`); a call must give exactly one of them.
So `tasks.overdue_count(person)` and `tasks.overdue_count(department)` are the same metric, whose `compute` gets
`(12, None)` or `(None, 3)`.

**How a call's arguments bind.** Keyword arguments bind by name (`crm.deals_won_amount(pipeline=2,
person=manager)`). Positional arguments fill the metric's arguments in order, except that a variable skips to the
next argument of its own kind: `tasks.overdue_count(department)` fills `department`, not `person`. An argument is
a variable the indicator binds or a number (an id for the id kinds). A variable's kind is given by `variables`
when it is a mapping ({"manager": "person"}), else it is its name ("person", "department", ...).

**What a formula may contain.** Numbers, the variables, `+ - * / // % **`, unary minus, comparisons, `and`,
`or`, `not`, `min(...)`, `max(...)`, `abs(x)`, `round(x[, digits])`, `if_(condition, then, otherwise)` and the
metric calls. Nothing else: no strings, attributes, subscripts, lambdas or comprehensions. At most
`MAX_LENGTH` characters, nesting `MAX_DEPTH` deep, `MAX_CALLS` metric calls and exponents up to `MAX_EXPONENT`;
a result's magnitude stays below `MAX_RESULT` (10**14), else it is an error.

**Values** are `Decimal`. A metric without a value (`None`: no data, e.g. a share of nothing) makes the result
`None` with an error naming the call, unless the formula does not need it (`if_` takes one branch only). A share
is a fraction from 0 to 1 (unit ""; `* 100` gives per cent), hours are hours ("h"), an amount is in the currency
its unit names. A comparison gives 1 or 0. The period is two dates, both inclusive, read in the portal's time
zone (`period_range`).

**Evaluation** takes two steps: every distinct argument tuple of every call over all the bindings is collected
and each metric's `compute` runs once with all of them; then the formula runs per binding with simpleeval, the
calls replaced by their values (names a formula cannot write), with Decimal operators that refuse division by
zero ("division by zero"), exponents beyond `MAX_EXPONENT` and overflow, as that binding's error.

Helpers for the apps' computes (so each metric stays a few lines and a constant number of queries):
`compute_by_subject(calls, queryset, person=..., parts=..., value=...)` (additive aggregates grouped by person
and by department path, rolled up the department tree; `group_by` for another argument such as a pipeline),
`subject_people(calls)` (the people of each subject, for a metric a selector computes per person),
`subject_filter(args, person=...)` (one subject's rows, for a drill-down), `period_range`, `ratio`, `hours`.
"""

from __future__ import annotations

import ast
import datetime
import decimal
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simpleeval import SimpleEval

from portal.core import visibility
from portal.core.errors import Invalid, NotFound
from portal.core.registry import Metric, MetricArg, registry

MAX_LENGTH = 2000
MAX_DEPTH = 20
MAX_CALLS = 50
MAX_EXPONENT = 100
MAX_ROUND_DIGITS = 20
# A result is below 10**14 in magnitude: what an indicator's value (18 digits, 4 after the point) can hold.
MAX_RESULT = Decimal(10) ** 14
_MAX_TREE_DEPTH = 120

ARG_KINDS = ("person", "department", "group", "pipeline", "number")
ID_KINDS = ("person", "department", "group", "pipeline")
# The optional person-or-department pair of a metric counted for either (a call gives exactly one).
SUBJECT_ARGS = (
    MetricArg("person", "person", required=False),
    MetricArg("department", "department", required=False),
)
_SUBJECT_KINDS = ("person", "department")

FUNCTIONS = ("min", "max", "abs", "round", "if_")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")

# The arithmetic of a formula: exact enough for money and shares, and any overflow is an error, not a hang.
_CONTEXT = decimal.Context(
    prec=28, Emax=999_999, Emin=-999_999, traps=[decimal.InvalidOperation, decimal.Overflow]
)

__all__ = [
    "ARG_KINDS",
    "DrillDownSection",
    "Formula",
    "FormulaResult",
    "MetricCall",
    "SUBJECT_ARGS",
    "compute_by_subject",
    "department_paths",
    "formula_drill_down",
    "formula_evaluate_many",
    "formula_parse",
    "hours",
    "metric_get",
    "metric_list",
    "period_range",
    "ratio",
    "register_metric",
    "subject_filter",
    "subject_people",
]


# --- the registry of metrics ----------------------------------------------------------------------------------


def register_metric(
    key: str,
    compute: Callable[..., dict],
    args: Sequence[MetricArg],
    label: Any,
    drill_down: Callable[..., list],
    unit: str = "",
    *,
    order: int = 100,
) -> Metric:
    """Register a metric (from an app's `AppConfig.ready()`); see the module's docstring for the rules."""
    if not _KEY_RE.match(key):
        raise ValueError(f"A metric key is '<app>.<name>' in lower case: {key!r}")
    args = tuple(args)
    for arg in args:
        if not isinstance(arg, MetricArg) or arg.kind not in ARG_KINDS:
            raise ValueError(f"Metric {key!r}: an argument is a MetricArg of a kind in {ARG_KINDS}: {arg!r}")
    names = [arg.name for arg in args]
    if len(set(names)) != len(names):
        raise ValueError(f"Metric {key!r} names an argument twice: {names}")
    metric = Metric(
        key=key, label=label, args=args, compute=compute, drill_down=drill_down, unit=unit, order=order
    )
    return registry.metrics.register(metric)


def metric_list() -> list[Metric]:
    """Every registered metric, by (order, key)."""
    return registry.metrics.items()


def metric_get(key: str) -> Metric:
    metric = registry.metrics.get(key)
    if metric is None:
        raise NotFound(_("No metric %(key)s.") % {"key": key})
    return metric


def _subject_args(metric: Metric) -> list[str]:
    return [a.name for a in metric.args if not a.required and a.kind in _SUBJECT_KINDS]


# --- helpers for the apps' computes -----------------------------------------------------------------------------


def period_range(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The period's dates (both inclusive) as aware datetimes [start 00:00, the day after end 00:00) in the
    portal's time zone: what a metric counting timestamps filters on."""
    zone = timezone.get_default_timezone()
    lower = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    upper = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return lower, upper


def _department_model():
    return get_user_model()._meta.get_field(visibility._structure.person_department).related_model


def _path_lookup(person: str) -> str:
    return f"{person}__{visibility._structure.person_department}__{visibility._structure.department_path}"


def department_paths(department_ids: Iterable[int]) -> dict[int, str]:
    """{department id: its tree path} in one query (an unknown id is left out)."""
    ids = {int(i) for i in department_ids if i is not None}
    if not ids:
        return {}
    path = visibility._structure.department_path
    return dict(_department_model().objects.filter(pk__in=ids).values_list("pk", path))


def _under_any(lookup: str, paths: Iterable[str]) -> Q:
    """Rows whose department path starts with one of `paths` (a path under another one adds nothing)."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return functools.reduce(
        lambda a, b: a | b, (Q(**{f"{lookup}__startswith": p}) for p in kept), Q(pk__in=[])
    )


def subject_filter(args: tuple, *, person: str, person_index: int = 0, department_index: int | None = 1) -> Q:
    """The rows of one argument tuple's subject: `person` (the field naming the person on the row) is the
    tuple's person, or belongs to its department or one under it. For a drill-down (one query for the path)."""
    person_id = args[person_index] if person_index is not None else None
    if person_id is not None:
        return Q(**{person: person_id})
    department_id = args[department_index] if department_index is not None else None
    path = department_paths([department_id]).get(department_id) if department_id is not None else None
    if path is None:
        return Q(pk__in=[])
    return Q(**{f"{_path_lookup(person)}__startswith": path})


def subject_people(
    calls: Iterable[tuple], *, person_index: int = 0, department_index: int | None = 1
) -> dict[tuple, list[int]]:
    """{call: the ids of its subject's people}: the tuple's person, or the active people of its department and
    the departments under it. Two queries whatever the number of tuples (the paths, the people under them),
    for a metric computed per person by a selector that takes many people at once."""
    calls = list(dict.fromkeys(calls))
    departments = {
        c[department_index]
        for c in calls
        if department_index is not None and c[department_index] is not None and c[person_index] is None
    }
    paths = department_paths(departments)
    by_path: dict[str, list[int]] = {}
    if paths:
        lookup = f"{visibility._structure.person_department}__{visibility._structure.department_path}"
        people = get_user_model().objects.filter(_under_any(lookup, paths.values()), is_active=True)
        for pk, path in people.order_by("pk").values_list("pk", lookup):
            by_path.setdefault(path, []).append(pk)
    result = {}
    for call in calls:
        if call[person_index] is not None:
            result[call] = [call[person_index]]
        else:
            path = paths.get(call[department_index]) if department_index is not None else None
            result[call] = (
                []
                if path is None
                else [pk for key, pks in by_path.items() if key.startswith(path) for pk in pks]
            )
    return result


def compute_by_subject(
    calls: Iterable[tuple],
    queryset: QuerySet,
    *,
    person: str,
    parts: Mapping[str, Any],
    value: Callable[[dict], Decimal | None],
    person_index: int | None = 0,
    department_index: int | None = 1,
    group_by: Mapping[int, str] | None = None,
) -> dict[tuple, Decimal | None]:
    """A metric's `compute` over a person or a department (with its sub-departments), in at most three queries
    whatever the number of tuples: the departments' paths, one GROUP BY person for the people and one GROUP BY
    department path for the departments, rolled up the tree in Python.

    `queryset` holds the rows the metric counts (already filtered by the period); `person` names the row's
    person; `parts` are additive aggregates (`Count`, `Sum`, with `filter=`) and `value(parts)` turns their
    sums into the metric's value. `group_by` maps another argument's index to the field it narrows (a
    pipeline): a tuple with `None` there counts every value of it."""
    calls = list(dict.fromkeys(calls))
    group_by = dict(group_by or {})
    extra_fields = list(group_by.values())
    people = {c[person_index] for c in calls if person_index is not None and c[person_index] is not None}
    departments = {
        c[department_index]
        for c in calls
        if department_index is not None
        and c[department_index] is not None
        and (person_index is None or c[person_index] is None)
    }
    paths = department_paths(departments)
    names = list(parts)

    def rows(qs, key_field):
        for row in qs.values(key_field, *extra_fields).order_by().annotate(**parts):
            yield row[key_field], tuple(row[f] for f in extra_fields), [row[n] or 0 for n in names]

    by_person: dict = {}
    if people:
        filtered = queryset.filter(**{f"{person}__in": people})
        for key, extra, sums in rows(filtered, person):
            by_person.setdefault(key, []).append((extra, sums))
    by_path: dict = {}
    if paths:
        lookup = _path_lookup(person)
        for key, extra, sums in rows(queryset.filter(_under_any(lookup, paths.values())), lookup):
            by_path.setdefault(key, []).append((extra, sums))

    def collect(entries, wanted: tuple) -> dict:
        total = [0] * len(names)
        for extra, sums in entries:
            if all(w is None or w == e for w, e in zip(wanted, extra, strict=True)):
                total = [a + b for a, b in zip(total, sums, strict=True)]
        return dict(zip(names, total, strict=True))

    result: dict[tuple, Decimal | None] = {}
    for call in calls:
        wanted = tuple(call[i] for i in group_by)
        person_id = call[person_index] if person_index is not None else None
        if person_id is not None:
            entries = by_person.get(person_id, [])
        else:
            department_id = call[department_index] if department_index is not None else None
            path = paths.get(department_id)
            if path is None:
                result[call] = None
                continue
            entries = [entry for key, found in by_path.items() if key.startswith(path) for entry in found]
        result[call] = value(collect(entries, wanted))
    return result


def ratio(numerator, denominator) -> Decimal | None:
    """numerator / denominator as a Decimal share (0..1), None when there is nothing to divide."""
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


def hours(seconds) -> Decimal:
    """Seconds as hours, to the hundredth."""
    return (Decimal(seconds or 0) / 3600).quantize(Decimal("0.01"))


# --- parsing --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricCall:
    """One distinct metric call of a formula: `args` in the metric's order, each `("var", name)`,
    `("value", number)` or `None` (an optional argument left out); `text` as the formula wrote it."""

    key: str
    args: tuple
    text: str = field(compare=False)

    @property
    def name(self) -> str:
        # The name the evaluator binds the call's value to: a formula cannot write it (it holds a dot and '#').
        return f"{self.key}#{self.args!r}"

    def resolve(self, binding: Mapping[str, Any]) -> tuple | None:
        """The argument tuple for `binding`, or None when a variable it needs is unbound or None."""
        values = []
        for arg in self.args:
            if arg is None:
                values.append(None)
            elif arg[0] == "var":
                value = binding.get(arg[1])
                if value is None:
                    return None
                values.append(int(value) if isinstance(value, str) and value.isdigit() else value)
            else:
                values.append(arg[1])
        return tuple(values)


@dataclass(frozen=True)
class Formula:
    """A parsed, checked formula: its `text`, the distinct metric `calls` it makes, the `variables` it uses."""

    text: str
    calls: tuple[MetricCall, ...]
    variables: frozenset[str]
    tree: ast.AST = field(compare=False, repr=False)


@dataclass(frozen=True)
class FormulaResult:
    """A formula's value for one binding, or `None` and why (`error`, in the reader's language)."""

    value: Decimal | None
    error: str = ""


@dataclass(frozen=True)
class DrillDownSection:
    """One metric call of a formula for one binding: the call, the metric's label and unit, its value and the
    `(label, url)` rows behind it that the reader may see."""

    key: str
    text: str
    label: Any
    unit: str
    value: Decimal | None
    rows: list[tuple[str, str]]


def _refuse(message: str) -> Invalid:
    return Invalid(fields={"formula": [message]})


_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_UNARYOPS = (ast.USub, ast.UAdd, ast.Not)
_CMPOPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _number(node: ast.AST) -> Decimal | None:
    """The value of a number literal (with an optional sign), else None."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign = -1 if isinstance(node.op, ast.USub) else 1
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return sign * Decimal(str(node.value))
    return None


def _bracket_depth(text: str) -> int:
    """How deep the brackets nest (parentheses leave no trace in the tree, and Python's parser would
    refuse more than 200 with a message about its own limit)."""
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def _depth_ok(tree: ast.AST) -> bool:
    """Nesting depth as people read it: a chain `a + b - c` (the left operand of an operator) does not nest
    deeper; the tree itself (a chain counted) stays within `_MAX_TREE_DEPTH`, far from Python's recursion limit."""
    stack = [(tree, 0, 0)]
    while stack:
        node, depth, tree_depth = stack.pop()
        if depth > MAX_DEPTH or tree_depth > _MAX_TREE_DEPTH:
            return False
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.operator | ast.unaryop | ast.cmpop | ast.boolop | ast.expr_context):
                continue
            flat = isinstance(node, ast.BinOp) and child is node.left and isinstance(child, ast.BinOp)
            stack.append((child, depth if flat else depth + 1, tree_depth + 1))
    return True


class _Checker:
    """Walks the tree once: refuses what is not allowed, collects the metric calls and the variables."""

    def __init__(self, text: str, variables: Mapping[str, str]):
        self.text = text
        self.variables = variables
        self.calls: dict[MetricCall, None] = {}
        self.used: set[str] = set()
        self.metric_calls = 0

    def check(self, node: ast.AST) -> ast.AST:
        """Returns the node to evaluate (numbers become Decimals, metric calls become names)."""
        if isinstance(node, ast.Constant):
            if type(node.value) is bool:
                return node
            number = _number(node)
            if number is None:
                raise _refuse(
                    _("Only numbers are allowed here, not %(text)s.") % {"text": self._segment(node)}
                )
            if not number.is_finite():
                raise _refuse(_("The number %(text)s is too large.") % {"text": self._segment(node)})
            return ast.copy_location(ast.Constant(value=number), node)
        if isinstance(node, ast.Name):
            if node.id in ("True", "False"):
                return node
            if node.id not in self.variables:
                if node.id in FUNCTIONS:
                    raise _refuse(_("%(name)s is a function: call it.") % {"name": node.id})
                raise _refuse(
                    _("Unknown name %(name)s. This indicator can use: %(names)s.")
                    % {"name": node.id, "names": ", ".join(sorted(self.variables)) or "—"}
                )
            self.used.add(node.id)
            return node
        if isinstance(node, ast.BinOp):
            if not isinstance(node.op, _BINOPS):
                raise _refuse(_("The operator in %(text)s is not allowed.") % {"text": self._segment(node)})
            if isinstance(node.op, ast.Pow):
                exponent = _number(node.right)
                if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) for n in ast.walk(node.right)):
                    raise _refuse(
                        _("An exponent may not be a power itself: %(text)s.") % {"text": self._segment(node)}
                    )
                if exponent is not None and abs(exponent) > MAX_EXPONENT:
                    raise _refuse(
                        _("An exponent may be at most %(max)s: %(text)s.")
                        % {"max": MAX_EXPONENT, "text": self._segment(node)}
                    )
            node.left = self.check(node.left)
            node.right = self.check(node.right)
            return node
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, _UNARYOPS):
                raise _refuse(_("The operator in %(text)s is not allowed.") % {"text": self._segment(node)})
            node.operand = self.check(node.operand)
            return node
        if isinstance(node, ast.Compare):
            if not all(isinstance(op, _CMPOPS) for op in node.ops):
                raise _refuse(_("The comparison in %(text)s is not allowed.") % {"text": self._segment(node)})
            node.left = self.check(node.left)
            node.comparators = [self.check(c) for c in node.comparators]
            return node
        if isinstance(node, ast.BoolOp):
            node.values = [self.check(v) for v in node.values]
            return node
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Attribute):
            raise _refuse(
                _("%(text)s is not allowed: only metrics can be called with a dot (app.metric(...)).")
                % {"text": self._segment(node)}
            )
        raise _refuse(_("%(text)s is not allowed in a formula.") % {"text": self._segment(node)})

    def _segment(self, node: ast.AST) -> str:
        text = ast.get_source_segment(self.text, node) or type(node).__name__
        return text if len(text) <= 60 else text[:57] + "..."

    def _call(self, node: ast.Call) -> ast.AST:
        func = node.func
        if isinstance(func, ast.Name):
            return self._function(node, func.id)
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and isinstance(func.ctx, ast.Load)
            and not func.attr.startswith("_")
        ):
            return self._metric(node, f"{func.value.id}.{func.attr}")
        raise _refuse(_("%(text)s cannot be called.") % {"text": self._segment(func)})

    def _function(self, node: ast.Call, name: str) -> ast.AST:
        if name not in FUNCTIONS:
            raise _refuse(
                _("Unknown function %(name)s. Use min, max, abs, round, if_ or a metric (app.metric(...)).")
                % {"name": name}
            )
        if node.keywords:
            raise _refuse(_("%(name)s takes its arguments without names.") % {"name": name})
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise _refuse(_("%(text)s is not allowed in a formula.") % {"text": self._segment(node)})
        count = len(node.args)
        arity = {"min": (1, None), "max": (1, None), "abs": (1, 1), "round": (1, 2), "if_": (3, 3)}[name]
        if count < arity[0] or (arity[1] is not None and count > arity[1]):
            expected = {
                "min": _("at least one argument"),
                "max": _("at least one argument"),
                "abs": _("one argument"),
                "round": _("one or two arguments"),
                "if_": _("three arguments: the condition, the value if true, the value if false"),
            }[name]
            raise _refuse(_("%(name)s takes %(expected)s.") % {"name": name, "expected": expected})
        node.args = [self.check(a) for a in node.args]
        return node

    def _metric(self, node: ast.Call, key: str) -> ast.AST:
        metric = registry.metrics.get(key)
        if metric is None:
            raise _refuse(_("Unknown metric %(key)s.") % {"key": key})
        self.metric_calls += 1
        if self.metric_calls > MAX_CALLS:
            raise _refuse(_("A formula may call metrics at most %(max)s times.") % {"max": MAX_CALLS})
        usage = f"{key}({', '.join(a.name for a in metric.args)})"
        filled: dict[str, tuple] = {}

        def value_of(arg_node: ast.AST, arg: MetricArg) -> tuple:
            if isinstance(arg_node, ast.Name) and arg_node.id in self.variables:
                kind = self.variables[arg_node.id]
                if kind in ARG_KINDS and kind != arg.kind and arg.kind != "number":
                    raise _refuse(
                        _("%(name)s cannot be the argument %(arg)s of %(key)s: it is of another kind.")
                        % {"arg": arg.name, "key": key, "name": arg_node.id}
                    )
                self.used.add(arg_node.id)
                return ("var", arg_node.id)
            if isinstance(arg_node, ast.Name):
                self.check(arg_node)  # refuses the unknown name with its message
            number = _number(arg_node)
            if number is None:
                raise _refuse(
                    _("An argument of %(key)s is a variable or a number, not %(text)s.")
                    % {"key": key, "text": self._segment(arg_node)}
                )
            if arg.kind in ID_KINDS:
                if number != number.to_integral_value() or number <= 0:
                    raise _refuse(
                        _("%(arg)s of %(key)s takes an id (a positive whole number), not %(text)s.")
                        % {"arg": arg.name, "key": key, "text": self._segment(arg_node)}
                    )
                return ("value", int(number))
            if not number.is_finite():
                raise _refuse(_("The number %(text)s is too large.") % {"text": self._segment(arg_node)})
            return ("value", number)

        position = 0
        for arg_node in node.args:
            if isinstance(arg_node, ast.Starred):
                raise _refuse(_("%(text)s is not allowed in a formula.") % {"text": self._segment(arg_node)})
            kind = self.variables.get(arg_node.id) if isinstance(arg_node, ast.Name) else None
            target = None
            while position < len(metric.args):
                candidate = metric.args[position]
                position += 1
                if candidate.name in filled:
                    continue
                if kind in ARG_KINDS and kind != candidate.kind and candidate.kind != "number":
                    continue  # a variable skips to the next argument of its own kind
                target = candidate
                break
            if target is None:
                raise _refuse(
                    _("Too many arguments, or an argument of the wrong kind, for %(usage)s: %(text)s.")
                    % {"usage": usage, "text": self._segment(node)}
                )
            filled[target.name] = value_of(arg_node, target)
        by_name = {a.name: a for a in metric.args}
        for keyword in node.keywords:
            if keyword.arg is None or keyword.arg not in by_name:
                raise _refuse(
                    _("%(key)s has no argument %(name)s; it takes %(usage)s.")
                    % {"key": key, "name": keyword.arg or "**", "usage": usage}
                )
            if keyword.arg in filled:
                raise _refuse(_("%(name)s of %(key)s is given twice.") % {"name": keyword.arg, "key": key})
            filled[keyword.arg] = value_of(keyword.value, by_name[keyword.arg])
        missing = [a.name for a in metric.args if a.required and a.name not in filled]
        if missing:
            raise _refuse(
                _("%(key)s needs %(names)s; it takes %(usage)s.")
                % {"key": key, "names": ", ".join(missing), "usage": usage}
            )
        subjects = _subject_args(metric)
        if subjects and sum(1 for s in subjects if s in filled) != 1:
            raise _refuse(
                _("%(key)s is counted for exactly one of %(names)s.")
                % {"key": key, "names": ", ".join(subjects)}
            )
        call = MetricCall(
            key=key,
            args=tuple(filled.get(a.name) for a in metric.args),
            text=ast.get_source_segment(self.text, node),
        )
        self.calls.setdefault(call, None)
        return ast.copy_location(ast.Name(id=call.name, ctx=ast.Load()), node)


def formula_parse(text: str, *, variables: Iterable[str] | Mapping[str, str]) -> Formula:
    """Parse and check a formula; `variables` are the names the indicator binds (a mapping gives their kinds).
    Raises `Invalid` with fields {"formula": [message]}; nothing of the text is ever executed."""
    if not isinstance(variables, Mapping):
        variables = {name: name for name in variables}
    text = (text or "").strip()
    if not text:
        raise _refuse(_("Enter a formula."))
    if len(text) > MAX_LENGTH:
        raise _refuse(_("A formula may be at most %(max)s characters long.") % {"max": MAX_LENGTH})
    if _bracket_depth(text) > MAX_DEPTH:
        raise _refuse(_("The formula is nested too deeply (at most %(max)s levels).") % {"max": MAX_DEPTH})
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise _refuse(
            _("The formula is not well formed (at character %(offset)s).") % {"offset": exc.offset or 1}
        ) from None
    except (ValueError, RecursionError, MemoryError):
        raise _refuse(_("The formula is nested too deeply.")) from None
    if not _depth_ok(tree.body):
        raise _refuse(_("The formula is nested too deeply (at most %(max)s levels).") % {"max": MAX_DEPTH})
    checker = _Checker(text, variables)
    body = checker.check(tree.body)
    zero = _constant_zero_divisor(body)
    if zero is not None:
        raise _refuse(_("Division by zero: %(text)s.") % {"text": checker._segment(zero)})
    return Formula(text=text, calls=tuple(checker.calls), variables=frozenset(checker.used), tree=body)


# --- evaluation -----------------------------------------------------------------------------------------------


class _DivisionByZero(ArithmeticError):
    pass


class _NoValue(Exception):
    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


class _Missing:
    """A metric call without a value: any use of it in arithmetic fails with the call's text."""

    def __init__(self, text: str):
        self.text = text

    def _fail(self, *args):
        raise _NoValue(self.text)

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _fail
    __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = __round__ = __bool__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _fail
    __hash__ = None


def _dec(value: Any) -> Any:
    if isinstance(value, _Missing):
        raise _NoValue(value.text)
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, int | float):
        return Decimal(str(value))
    return value


def _div(a, b):
    a, b = _dec(a), _dec(b)
    if b == 0:
        raise _DivisionByZero
    return a / b


def _floordiv(a, b):
    a, b = _dec(a), _dec(b)
    if b == 0:
        raise _DivisionByZero
    return a // b


def _mod(a, b):
    a, b = _dec(a), _dec(b)
    if b == 0:
        raise _DivisionByZero
    return a % b


def _pow(a, b):
    a, b = _dec(a), _dec(b)
    if abs(b) > MAX_EXPONENT:
        raise OverflowError(_("an exponent larger than %(max)s") % {"max": MAX_EXPONENT})
    if a == 0 and b < 0:
        raise _DivisionByZero
    return a**b


def _binary(func):
    return lambda a, b: func(_dec(a), _dec(b))


def _min(*values):
    return min(_dec(v) for v in values)


def _max(*values):
    return max(_dec(v) for v in values)


def _abs(value):
    return abs(_dec(value))


def _round(value, digits=0):
    digits = int(_dec(digits))
    if abs(digits) > MAX_ROUND_DIGITS:
        raise OverflowError(_("rounding to more than %(max)s digits") % {"max": MAX_ROUND_DIGITS})
    return round(_dec(value), digits)


_OPERATORS = {
    ast.Add: _binary(lambda a, b: a + b),
    ast.Sub: _binary(lambda a, b: a - b),
    ast.Mult: _binary(lambda a, b: a * b),
    ast.Div: _div,
    ast.FloorDiv: _floordiv,
    ast.Mod: _mod,
    ast.Pow: _pow,
    ast.USub: lambda a: -_dec(a),
    ast.UAdd: lambda a: +_dec(a),
    ast.Not: lambda a: not _dec(a),
    ast.Eq: _binary(lambda a, b: a == b),
    ast.NotEq: _binary(lambda a, b: a != b),
    ast.Lt: _binary(lambda a, b: a < b),
    ast.LtE: _binary(lambda a, b: a <= b),
    ast.Gt: _binary(lambda a, b: a > b),
    ast.GtE: _binary(lambda a, b: a >= b),
}


class _Evaluator(SimpleEval):
    """simpleeval with the formula's operators and functions, where `if_` evaluates one branch only."""

    def __init__(self, names: dict):
        super().__init__(
            operators=_OPERATORS,
            functions={"min": _min, "max": _max, "abs": _abs, "round": _round},
            names={"True": True, "False": False, **names},
        )

    def _eval_call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id == "if_":
            condition, then, otherwise = node.args
            return self._eval(then) if _dec(self._eval(condition)) else self._eval(otherwise)
        return super()._eval_call(node)


def _evaluate(formula: Formula, names: dict) -> FormulaResult:
    try:
        with decimal.localcontext(_CONTEXT):
            value = _Evaluator(names).eval(formula.text, previously_parsed=formula.tree)
            value = _dec(value)
            if not isinstance(value, Decimal):
                return FormulaResult(None, _("The formula does not give a number."))
            value = +value  # rounded to the context's precision
    except _DivisionByZero:
        return FormulaResult(None, _("division by zero"))
    except _NoValue as exc:
        return FormulaResult(None, _("no value for %(call)s") % {"call": exc.text})
    except OverflowError as exc:
        return FormulaResult(None, _("the result is too large (%(cause)s)") % {"cause": exc})
    except (ArithmeticError, ValueError, TypeError):
        return FormulaResult(None, _("the result is too large or undefined"))
    if not value.is_finite() or abs(value) >= MAX_RESULT:
        return FormulaResult(None, _("the result is too large or undefined"))
    return FormulaResult(value)


# A result's error is stored (indicator values, KPI lines) in the source language, whoever computed it (a beat job,
# a person of either language), and translated when it is shown: `formula_error_text`.
RESULT_ERRORS = (
    gettext_noop("The formula does not give a number."),
    gettext_noop("division by zero"),
    gettext_noop("no value for %(call)s"),
    gettext_noop("no value for %(names)s"),
    gettext_noop("the result is too large (%(cause)s)"),
    gettext_noop("the result is too large or undefined"),
    gettext_noop("an exponent larger than %(max)s"),
    gettext_noop("rounding to more than %(max)s digits"),
    gettext_noop("no value"),
)


def _error_pattern(msgid: str) -> re.Pattern:
    parts = re.split(r"%\((\w+)\)s", msgid)
    return re.compile(
        "^"
        + "".join(re.escape(part) if n % 2 == 0 else f"(?P<{part}>.+)" for n, part in enumerate(parts))
        + "$"
    )


_ERROR_PATTERNS = [(msgid, _error_pattern(msgid)) for msgid in RESULT_ERRORS]


def formula_error_text(stored: str) -> str:
    """A stored result error in the active language (text it does not know is given back as it is)."""
    for msgid, pattern in _ERROR_PATTERNS:
        match = pattern.match(stored or "")
        if match:
            args = {k: formula_error_text(v) if k == "cause" else v for k, v in match.groupdict().items()}
            return _(msgid) % args if args else _(msgid)
    return stored


def _constant_zero_divisor(tree: ast.AST) -> ast.AST | None:
    """The first division (or remainder) of `tree` by a divisor that is zero whatever the data: it names neither a
    variable nor a metric (checked metric calls are names by now) and evaluates to 0."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div | ast.FloorDiv | ast.Mod)):
            continue
        called = {id(n.func) for n in ast.walk(node.right) if isinstance(n, ast.Call)}
        if any(
            isinstance(n, ast.Name) and n.id not in ("True", "False") and id(n) not in called
            for n in ast.walk(node.right)
        ):
            continue
        try:
            with decimal.localcontext(_CONTEXT):
                divisor = _dec(_Evaluator({}).eval("", previously_parsed=node.right))
        except (ArithmeticError, ValueError, TypeError, _NoValue):
            continue
        if isinstance(divisor, Decimal) and divisor == 0:
            return node
    return None


def _as_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _compute(formula: Formula, bindings: Sequence[Mapping[str, Any]], start, end) -> dict:
    """{(key, args_tuple): value}: each metric computed once, for every argument tuple the bindings need."""
    wanted: dict[str, dict[tuple, None]] = {}
    for call in formula.calls:
        tuples = wanted.setdefault(call.key, {})
        for binding in bindings:
            args = call.resolve(binding)
            if args is not None:
                tuples.setdefault(args, None)
    values: dict[tuple[str, tuple], Decimal | None] = {}
    for key, tuples in wanted.items():
        if not tuples:
            continue
        computed = metric_get(key).compute(list(tuples), start, end)
        for args in tuples:
            values[key, args] = _as_decimal(computed.get(args))
    return values


def formula_evaluate_many(
    formula: Formula, bindings: Sequence[Mapping[str, Any]], start, end
) -> list[FormulaResult]:
    """The formula's value for each binding, in order; each metric's `compute` runs once for all of them."""
    bindings = list(bindings)
    values = _compute(formula, bindings, start, end)
    results = []
    for binding in bindings:
        unbound = sorted(name for name in formula.variables if binding.get(name) is None)
        if unbound:
            results.append(FormulaResult(None, _("no value for %(names)s") % {"names": ", ".join(unbound)}))
            continue
        names: dict[str, Any] = {name: _as_decimal(binding[name]) for name in formula.variables}
        for call in formula.calls:
            value = values.get((call.key, call.resolve(binding)))
            names[call.name] = _Missing(call.text) if value is None else value
        results.append(_evaluate(formula, names))
    return results


def formula_drill_down(
    formula: Formula, binding: Mapping[str, Any], start, end, user
) -> list[DrillDownSection]:
    """Per metric call of the formula (in the formula's order): its value for `binding` and the records behind
    it that `user` may see."""
    values = _compute(formula, [binding], start, end)
    sections = []
    for call in formula.calls:
        metric = metric_get(call.key)
        args = call.resolve(binding)
        rows = [] if args is None else list(metric.drill_down(args, start, end, user))
        sections.append(
            DrillDownSection(
                key=call.key,
                text=call.text,
                label=metric.label,
                unit=metric.unit,
                value=None if args is None else values.get((call.key, args)),
                rows=rows,
            )
        )
    return sections
