"""Reads of automation rules and their runs, and who may set rules where.

A rule lives on a scope ("group:12", "stage:5", "template:3"); the apps that register triggers say, through
`AutomationTrigger.scope_choices(*, user)`, which scopes of their kind a person may set rules on. Those
people see and change the scope's rules; for everybody else the scope, its rules and their runs do not exist
(404). Every read here starts from that rule (`rules_visible_to`)."""

from __future__ import annotations

import functools
import inspect

from django.db.models import Count, Q, QuerySet

from portal.core.errors import NotFound
from portal.core.registry import AutomationAction, AutomationTrigger, registry
from portal.core.visibility import is_active_person

from ..choices import RuleRunStatus
from ..models import AutomationRule, RuleRun

MAX_SCOPE_LENGTH = 100


# --- scopes ---------------------------------------------------------------------------------------------


def scope_kind(scope: str) -> str:
    """The kind of a scope: "group" of "group:12" ("" when the scope is not of the shape kind:id)."""
    kind, sep, ident = str(scope or "").partition(":")
    if not sep or not kind or not ident or len(scope) > MAX_SCOPE_LENGTH:
        return ""
    return kind


def triggers_of_kind(kind: str) -> list[AutomationTrigger]:
    """The registered triggers whose rules are set on scopes of `kind`, in the registry's order."""
    return [t for t in registry.automation_triggers if t.scope_kind == kind] if kind else []


@functools.cache
def _takes_keyword(func, name: str) -> bool:
    try:
        parameters = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(p.kind == p.VAR_KEYWORD for p in parameters.values())


def _scope_choices(trigger: AutomationTrigger, user, scope: str | None = None) -> list[tuple[str, str]]:
    """The scopes of `trigger`'s kind `user` may set rules on. A trigger whose `scope_choices` takes `scope`
    answers for that one scope only (one small query instead of the whole list)."""
    if scope is not None and _takes_keyword(trigger.scope_choices, "scope"):
        pairs = trigger.scope_choices(user=user, scope=scope)
    else:
        pairs = trigger.scope_choices(user=user)
    return [(str(key), str(label)) for key, label in pairs or ()]


def scope_label(*, user, scope: str) -> str | None:
    """The name of `scope` ("Project Apollo") when `user` may set rules there, else None."""
    if not is_active_person(user):
        return None
    for trigger in triggers_of_kind(scope_kind(scope)):
        for key, label in _scope_choices(trigger, user, scope):
            if key == scope:
                return label
    return None


def may_manage_scope(user, scope: str) -> bool:
    return scope_label(user=user, scope=scope) is not None


def scope_require(*, user, scope: str) -> str:
    """The scope's name; NotFound when `user` may not set rules there (or it does not exist)."""
    label = scope_label(user=user, scope=scope)
    if label is None:
        raise NotFound()
    return label


def manageable_scopes(*, user, kinds: set[str] | None = None) -> dict[str, str]:
    """{scope: name} of every scope `user` may set rules on, over every kind (or those of `kinds`): one
    call per trigger."""
    if not is_active_person(user):
        return {}
    out: dict[str, str] = {}
    for trigger in registry.automation_triggers:
        if kinds is not None and trigger.scope_kind not in kinds:
            continue
        for key, label in _scope_choices(trigger, user):
            out.setdefault(key, label)
    return out


# --- triggers and actions --------------------------------------------------------------------------------


def trigger_get(key: str) -> AutomationTrigger | None:
    return registry.automation_triggers.get(key)


def action_get(key: str) -> AutomationAction | None:
    return registry.automation_actions.get(key)


def actions_for(trigger_key: str) -> list[AutomationAction]:
    """The actions a rule of this trigger may run (an action limited to some triggers only there)."""
    return [a for a in registry.automation_actions if not a.triggers or trigger_key in a.triggers]


def field_spec(entry) -> dict:
    """One entry of an action's `fields` ((name, label, kind) and maybe a dict of options: "required",
    "when" = (other param, value) it applies to, "min"/"max" of a number, "help") as a dict."""
    name, label, kind = entry[0], entry[1], entry[2]
    options = dict(entry[3]) if len(entry) > 3 and isinstance(entry[3], dict) else {}
    return {
        "name": str(name),
        "label": label,
        "kind": str(kind),
        "required": bool(options.get("required") or options.get("when")),
        "when": tuple(options["when"]) if options.get("when") else None,
        "min": options.get("min"),
        "max": options.get("max"),
        "help": options.get("help", ""),
    }


def action_choices(action: AutomationAction, name: str, *, user) -> list[tuple[str, str]]:
    """The options of a "choice"/"template" param, as `user` (the rule's author) may pick them."""
    if action.choices is None:
        return []
    if _takes_keyword(action.choices, "user"):
        pairs = action.choices(name, user=user)
    else:
        pairs = action.choices(name)
    return [(str(value), str(label)) for value, label in pairs or ()]


def trigger_choices(trigger: AutomationTrigger, name: str) -> list[tuple[str, str]]:
    if trigger.choices is None:
        return []
    return [(str(value), str(label)) for value, label in trigger.choices(name) or ()]


# --- rules and runs ---------------------------------------------------------------------------------------


def rules_visible_to(user) -> QuerySet[AutomationRule]:
    """The rules of every scope `user` may set rules on (the scopes that hold rules, checked by kind: one
    query per kind, whatever the number of rules)."""
    existing = list(AutomationRule.objects.order_by().values_list("scope", flat=True).distinct())
    if not existing:
        return AutomationRule.objects.none()
    scopes = manageable_scopes(user=user, kinds={scope_kind(scope) for scope in existing})
    allowed = [scope for scope in existing if scope in scopes]
    if not allowed:
        return AutomationRule.objects.none()
    return AutomationRule.objects.filter(scope__in=allowed)


def _with_counts(qs: QuerySet[AutomationRule]) -> QuerySet[AutomationRule]:
    return qs.annotate(
        runs_total=Count("runs"),
        runs_failed=Count("runs", filter=Q(runs__status=RuleRunStatus.FAILED)),
        runs_waiting=Count("runs", filter=Q(runs__status=RuleRunStatus.WAITING)),
        runs_done=Count("runs", filter=Q(runs__status=RuleRunStatus.DONE)),
    )


def rule_list(*, user, scope: str | None = None, trigger: str | None = None) -> QuerySet[AutomationRule]:
    """The rules of `scope` (NotFound when `user` may not set rules there), or of every scope they may,
    with their run counts, by name."""
    if scope:
        scope_require(user=user, scope=scope)
        qs = AutomationRule.objects.filter(scope=scope)
    else:
        qs = rules_visible_to(user)
    if trigger:
        qs = qs.filter(trigger=trigger)
    return _with_counts(qs).select_related("created_by").order_by("name", "id")


def rule_overview(*, user) -> tuple[dict[str, str], dict[str, int], QuerySet[AutomationRule]]:
    """For the page without a scope: ({scope: name} `user` may set rules on, {scope: number of rules} of
    those, the rules of those scopes with their run counts)."""
    scopes = manageable_scopes(user=user)
    counts = dict(
        AutomationRule.objects.order_by().values("scope").annotate(n=Count("id")).values_list("scope", "n")
    )
    counts = {scope: n for scope, n in counts.items() if scope in scopes}
    rules = _with_counts(AutomationRule.objects.filter(scope__in=list(counts)))
    return scopes, counts, rules.select_related("created_by").order_by("scope", "name", "id")


def rule_get(*, user, pk, with_counts: bool = False) -> AutomationRule:
    """One rule; NotFound when missing or on a scope `user` may not set rules on."""
    qs = AutomationRule.objects.select_related("created_by")
    if with_counts:
        qs = _with_counts(qs)
    try:
        rule = qs.get(pk=int(pk))
    except (AutomationRule.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    label = scope_label(user=user, scope=rule.scope)
    if label is None:
        raise NotFound()
    rule.scope_label = label
    return rule


def run_list(*, user, rule: AutomationRule, status: str | None = None) -> QuerySet[RuleRun]:
    """The runs of a rule, newest first. `rule` comes from `rule_get` (which checked `user` may see it)."""
    if getattr(rule, "scope_label", None) is None and not may_manage_scope(user, rule.scope):
        raise NotFound()
    qs = RuleRun.objects.filter(rule=rule).select_related("actor")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def run_list_all(*, user, rule_id=None, status: str | None = None) -> QuerySet[RuleRun]:
    """The runs of every rule `user` may see (the API's list), newest first."""
    qs = RuleRun.objects.filter(rule__in=rules_visible_to(user)).select_related("actor", "rule")
    if rule_id:
        qs = qs.filter(rule_id=rule_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def run_get(*, user, pk) -> RuleRun:
    try:
        run = RuleRun.objects.select_related("rule", "actor").get(pk=int(pk))
    except (RuleRun.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if not may_manage_scope(user, run.rule.scope):
        raise NotFound()
    return run


def run_object(run: RuleRun) -> tuple[str, str]:
    """(text, url) of the object the run was about, as the run's log recorded it when it started."""
    for entry in run.log or ():
        if entry.get("kind") == "start":
            return str(entry.get("object") or ""), str(entry.get("url") or "")
    return "", ""
