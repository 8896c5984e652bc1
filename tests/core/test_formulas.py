"""Formulas over KPI metrics (portal.core.metrics): parsing, refusals of hostile input, batched evaluation."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from portal.core.errors import Invalid
from portal.core.metrics import (
    MAX_CALLS,
    SUBJECT_ARGS,
    formula_drill_down,
    formula_evaluate_many,
    formula_parse,
)
from portal.core.registry import Metric, MetricArg, registry

START = datetime.date(2026, 11, 1)
END = datetime.date(2026, 11, 30)


class FakeMetric:
    """A metric whose values are given by a dict; remembers each compute call."""

    def __init__(self, key, args, values=None, default=None, rows=None):
        self.key = key
        self.args = tuple(args)
        self.values = values or {}
        self.default = default
        self.rows = rows or {}
        self.calls: list[list[tuple]] = []

    def compute(self, tuples, start, end):
        assert (start, end) == (START, END)
        self.calls.append(list(tuples))
        return {t: self.values.get(t, self.default) for t in tuples}

    def drill_down(self, args, start, end, user):
        return self.rows.get(args, [])

    def item(self):
        return Metric(
            key=self.key, label=self.key, args=self.args, compute=self.compute, drill_down=self.drill_down
        )


@pytest.fixture
def metrics():
    closed = FakeMetric(
        "t.closed",
        SUBJECT_ARGS,
        values={(1, None): Decimal(4), (2, None): Decimal(0), (None, 7): Decimal(10)},
        rows={(1, None): [("Task 1", "/t/1/"), ("Task 2", "/t/2/")]},
    )
    share = FakeMetric("t.share", SUBJECT_ARGS, values={(1, None): Decimal("0.75"), (2, None): None})
    amount = FakeMetric(
        "c.amount",
        (MetricArg("pipeline", "pipeline", required=False), MetricArg("person", "person")),
        values={(3, 1): Decimal("1000.50"), (None, 1): Decimal(5000)},
    )
    with registry.metrics.override(closed.item(), share.item(), amount.item()):
        yield {"closed": closed, "share": share, "amount": amount}


def evaluate(text, bindings, variables=("person", "department")):
    return formula_evaluate_many(formula_parse(text, variables=variables), bindings, START, END)


def refused(text, variables=("person", "department")) -> str:
    with pytest.raises(Invalid) as exc:
        formula_parse(text, variables=variables)
    assert list(exc.value.fields) == ["formula"]
    return exc.value.fields["formula"][0]


# --- parsing ---------------------------------------------------------------------------------------------------


def test_parse_collects_calls_and_variables(metrics):
    formula = formula_parse(
        "t.closed(person) * 100 + c.amount(pipeline=3, person=person) - t.closed(person=person)",
        variables=["person", "department"],
    )
    # the same call written twice is one call
    assert [(c.key, c.args) for c in formula.calls] == [
        ("t.closed", (("var", "person"), None)),
        ("c.amount", (("value", 3), ("var", "person"))),
    ]
    assert formula.variables == {"person"}
    assert formula.text.startswith("t.closed(person)")


def test_a_variable_binds_to_the_argument_of_its_kind(metrics):
    department = formula_parse("t.closed(department)", variables=["department"])
    assert department.calls[0].args == (None, ("var", "department"))
    # a mapping gives a variable its kind
    manager = formula_parse("c.amount(3, manager)", variables={"manager": "person"})
    assert manager.calls[0].args == (("value", 3), ("var", "manager"))
    # the optional pipeline may be left out
    assert formula_parse("c.amount(person)", variables=["person"]).calls[0].args == (None, ("var", "person"))


@pytest.mark.parametrize(
    "text, message",
    [
        ("t.nope(person)", "Unknown metric t.nope"),
        ("t.closed()", "exactly one of person, department"),
        ("t.closed(person, department)", "exactly one of person, department"),
        ("c.amount(pipeline=3)", "c.amount needs person"),
        ("c.amount(person, colour=1)", "has no argument colour"),
        ("t.closed(person=person, person=person)", "given twice"),
        ("t.closed(department=person)", "person cannot be the argument department of t.closed"),
        ("c.amount(2.5, person)", "positive whole number"),
        ("c.amount(person + 1)", "a variable or a number"),
        ("t.closed(someone)", "Unknown name someone"),
        ("budget * 2", "Unknown name budget"),
        ("person +", "not well formed"),
        ("", "Enter a formula"),
        ("min()", "min takes at least one argument"),
        ("if_(1, 2)", "if_ takes three arguments"),
        ("round(1, 2, 3)", "round takes one or two arguments"),
        ("round(x=1)", "without names"),
        ("sqrt(4)", "Unknown function sqrt"),
        ("min", "min is a function"),
        ("1/0", "Division by zero: 1/0"),
        ("t.closed(person) / (2 - 2)", "Division by zero"),
        ("t.closed(person) % max(0, 0)", "Division by zero"),
        ("1 // if_(True, 0, 1)", "Division by zero"),
    ],
)
def test_parse_refuses_with_a_clear_message(metrics, text, message):
    assert message in refused(text)


@pytest.mark.parametrize(
    "text",
    [
        "().__class__",
        "().__class__.__bases__[0].__subclasses__()",
        "__import__('os').system('touch /tmp/pwned')",
        "person.__class__",
        "t.closed(person).real",
        "t.closed.__globals__",
        "t._secret(person)",
        "(lambda: 1)()",
        "lambda: 1",
        "[x for x in (1, 2)]",
        "{x: 1 for x in (1,)}",
        "sum(x for x in (1, 2))",
        "'abc'",
        "b'abc'",
        "f'{person}'",
        "(1, 2)",
        "[1, 2]",
        "{1: 2}",
        "person[0]",
        "1 if person else 2",
        "1 << 80",
        "1 | 2",
        "~1",
        "1 in (1, 2)",
        "person is None",
        "(x := 1)",
        "min(*(1, 2))",
        "t.closed(**{'person': 1})",
        "1j",
        "eval('1')",
        "open('/etc/passwd')",
        "getattr(person, 'x')",
        "Ellipsis",
        "...",
        "None",
    ],
)
def test_hostile_input_is_refused_and_never_run(metrics, text, tmp_path):
    refused(text)
    for metric in metrics.values():
        assert metric.calls == []


def test_huge_exponents_are_refused():
    assert "at most 100" in refused("2 ** 1000", variables=[])
    assert "at most 100" in refused("2 ** -101", variables=[])
    assert "may not be a power" in refused("9 ** 9 ** 9", variables=[])
    assert "may not be a power" in refused("2 ** (3 ** 2)", variables=[])


def test_an_exponent_computed_at_run_time_is_capped(metrics):
    # the exponent is a metric's value, unknown when parsing: the evaluation refuses it, quickly
    metrics["closed"].values[(3, None)] = Decimal(10**9)
    [result] = evaluate("2 ** t.closed(person)", [{"person": 3}])
    assert result.value is None
    assert "exponent" in result.error
    # powers of powers overflow into an error, not a hang
    [result] = formula_evaluate_many(
        formula_parse("((10 ** 100) ** 100) ** 100", variables=[]), [{}], START, END
    )
    assert result.value is None and result.error


def test_deep_nesting_is_refused():
    assert "nested too deeply" in refused("(" * 21 + "1" + ")" * 21, variables=[])
    assert "nested too deeply" in refused("-" * 25 + "1", variables=[])
    assert "nested too deeply" in refused("min(" * 30 + "1" + ")" * 30, variables=[])
    assert "nested too deeply" in refused("(" * 500 + "1" + ")" * 500, variables=[])
    assert "nested too deeply" in refused("1" + "+1" * 500, variables=[])
    # twenty levels, and a long flat chain, are fine
    formula_parse("(" * 19 + "1" + ")" * 19, variables=[])
    formula_parse("1" + " + 1" * 60, variables=[])


def test_long_input_is_refused():
    assert "at most 2000 characters" in refused("1" + " + 1" * 700, variables=[])
    formula_parse("1" + "+1" * 99, variables=[])


def test_metric_calls_are_capped(metrics):
    text = " + ".join(f"c.amount({n}, person)" for n in range(1, MAX_CALLS + 2))
    assert f"at most {MAX_CALLS} times" in refused(text)
    formula_parse(" + ".join(f"c.amount({n}, person)" for n in range(1, MAX_CALLS + 1)), variables=["person"])


# --- evaluation -----------------------------------------------------------------------------------------------


def test_evaluation_is_decimal_arithmetic(metrics):
    [result] = evaluate("t.share(person) * 100 + 0.1 + 0.2", [{"person": 1}])
    assert result.value == Decimal("75.3") and result.error == ""
    assert isinstance(result.value, Decimal)


@pytest.mark.parametrize(
    "text, value",
    [
        ("max(0, c.amount(3, person) - 500) / 10", Decimal("50.05")),
        ("min(t.closed(person), 3, 10)", Decimal(3)),
        ("abs(0 - t.closed(person))", Decimal(4)),
        ("round(c.amount(3, person) / 3, 2)", Decimal("333.50")),
        ("round(2.5)", Decimal(2)),
        ("if_(t.share(person) < 0.8, 0, 1)", Decimal(0)),
        ("if_(t.share(person) >= 0.75 and t.closed(person) > 3, 10, 20)", Decimal(10)),
        ("not t.closed(person)", Decimal(0)),
        ("t.closed(person) // 3 + t.closed(person) % 3", Decimal(2)),
        ("t.closed(person) ** 2 - -1", Decimal(17)),
        ("c.amount(person) / 1000", Decimal(5)),
        ("t.closed(person) == 4", Decimal(1)),
        ("True + 1", Decimal(2)),
    ],
)
def test_evaluation_of_each_construct(metrics, text, value):
    [result] = evaluate(text, [{"person": 1}])
    assert result.error == ""
    assert result.value == value


def test_a_divisor_that_depends_on_the_data_is_accepted(metrics):
    for text in ("1 / t.closed(person)", "1 / if_(t.closed(person), 0, 1)", "2 % min(t.closed(person), 0)"):
        assert formula_parse(text, variables=("person",)).text == text


def test_division_by_zero_is_a_result_not_an_exception(metrics):
    results = evaluate("100 / t.closed(person)", [{"person": 1}, {"person": 2}])
    assert results[0].value == Decimal(25)
    assert (results[1].value, results[1].error) == (None, "division by zero")
    for text in ("1 // t.closed(person)", "1 % t.closed(person)", "t.closed(person) ** -1"):
        [result] = evaluate(text, [{"person": 2}])
        assert (result.value, result.error) == (None, "division by zero")


def test_a_metric_without_a_value_names_the_call(metrics):
    [result] = evaluate("t.share(person) * 100", [{"person": 2}])
    assert result.value is None
    assert "t.share(person)" in result.error
    # a branch not taken does not need its value
    [result] = evaluate("if_(t.closed(person) > 100, t.share(person), 7)", [{"person": 2}])
    assert (result.value, result.error) == (Decimal(7), "")


def test_an_unbound_variable_gives_no_value(metrics):
    [result] = evaluate("t.closed(person)", [{"department": 7}])
    assert result.value is None and "person" in result.error


def test_evaluation_calls_each_metric_once_for_every_binding(metrics):
    bindings = [{"person": p, "department": 7} for p in (1, 2, 3, 1)]
    results = evaluate(
        "t.closed(person) + t.closed(department) + c.amount(3, person) + c.amount(person) + t.closed(person=person)",
        bindings,
    )
    closed, amount = metrics["closed"], metrics["amount"]
    assert len(closed.calls) == 1 and len(amount.calls) == 1
    # each distinct argument tuple once, whatever the number of bindings and calls needing it
    assert sorted(closed.calls[0], key=repr) == sorted([(1, None), (2, None), (3, None), (None, 7)], key=repr)
    assert sorted(amount.calls[0], key=repr) == sorted(
        [(3, 1), (3, 2), (3, 3), (None, 1), (None, 2), (None, 3)], key=repr
    )
    assert results[0].value == Decimal(4) + 10 + Decimal("1000.50") + 5000 + 4
    assert results[0] == results[3]
    assert results[1].value is None  # c.amount(3, 2) has no value


def test_bindings_keep_their_order(metrics):
    results = evaluate("t.closed(person)", [{"person": 2}, {"person": 1}, {"person": 2}])
    assert [r.value for r in results] == [Decimal(0), Decimal(4), Decimal(0)]


def test_a_formula_without_metrics_computes_nothing(metrics):
    results = evaluate("person * 2", [{"person": 3}, {"person": 4}])
    assert [r.value for r in results] == [Decimal(6), Decimal(8)]
    assert all(m.calls == [] for m in metrics.values())


def test_drill_down_gives_each_call_with_its_value_and_rows(metrics):
    formula = formula_parse("t.closed(person) / t.share(person)", variables=["person"])
    sections = formula_drill_down(formula, {"person": 1}, START, END, user=None)
    assert [(s.key, s.text, s.value) for s in sections] == [
        ("t.closed", "t.closed(person)", Decimal(4)),
        ("t.share", "t.share(person)", Decimal("0.75")),
    ]
    assert sections[0].rows == [("Task 1", "/t/1/"), ("Task 2", "/t/2/")]
    assert sections[1].rows == []


def test_a_payload_with_a_side_effect_is_never_run(metrics, tmp_path):
    target = tmp_path / "pwned"
    for text in (
        f"open({str(target)!r}, 'w').write('x')",
        f"__import__('pathlib').Path({str(target)!r}).touch()",
        f"t.closed(person) + open({str(target)!r}, 'w').write('x')",
        "[c for c in ().__class__.__base__.__subclasses__()]",
    ):
        refused(text)
    assert not target.exists()


def test_a_bare_metric_without_a_value(metrics):
    [result] = evaluate("t.share(person)", [{"person": 2}])
    assert (result.value, result.error) == (None, "no value for t.share(person)")
    [result] = evaluate("t.share(person) > 0 or 1", [{"person": 2}])
    assert result.value is None


def test_a_variable_of_another_kind_is_refused_by_keyword_and_skips_by_position(metrics):
    variables = {"manager": "person", "unit": "department"}
    assert "cannot be the argument" in refused("c.amount(person=unit)", variables=variables)
    # a department cannot fill the person the metric needs
    assert "Too many arguments" in refused("c.amount(unit)", variables=variables)
    assert formula_parse("t.closed(unit)", variables=variables).calls[0].args == (None, ("var", "unit"))


def test_parsing_gives_the_same_formula_for_the_same_text(metrics):
    first = formula_parse("t.closed(person) * 2", variables=["person"])
    again = formula_parse("  t.closed(person) * 2 ", variables=["person"])
    assert first == again
    assert first.text == "t.closed(person) * 2"


def test_errors_are_translated(metrics):
    from django.utils import translation

    with translation.override("ru"):
        message = refused("t.nope(person)")
        [result] = evaluate("1 / t.closed(person)", [{"person": 2}])
    assert message == "Неизвестная метрика t.nope."
    assert result.error == "деление на ноль"


def test_ids_given_as_text_bind_like_numbers(metrics):
    results = evaluate("t.closed(person)", [{"person": "1"}, {"person": 1}])
    assert [r.value for r in results] == [Decimal(4), Decimal(4)]
    assert metrics["closed"].calls == [[(1, None)]]


def test_a_result_too_large_to_store_is_an_error():
    [result] = formula_evaluate_many(formula_parse("10 ** 14", variables=[]), [{}], START, END)
    assert result.value is None and result.error
    [result] = formula_evaluate_many(formula_parse("-(10 ** 14) + 1", variables=[]), [{}], START, END)
    assert result.value == -(Decimal(10) ** 14) + 1


def test_a_stored_error_is_shown_in_the_readers_language():
    from django.utils import translation

    from portal.core.metrics import formula_error_text

    stored = "the result is too large (an exponent larger than 5)"
    with translation.override("ru"):
        assert formula_error_text("division by zero") == "деление на ноль"
        assert formula_error_text("no value for t.closed(person)").endswith("t.closed(person)")
        assert formula_error_text("no value for t.closed(person)") != "no value for t.closed(person)"
        assert "5" in formula_error_text(stored) and "exponent" not in formula_error_text(stored)
        assert formula_error_text("something else") == "something else"
    assert formula_error_text(stored) == stored
