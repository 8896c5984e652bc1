"""The shape of forms, routes and rule conditions (portal.workflows.definitions)."""

from __future__ import annotations

import pytest

from portal.core.errors import Invalid
from portal.workflows.definitions import (
    Condition,
    condition_holds,
    parse_fields,
    parse_steps,
    period_of,
)

FIELDS = [
    {"key": "amount", "label": "Amount", "type": "money", "required": True, "purpose": "amount"},
    {"key": "dates", "label": "Dates", "type": "daterange", "purpose": "period"},
    {"key": "kind", "label": "Kind", "type": "choice", "choices": ["a", "b"]},
]


def test_fields_parse_and_round_trip():
    fields = parse_fields(FIELDS)
    assert [f.key for f in fields] == ["amount", "dates", "kind"]
    assert [f.as_json() for f in fields] == [
        {"key": "amount", "label": "Amount", "type": "money", "required": True, "purpose": "amount"},
        {"key": "dates", "label": "Dates", "type": "daterange", "required": False, "purpose": "period"},
        {"key": "kind", "label": "Kind", "type": "choice", "required": False, "choices": ["a", "b"]},
    ]


@pytest.mark.parametrize(
    "bad",
    [
        [{"key": "1x", "label": "X", "type": "text"}],
        [{"key": "x", "label": "", "type": "text"}],
        [{"key": "x", "label": "X", "type": "nope"}],
        [{"key": "x", "label": "X", "type": "choice"}],
        [{"key": "x", "label": "X", "type": "text"}, {"key": "x", "label": "Y", "type": "text"}],
        [{"key": "x", "label": "X", "type": "text", "purpose": "amount"}],
    ],
)
def test_bad_fields_are_refused_with_a_message(bad):
    with pytest.raises(Invalid) as error:
        parse_fields(bad)
    assert error.value.fields["fields"]


def test_steps_need_a_rule_and_only_the_last_may_inform():
    fields = parse_fields(FIELDS)
    steps = parse_steps(
        [
            {"key": "boss", "name": "Boss", "rule": {"kind": "supervisor"}, "deadline": {"workdays": 2}},
            {
                "key": "cfo",
                "name": "CFO",
                "rule": {"kind": "role", "role": "cfo"},
                "condition": {"field": "amount", "op": "gt", "value": "100000"},
            },
            {
                "key": "acc",
                "name": "Accountant",
                "kind": "info",
                "rule": {"kind": "role", "role": "accountant"},
            },
        ],
        fields,
    )
    assert [s.key for s in steps] == ["boss", "cfo", "acc"]
    assert steps[0].deadline_workdays == 2 and steps[2].actions == ()
    with pytest.raises(Invalid):
        parse_steps(
            [
                {"name": "I", "kind": "info", "rule": {"kind": "supervisor"}},
                {"name": "B", "rule": {"kind": "supervisor"}},
            ],
            fields,
        )
    with pytest.raises(Invalid):
        parse_steps([{"name": "B", "rule": {"kind": "person"}}], fields)
    with pytest.raises(Invalid):
        parse_steps([], fields)


def test_conditions_compare_money_by_amount_and_text_without_case():
    fields = parse_fields(FIELDS)
    big = Condition(field="amount", op="gt", value="100000")
    assert condition_holds(big, {"amount": {"amount": "150000.00", "currency": "RUB"}}, fields)
    assert not condition_holds(big, {"amount": {"amount": "100000", "currency": "RUB"}}, fields)
    assert not condition_holds(big, {}, fields)
    assert condition_holds(Condition(field="kind", op="eq", value="A"), {"kind": "a"}, fields)
    assert condition_holds(Condition(field="kind", op="false"), {}, fields)
    assert condition_holds(None, {}, fields)


def test_period_of_reads_the_period_field():
    fields = parse_fields(FIELDS)
    start, end = period_of({"dates": {"start": "2026-12-24", "end": "2027-01-06"}}, fields)
    assert (start.isoformat(), end.isoformat()) == ("2026-12-24", "2027-01-06")
    assert period_of({"dates": {"start": "bad"}}, fields) is None
