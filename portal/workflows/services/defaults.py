"""The built-ins every portal starts with: absence types, process roles and the five process templates
(leave request, outgoing payment, contract approval, expense report, business trip), named in the portal's
language; laid on post_migrate (and after flush), never overwriting what admins changed.

Each built-in is found by its `key`: a missing one is made, an existing one is left exactly as an admin left
it (renamed, recoloured, its route edited into version 5...). With everything in place a run costs three
queries, so the test runner's `flush` between transactional tests stays cheap."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..choices import (
    ApproverRule,
    ConditionOp,
    FieldType,
    StepAction,
    StepKind,
    TemplateKind,
)
from ..definitions import parse_fields, parse_steps
from ..models import AbsenceType, ProcessRole, ProcessTemplate, TemplateVersion

# key, name, colour, counts against the vacation allowance, private, order
ABSENCE_TYPES = (
    ("vacation", _("Vacation"), "#198754", True, False, 10),
    ("sick", _("Sick leave"), "#dc3545", False, True, 20),
    ("trip", _("Business trip"), "#0d6efd", False, False, 30),
    ("dayoff", _("Day off"), "#6f42c1", False, False, 40),
    ("unpaid", _("Unpaid leave"), "#6c757d", False, False, 50),
    ("other", _("Other absence"), "#fd7e14", False, False, 60),
)

# key, name, description
ROLES = (
    ("hr", _("HR"), _("Sees every leave request and business trip; enters absences.")),
    ("accountant", _("Accountant"), _("Approves and pays outgoing payments and expense reports.")),
    ("lawyer", _("Lawyer"), _("Approves contracts.")),
    ("cfo", _("Financial director"), _("Approves large payments and contracts.")),
)
BUILTIN_ROLE_KEYS = tuple(key for key, _name, _description in ROLES)
BUILTIN_TEMPLATE_KEYS = ("leave", "payment", "contract", "expense", "trip")

ALL_ACTIONS = [StepAction.APPROVE, StepAction.REJECT, StepAction.RETURN, StepAction.COMMENT]


def _field(key, label, kind, *, required=False, help="", purpose="", choices=()) -> dict:
    out = {"key": key, "label": label, "type": kind, "required": required}
    if help:
        out["help"] = help
    if purpose:
        out["purpose"] = purpose
    if choices:
        out["choices"] = list(choices)
    return out


def _step(key, name, rule: dict, *, kind=StepKind.APPROVAL, condition=None, deadline=None) -> dict:
    return {
        "key": key,
        "name": name,
        "kind": kind,
        "rule": rule,
        "mode": "any",
        "condition": condition,
        "deadline": deadline,
        "actions": list(ALL_ACTIONS) if kind == StepKind.APPROVAL else [],
    }


def _supervisor(**kwargs) -> dict:
    return _step("supervisor", _("Supervisor"), {"kind": ApproverRule.SUPERVISOR}, **kwargs)


def _role(key, name, role, **kwargs) -> dict:
    return _step(key, name, {"kind": ApproverRule.ROLE, "role": role}, **kwargs)


def _over(amount: int) -> dict:
    return {"field": "amount", "op": ConditionOp.GT, "value": str(amount)}


def builtin_templates() -> list[dict]:
    """The five templates (meta, fields, steps), with lazy texts: evaluate them in the wanted language."""
    return [
        {
            "key": "leave",
            "kind": TemplateKind.LEAVE,
            "name": _("Leave request"),
            "description": _(
                "Vacation, a day off or unpaid leave: once approved it is on the absence chart."
            ),
            "icon": "bi-calendar2-week",
            "viewers": ["hr"],
            "fields": [
                _field(
                    "absence_type", _("Type"), FieldType.ABSENCE_TYPE, required=True, purpose="absence_type"
                ),
                _field("period", _("Dates"), FieldType.DATERANGE, required=True, purpose="period"),
                _field("comment", _("Comment"), FieldType.LONGTEXT),
            ],
            "steps": [
                _supervisor(deadline={"workdays": 2}),
                _role("hr", _("HR (for information)"), "hr", kind=StepKind.INFO),
            ],
        },
        {
            "key": "payment",
            "kind": TemplateKind.PAYMENT,
            "name": _("Outgoing payment"),
            "description": _(
                "A payment to a supplier: approved, it goes to the accountant's payment register."
            ),
            "icon": "bi-cash-coin",
            "viewers": ["accountant"],
            "fields": [
                _field(
                    "counterparty", _("Counterparty"), FieldType.TEXT, required=True, purpose="counterparty"
                ),
                _field("amount", _("Amount"), FieldType.MONEY, required=True, purpose="amount"),
                _field("purpose", _("Purpose of the payment"), FieldType.LONGTEXT, required=True),
                _field("due_date", _("Pay by"), FieldType.DATE, required=True, purpose="due_date"),
                _field("invoice", _("Invoice"), FieldType.FILE, required=True),
            ],
            "steps": [
                _supervisor(deadline={"workdays": 1}),
                _role("cfo", _("Financial director"), "cfo", condition=_over(100_000)),
                _role("accountant", _("Accountant"), "accountant", deadline={"workdays": 2}),
            ],
        },
        {
            "key": "contract",
            "kind": TemplateKind.CONTRACT,
            "name": _("Contract approval"),
            "description": _("A contract draft: a new version of the draft is approved again."),
            "icon": "bi-file-earmark-text",
            "viewers": ["lawyer"],
            "fields": [
                _field(
                    "counterparty", _("Counterparty"), FieldType.TEXT, required=True, purpose="counterparty"
                ),
                _field("subject", _("Subject of the contract"), FieldType.LONGTEXT, required=True),
                _field("amount", _("Amount"), FieldType.MONEY, required=True, purpose="amount"),
                _field("term", _("Term"), FieldType.DATERANGE),
                _field("draft", _("Draft"), FieldType.FILE, required=True, purpose="revised_file"),
            ],
            "steps": [
                _supervisor(deadline={"workdays": 2}),
                _role("lawyer", _("Lawyer"), "lawyer", deadline={"workdays": 3}),
                _role("cfo", _("Financial director"), "cfo", condition=_over(500_000)),
            ],
        },
        {
            "key": "expense",
            "kind": TemplateKind.EXPENSE,
            "name": _("Expense report"),
            "description": _("What you spent for the company, line by line with the receipts."),
            "icon": "bi-receipt",
            "viewers": ["accountant"],
            "fields": [
                _field(
                    "lines",
                    _("Expenses"),
                    FieldType.LINES,
                    required=True,
                    help=_("One line per expense, with its receipt."),
                ),
                _field(
                    "amount",
                    _("Total"),
                    FieldType.MONEY,
                    purpose="amount",
                    help=_("Counted from the lines."),
                ),
                _field("comment", _("Comment"), FieldType.LONGTEXT),
            ],
            "steps": [
                _supervisor(deadline={"workdays": 2}),
                _role("accountant", _("Accountant"), "accountant", deadline={"workdays": 3}),
            ],
        },
        {
            "key": "trip",
            "kind": TemplateKind.TRIP,
            "name": _("Business trip"),
            "description": _("A trip for work: once approved it is on the absence chart."),
            "icon": "bi-airplane",
            "viewers": ["hr"],
            "fields": [
                _field("destination", _("Destination"), FieldType.TEXT, required=True),
                _field("period", _("Dates"), FieldType.DATERANGE, required=True, purpose="period"),
                _field("purpose", _("Purpose of the trip"), FieldType.LONGTEXT, required=True),
                _field("cost", _("Estimated cost"), FieldType.MONEY, purpose="amount"),
            ],
            "steps": [
                _supervisor(deadline={"workdays": 2}),
                _role("hr", _("HR (for information)"), "hr", kind=StepKind.INFO),
            ],
        },
    ]


def _text(value):
    """Lazy texts (also inside nested lists and dicts) as plain strings of the active language."""
    if isinstance(value, dict):
        return {k: _text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_text(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def defaults_ensure(*, using: str = "default") -> None:
    """Create the missing built-ins (idempotent), named in the portal's language (LANGUAGE_CODE)."""
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic(using=using):
        _lay(using)


def _lay(using: str) -> None:
    have_types = set(AbsenceType.objects.using(using).exclude(key=None).values_list("key", flat=True))
    AbsenceType.objects.using(using).bulk_create(
        AbsenceType(
            key=key, name=str(name), color=color, counts_allowance=allowance, private=private, order=order
        )
        for key, name, color, allowance, private, order in ABSENCE_TYPES
        if key not in have_types
    )
    roles = {role.key: role for role in ProcessRole.objects.using(using).filter(key__in=BUILTIN_ROLE_KEYS)}
    missing = [
        ProcessRole(key=key, name=str(name), description=str(description))
        for key, name, description in ROLES
        if key not in roles
    ]
    for role in missing:
        role.save(using=using)
        roles[role.key] = role
    have_templates = set(
        ProcessTemplate.objects.using(using)
        .filter(key__in=BUILTIN_TEMPLATE_KEYS)
        .values_list("key", flat=True)
    )
    for spec in builtin_templates():
        if spec["key"] in have_templates:
            continue
        spec = _text(spec)
        fields = parse_fields(spec["fields"])
        steps = parse_steps(spec["steps"], fields)
        template = ProcessTemplate(
            key=spec["key"],
            kind=spec["kind"],
            name=spec["name"],
            description=spec["description"],
            icon=spec["icon"],
            starters_everyone=True,
        )
        template.save(using=using)
        version = TemplateVersion(
            template=template,
            number=1,
            fields=[f.as_json() for f in fields],
            steps=[s.as_json() for s in steps],
        )
        version.save(using=using)
        template.current_version = version
        template.save(using=using, update_fields=["current_version"])
        template.viewer_roles.set([roles[key] for key in spec["viewers"] if key in roles])


def _spec_texts(language: str) -> tuple[dict, dict, dict]:
    """The built-ins' texts in `language`: {key: name} of the absence types, {key: (name, description)} of the
    roles, {key: spec} of the templates (plain strings)."""
    with translation.override(language):
        types = {key: str(name) for key, name, *_rest in ABSENCE_TYPES}
        roles = {key: (str(name), str(description)) for key, name, description in ROLES}
        templates = {spec["key"]: _text(spec) for spec in builtin_templates()}
    return types, roles, templates


def _version_json(spec: dict) -> tuple[list, list]:
    fields = parse_fields(spec["fields"])
    steps = parse_steps(spec["steps"], fields)
    return [f.as_json() for f in fields], [s.as_json() for s in steps]


@transaction.atomic
def defaults_relabel(*, language: str) -> int:
    """Name the built-ins in `language` where they still carry the portal language's default texts (the demo
    seeded in another language than LANGUAGE_CODE): absence types, roles, and templates (name, description,
    and the form and route of a first version no process has used yet). What an admin changed is left alone.
    Returns how many things were renamed."""
    if language.split("-")[0] == settings.LANGUAGE_CODE.split("-")[0]:
        return 0
    old_types, old_roles, old_templates = _spec_texts(settings.LANGUAGE_CODE)
    new_types, new_roles, new_templates = _spec_texts(language)
    changed = 0
    for absence_type in AbsenceType.objects.filter(key__in=list(old_types)):
        if absence_type.name == old_types[absence_type.key] != new_types[absence_type.key]:
            absence_type.name = new_types[absence_type.key]
            absence_type.save(update_fields=["name"])
            changed += 1
    for role in ProcessRole.objects.filter(key__in=list(old_roles)):
        if (role.name, role.description) == old_roles[role.key] != new_roles[role.key]:
            role.name, role.description = new_roles[role.key]
            role.save(update_fields=["name", "description", "updated_at"])
            changed += 1
    templates = ProcessTemplate.objects.filter(key__in=list(old_templates)).select_related("current_version")
    for template in templates:
        old, new = old_templates[template.key], new_templates[template.key]
        if (template.name, template.description) == (old["name"], old["description"]):
            template.name, template.description = new["name"], new["description"]
            template.save(update_fields=["name", "description", "updated_at"])
            changed += 1
        version = template.current_version
        if (
            version is not None
            and version.number == 1
            and not version.processes.exists()
            and (version.fields, version.steps) == _version_json(old)
        ):
            version.fields, version.steps = _version_json(new)
            version.save(update_fields=["fields", "steps"])
            changed += 1
    return changed
