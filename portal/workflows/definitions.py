"""The shape of a template version's form and route, and of an automation rule's conditions and actions: the one
place that knows the JSON kept in `TemplateVersion.fields/steps` and `AutomationRule.conditions/actions`.

A form field::

    {"key": "amount", "label": "Amount", "type": "money", "required": true, "help": "",
     "choices": [],            # for "choice": the options
     "purpose": "amount"}      # optional: what the process copies it to (see PURPOSES)

A route step::

    {"key": "cfo", "name": "Financial director", "kind": "approval" | "info",
     "rule": {"kind": "supervisor" | "levels_up" | "department_head" | "person" | "people" | "group" | "role",
              "levels": 2, "department": 5, "person": 7, "people": [7, 9], "group": 3, "role": "cfo"},
     "mode": "any" | "all",
     "condition": {"field": "amount", "op": "gt", "value": "100000"} | null,
     "deadline": {"hours": 8} | {"workdays": 2} | null,
     "actions": ["approve", "reject", "return", "comment"]}

The values a process keeps in `Process.data` (by field key), as the form cleans them::

    text, longtext, choice: str          number: "12.5" (a decimal as text)
    money: {"amount": "100.00", "currency": "USD"}
    date: "2026-12-24"                    daterange: {"start": "2026-12-24", "end": "2027-01-06"}
    person, department, absence_type: an id (int)
    file: [ProcessFile ids of the field's current version]
    boolean: true / false
    lines: [{"date": "...", "description": "...", "amount": "12.00", "currency": "USD", "receipt": id | null}]
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from portal.core.errors import Invalid

from .choices import ApproverRule, ConditionOp, FieldType, StepAction, StepKind, StepMode

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
MAX_FIELDS = 40
MAX_STEPS = 20
MAX_CHOICES = 100

# What a field may be copied to on the process (for lists, the payment register, the leave's absence).
PURPOSES = {
    "amount": (FieldType.MONEY,),
    "counterparty": (FieldType.TEXT,),
    "due_date": (FieldType.DATE,),
    "period": (FieldType.DATERANGE,),
    "absence_type": (FieldType.ABSENCE_TYPE,),
    "revised_file": (FieldType.FILE,),  # a new version of this file re-runs the approval (contracts)
}

# Fields a condition can compare: numbers and money by value, the rest by text.
NUMERIC_TYPES = (FieldType.NUMBER, FieldType.MONEY)


@dataclass(frozen=True)
class FieldDef:
    key: str
    label: str
    type: str
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    purpose: str = ""

    def as_json(self) -> dict:
        out = {"key": self.key, "label": self.label, "type": self.type, "required": self.required}
        if self.help:
            out["help"] = self.help
        if self.choices:
            out["choices"] = list(self.choices)
        if self.purpose:
            out["purpose"] = self.purpose
        return out


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: str = ""

    def as_json(self) -> dict:
        return {"field": self.field, "op": self.op, "value": self.value}


@dataclass(frozen=True)
class RuleDef:
    kind: str
    levels: int = 1
    department: int | None = None
    person: int | None = None
    people: tuple[int, ...] = ()
    group: int | None = None
    role: str = ""

    def as_json(self) -> dict:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == ApproverRule.LEVELS_UP:
            out["levels"] = self.levels
        elif self.kind == ApproverRule.DEPARTMENT_HEAD:
            out["department"] = self.department
        elif self.kind == ApproverRule.PERSON:
            out["person"] = self.person
        elif self.kind == ApproverRule.PEOPLE:
            out["people"] = list(self.people)
        elif self.kind == ApproverRule.GROUP:
            out["group"] = self.group
        elif self.kind == ApproverRule.ROLE:
            out["role"] = self.role
        return out


@dataclass(frozen=True)
class StepDef:
    key: str
    name: str
    rule: RuleDef
    kind: str = StepKind.APPROVAL
    mode: str = StepMode.ANY
    condition: Condition | None = None
    deadline_hours: int = 0
    deadline_workdays: int = 0
    actions: tuple[str, ...] = (StepAction.APPROVE, StepAction.REJECT, StepAction.RETURN, StepAction.COMMENT)

    def as_json(self) -> dict:
        deadline = None
        if self.deadline_hours:
            deadline = {"hours": self.deadline_hours}
        elif self.deadline_workdays:
            deadline = {"workdays": self.deadline_workdays}
        return {
            "key": self.key,
            "name": self.name,
            "kind": self.kind,
            "rule": self.rule.as_json(),
            "mode": self.mode,
            "condition": self.condition.as_json() if self.condition else None,
            "deadline": deadline,
            "actions": list(self.actions),
        }


@dataclass
class _Errors:
    items: dict[str, list[str]] = field(default_factory=dict)

    def add(self, where: str, message: str) -> None:
        self.items.setdefault(where, []).append(message)

    def raise_if_any(self) -> None:
        if self.items:
            raise Invalid(fields=self.items)


def _int(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_fields(raw) -> list[FieldDef]:
    """The form fields of `raw` (a JSON list), checked; `Invalid` names every problem (keyed "fields")."""
    errors = _Errors()
    if not isinstance(raw, list):
        raise Invalid(fields={"fields": [_("The form must be a list of fields.")]})
    if len(raw) > MAX_FIELDS:
        errors.add("fields", _("A form has at most %(n)d fields.") % {"n": MAX_FIELDS})
    out: list[FieldDef] = []
    seen: set[str] = set()
    purposes: set[str] = set()
    for number, item in enumerate(raw, start=1):
        where = _("Field %(n)d") % {"n": number}
        if not isinstance(item, dict):
            errors.add("fields", _("%(where)s: not a field.") % {"where": where})
            continue
        key = str(item.get("key") or "").strip()
        label = str(item.get("label") or "").strip()
        kind = str(item.get("type") or "")
        if not KEY_RE.match(key):
            errors.add(
                "fields",
                _("%(where)s: the code must start with a letter and use a-z, 0-9 and _.") % {"where": where},
            )
        elif key in seen:
            errors.add(
                "fields", _("%(where)s: the code %(key)s is used twice.") % {"where": where, "key": key}
            )
        seen.add(key)
        if not label:
            errors.add("fields", _("%(where)s: give it a label.") % {"where": where})
        if kind not in FieldType.values:
            errors.add("fields", _("%(where)s: unknown type %(type)s.") % {"where": where, "type": kind})
            continue
        choices = tuple(str(c).strip() for c in (item.get("choices") or []) if str(c).strip())
        if kind == FieldType.CHOICE and not choices:
            errors.add("fields", _("%(where)s: a list needs its options.") % {"where": where})
        if len(choices) > MAX_CHOICES:
            errors.add("fields", _("%(where)s: at most %(n)d options.") % {"where": where, "n": MAX_CHOICES})
        purpose = str(item.get("purpose") or "")
        if purpose:
            if purpose not in PURPOSES or kind not in PURPOSES[purpose]:
                errors.add(
                    "fields",
                    _("%(where)s: it cannot be the process's %(purpose)s.")
                    % {"where": where, "purpose": purpose},
                )
            elif purpose in purposes:
                errors.add(
                    "fields",
                    _("%(where)s: two fields are the %(purpose)s.") % {"where": where, "purpose": purpose},
                )
            purposes.add(purpose)
        out.append(
            FieldDef(
                key=key,
                label=label[:200],
                type=kind,
                required=bool(item.get("required")),
                help=str(item.get("help") or "")[:500],
                choices=choices if kind == FieldType.CHOICE else (),
                purpose=purpose,
            )
        )
    errors.raise_if_any()
    return out


def parse_condition(raw, fields: list[FieldDef], *, where: str, errors: _Errors) -> Condition | None:
    if not raw:
        return None
    if not isinstance(raw, dict):
        errors.add("steps", _("%(where)s: the condition is not readable.") % {"where": where})
        return None
    by_key = {f.key: f for f in fields}
    name = str(raw.get("field") or "")
    op = str(raw.get("op") or "")
    value = str(raw.get("value") if raw.get("value") is not None else "").strip()
    if name not in by_key:
        errors.add("steps", _("%(where)s: the condition names no field of the form.") % {"where": where})
        return None
    if op not in ConditionOp.values:
        errors.add("steps", _("%(where)s: unknown comparison.") % {"where": where})
        return None
    if by_key[name].type in NUMERIC_TYPES and op not in (ConditionOp.TRUE, ConditionOp.FALSE):
        try:
            Decimal(value)
        except InvalidOperation:
            errors.add(
                "steps",
                _("%(where)s: compare %(field)s with a number.")
                % {"where": where, "field": by_key[name].label},
            )
            return None
    return Condition(field=name, op=op, value=value)


def parse_rule(raw, *, where: str, errors: _Errors) -> RuleDef | None:
    if not isinstance(raw, dict) or raw.get("kind") not in ApproverRule.values:
        errors.add("steps", _("%(where)s: choose who approves.") % {"where": where})
        return None
    kind = raw["kind"]
    if kind == ApproverRule.LEVELS_UP:
        levels = _int(raw.get("levels"))
        if not levels or not 1 <= levels <= 10:
            errors.add("steps", _("%(where)s: levels up must be 1 to 10.") % {"where": where})
            return None
        return RuleDef(kind=kind, levels=levels)
    if kind == ApproverRule.DEPARTMENT_HEAD:
        department = _int(raw.get("department"))
        if not department:
            errors.add("steps", _("%(where)s: choose the department.") % {"where": where})
            return None
        return RuleDef(kind=kind, department=department)
    if kind == ApproverRule.PERSON:
        person = _int(raw.get("person"))
        if not person:
            errors.add("steps", _("%(where)s: choose the person.") % {"where": where})
            return None
        return RuleDef(kind=kind, person=person)
    if kind == ApproverRule.PEOPLE:
        people = tuple(dict.fromkeys(p for p in (_int(x) for x in (raw.get("people") or [])) if p))
        if not people:
            errors.add("steps", _("%(where)s: choose the people.") % {"where": where})
            return None
        return RuleDef(kind=kind, people=people)
    if kind == ApproverRule.GROUP:
        group = _int(raw.get("group"))
        if not group:
            errors.add("steps", _("%(where)s: choose the workgroup.") % {"where": where})
            return None
        return RuleDef(kind=kind, group=group)
    if kind == ApproverRule.ROLE:
        role = str(raw.get("role") or "").strip()
        if not role:
            errors.add("steps", _("%(where)s: choose the role.") % {"where": where})
            return None
        return RuleDef(kind=kind, role=role)
    return RuleDef(kind=kind)


def parse_steps(raw, fields: list[FieldDef]) -> list[StepDef]:
    """The route of `raw` (a JSON list), checked against the form's `fields`; `Invalid` keyed "steps".
    Only the last step may be "for information"; a route needs at least one step."""
    errors = _Errors()
    if not isinstance(raw, list) or not raw:
        raise Invalid(fields={"steps": [_("A route needs at least one step.")]})
    if len(raw) > MAX_STEPS:
        errors.add("steps", _("A route has at most %(n)d steps.") % {"n": MAX_STEPS})
    out: list[StepDef] = []
    seen: set[str] = set()
    for number, item in enumerate(raw, start=1):
        where = _("Step %(n)d") % {"n": number}
        if not isinstance(item, dict):
            errors.add("steps", _("%(where)s: not a step.") % {"where": where})
            continue
        key = str(item.get("key") or f"step{number}").strip()
        name = str(item.get("name") or "").strip()
        if not KEY_RE.match(key) or key in seen:
            errors.add(
                "steps", _("%(where)s: the code must be unique and use a-z, 0-9 and _.") % {"where": where}
            )
        seen.add(key)
        if not name:
            errors.add("steps", _("%(where)s: give it a name.") % {"where": where})
        kind = str(item.get("kind") or StepKind.APPROVAL)
        if kind not in StepKind.values:
            errors.add("steps", _("%(where)s: unknown kind of step.") % {"where": where})
            continue
        if kind == StepKind.INFO and number != len(raw):
            errors.add("steps", _("%(where)s: only the last step can be for information.") % {"where": where})
        mode = str(item.get("mode") or StepMode.ANY)
        if mode not in StepMode.values:
            errors.add("steps", _("%(where)s: unknown mode.") % {"where": where})
        rule = parse_rule(item.get("rule"), where=where, errors=errors)
        condition = parse_condition(item.get("condition"), fields, where=where, errors=errors)
        deadline = item.get("deadline") or {}
        hours = _int(deadline.get("hours")) if isinstance(deadline, dict) else None
        workdays = _int(deadline.get("workdays")) if isinstance(deadline, dict) else None
        if (hours is not None and not 0 <= hours <= 24 * 60) or (
            workdays is not None and not 0 <= workdays <= 60
        ):
            errors.add("steps", _("%(where)s: the deadline is out of range.") % {"where": where})
        if hours and workdays:
            errors.add(
                "steps", _("%(where)s: a deadline in hours or in working days, not both.") % {"where": where}
            )
        actions = tuple(a for a in (item.get("actions") or []) if a in StepAction.values)
        if kind == StepKind.APPROVAL:
            actions = actions or (
                StepAction.APPROVE,
                StepAction.REJECT,
                StepAction.RETURN,
                StepAction.COMMENT,
            )
            if StepAction.APPROVE not in actions:
                errors.add("steps", _("%(where)s: an approval step must allow approving.") % {"where": where})
        else:
            actions = ()
        if rule is None:
            continue
        out.append(
            StepDef(
                key=key,
                name=name[:200],
                rule=rule,
                kind=kind,
                mode=mode if mode in StepMode.values else StepMode.ANY,
                condition=condition,
                deadline_hours=hours or 0,
                deadline_workdays=workdays or 0,
                actions=actions,
            )
        )
    errors.raise_if_any()
    return out


def field_defs(version) -> list[FieldDef]:
    """The fields of a stored `TemplateVersion` (stored ones were checked when saved)."""
    return parse_fields(version.fields or [])


def step_defs(version) -> list[StepDef]:
    return parse_steps(version.steps or [], field_defs(version))


def _number(value) -> Decimal | None:
    if isinstance(value, dict):
        value = value.get("amount")
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def condition_holds(condition: Condition | None, data: dict, fields: list[FieldDef]) -> bool:
    """Whether the step applies to a process with these form values (no condition: always). Money compares
    its amount whatever the currency (the template's author picks one currency per route)."""
    if condition is None:
        return True
    by_key = {f.key: f for f in fields}
    definition = by_key.get(condition.field)
    value = data.get(condition.field)
    if condition.op == ConditionOp.TRUE:
        return value not in (None, "", [], {}, False)
    if condition.op == ConditionOp.FALSE:
        return value in (None, "", [], {}, False)
    if definition is not None and definition.type in NUMERIC_TYPES:
        left, right = _number(value), _number(condition.value)
        if left is None or right is None:
            return False
    else:
        left, right = str(value if value is not None else "").casefold(), condition.value.casefold()
    return {
        ConditionOp.GT: lambda: left > right,
        ConditionOp.GTE: lambda: left >= right,
        ConditionOp.LT: lambda: left < right,
        ConditionOp.LTE: lambda: left <= right,
        ConditionOp.EQ: lambda: left == right,
        ConditionOp.NE: lambda: left != right,
    }[condition.op]()


def period_of(data: dict, fields: list[FieldDef]) -> tuple[datetime.date, datetime.date] | None:
    """The process's date range (the field whose purpose is "period"), as dates."""
    for f in fields:
        if f.purpose == "period":
            value = data.get(f.key) or {}
            try:
                return datetime.date.fromisoformat(value["start"]), datetime.date.fromisoformat(value["end"])
            except (KeyError, TypeError, ValueError):
                return None
    return None


def purpose_field(fields: list[FieldDef], purpose: str) -> FieldDef | None:
    return next((f for f in fields if f.purpose == purpose), None)


# --- automation rules ------------------------------------------------------------------------------------
# conditions: [{"field": "status", "op": "eq", "value": "done"}]   (all must hold)
# actions:    [{"action": "notify", "params": {...}, "wait_days": 0, "working": true}]


def parse_rule_conditions(raw, *, allowed_fields: dict[str, str]) -> list[Condition]:
    """Conditions of an automation rule on the trigger's fields ({name: kind})."""
    if not raw:
        return []
    errors = _Errors()
    out = []
    for number, item in enumerate(raw if isinstance(raw, list) else [None], start=1):
        where = _("Condition %(n)d") % {"n": number}
        if not isinstance(item, dict) or item.get("field") not in allowed_fields:
            errors.add("conditions", _("%(where)s: choose a field.") % {"where": where})
            continue
        if item.get("op") not in ConditionOp.values:
            errors.add("conditions", _("%(where)s: unknown comparison.") % {"where": where})
            continue
        out.append(Condition(field=item["field"], op=item["op"], value=str(item.get("value") or "").strip()))
    errors.raise_if_any()
    return out


def rule_conditions_hold(conditions: list[Condition], data: dict, kinds: dict[str, str]) -> bool:
    fields = [
        FieldDef(key=name, label=name, type=FieldType.NUMBER if kind == "number" else FieldType.TEXT)
        for name, kind in kinds.items()
    ]
    return all(condition_holds(c, data, fields) for c in conditions)
