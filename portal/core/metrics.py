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
"""

from __future__ import annotations
