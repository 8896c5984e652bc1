"""Automation rules ("robots"): their writes (create, change, delete) and the engine that runs them.

The engine. An app announces that something happened (`portal.core.automation.automation_event_send`, fired
on commit); `automation_event_receive` finds the active rules of that trigger on the event's scopes (one
query), makes one `RuleRun` per rule with get_or_create on (rule, object, event) — a repeated delivery makes
nothing new — and queues the job `workflows_rule_run` for each new run once that commits. The job
(`rule_run_execute`) re-reads the run under a row lock and goes one step at a time, each in its own
transaction: the start (the object still there? the conditions hold?), then each action in order. An action
with `wait_days` parks the run (status waiting, `next_at`) and the beat job (`rule_waits_resume`) takes it up
again once the time passed, with a conditional update so that two beats resume it once. An action's effects
and the log line that says it happened commit together, so a retried job never redoes an action (only mail
already handed to the SMTP server cannot be taken back). A failing action (any exception) fails the run
with its message, which the rule shows (`last_error`); the user's own change committed long before.

Actions run with the rights of the rule's author (the person who last saved it), never of whoever changed
the object. Rules that set off other rules are followed at most `MAX_CHAIN` links deep (a loop of two rules
stops there).

Texts of actions (a notification, an e-mail's subject and body) may hold `{{ title }}`-style placeholders
of the event's values. They are Django templates from people, so they are kept to plain text, placeholders
and a few harmless filters (`text_template_check`), and rendered with the event's values only.
"""

from __future__ import annotations

import contextvars
import datetime
import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import TextNode, VariableNode
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import DomainError, Invalid, NotAllowed
from portal.core.registry import AutomationTrigger
from portal.core.workdays import add_working_days

from ..choices import ConditionOp, RuleRunStatus
from ..definitions import Condition, parse_rule_conditions, rule_conditions_hold
from ..models import AutomationRule, RuleRun
from ..selectors import rules as selectors

log = logging.getLogger(__name__)

MAX_ACTIONS = 10
MAX_CONDITIONS = 10
MAX_WAIT_DAYS = 365
MAX_CHAIN = 5
MAX_TEXT = 500
MAX_LONGTEXT = 5000
MAX_ERROR = 2000
NUMBER_LIMIT = 100_000
RESUME_BATCH = 500
FIELDS = ["name", "trigger", "conditions", "actions", "is_active"]
PARAM_KINDS = ("text", "longtext", "number", "person", "people", "choice", "template")

# The depth of the rule run whose action is being done in this thread (None: no run): an event that action
# sets off starts runs one link further down the chain.
_CHAIN_DEPTH: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "workflows_rule_depth", default=None
)


# --- texts with placeholders -------------------------------------------------------------------------------

SAFE_FILTERS = frozenset(
    {
        "capfirst",
        "default",
        "default_if_none",
        "length",
        "lower",
        "title",
        "truncatechars",
        "truncatewords",
        "upper",
        "yesno",
    }
)
_ENGINE = Engine(loaders=[], autoescape=False)


def _text_compile(source: str) -> Template:
    """The template of `source`, refused (Invalid, no field) unless it is text, placeholders and safe
    filters: no tags ({% ... %}: loading, including, debugging), no other filters."""
    try:
        template = Template(source, engine=_ENGINE)
    except TemplateSyntaxError as exc:
        raise Invalid(_("The placeholders cannot be read: %(error)s") % {"error": exc}) from None
    for node in template.nodelist:
        if isinstance(node, TextNode):
            continue
        if not isinstance(node, VariableNode):
            raise Invalid(_("Use only {{ placeholders }}: no {% tags %}."))
        for func, _args in node.filter_expression.filters:
            name = getattr(func, "_filter_name", getattr(func, "__name__", ""))
            if name not in SAFE_FILTERS:
                raise Invalid(_("The filter “%(name)s” cannot be used here.") % {"name": name})
    return template


def text_template_check(source: str) -> None:
    """Raise Invalid when `source` is not a text with placeholders the rules may render."""
    _text_compile(source)


def text_render(source: str, data: dict, *, limit: int = MAX_LONGTEXT) -> str:
    """`source` with its placeholders filled from the event's values (nothing else is in reach)."""
    values = {str(k): v for k, v in (data or {}).items() if not str(k).startswith("_")}
    return _text_compile(source or "").render(Context(values, autoescape=False))[:limit]


# --- helpers the actions use --------------------------------------------------------------------------------


def rule_actor(rule: AutomationRule):
    """The person whose rights a rule's actions use: its author, while active."""
    author = rule.created_by if rule.created_by_id else None
    if author is None or not author.is_active:
        raise NotAllowed(_("The rule's author is no longer active: someone who may set rules here saves it."))
    return author


def object_owner_id(obj) -> int | None:
    """The person an object belongs to: a task's or a deal's responsible person, a process's requester."""
    for name in ("responsible_id", "requester_id", "owner_id", "creator_id", "created_by_id"):
        value = getattr(obj, name, None)
        if value:
            return int(value)
    return None


def error_text(exc: BaseException) -> str:
    """What a failed action says, for people."""
    if isinstance(exc, DomainError):
        text = exc.message
    elif isinstance(exc, ValidationError):
        text = "; ".join(str(m) for m in exc.messages)
    else:
        text = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
    return text[:MAX_ERROR]


# --- checking a rule --------------------------------------------------------------------------------------


def _trigger_for(scope: str, key: str, errors: dict) -> AutomationTrigger | None:
    trigger = selectors.trigger_get(key)
    if trigger is None or trigger.scope_kind != selectors.scope_kind(scope):
        errors.setdefault("trigger", []).append(_("Choose what sets the rule off."))
        return None
    return trigger


def _clean_conditions(trigger: AutomationTrigger, raw, errors: dict) -> list[dict]:
    """The rule's conditions on the trigger's values (the shape of `definitions.parse_rule_conditions`),
    every row checked: a known value, a comparison, something to compare with (a number for numbers)."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        errors.setdefault("conditions", []).append(_("The conditions must be a list."))
        return []
    if len(raw) > MAX_CONDITIONS:
        errors.setdefault("conditions", []).append(_("At most %(n)d conditions.") % {"n": MAX_CONDITIONS})
        return []
    kinds = {str(name): str(kind) for name, _label, kind in trigger.conditions}
    out = []
    for number, item in enumerate(raw, start=1):
        where = _("Condition %(n)d") % {"n": number}

        def add(message: str, where=where) -> None:
            errors.setdefault("conditions", []).append(f"{where}: {message}")

        if not isinstance(item, dict) or str(item.get("field") or "") not in kinds:
            add(_("choose a value to test."))
            continue
        op = str(item.get("op") or "")
        if op not in ConditionOp.values:
            add(_("unknown comparison."))
            continue
        value = str(item.get("value") if item.get("value") is not None else "").strip()
        compares = op not in (ConditionOp.TRUE, ConditionOp.FALSE)
        if compares and kinds[item["field"]] == "number":
            try:
                float(value)
            except ValueError:
                add(_("compare with a number."))
                continue
        elif compares and not value:
            add(_("give a value to compare with."))
            continue
        out.append(
            parse_rule_conditions([{"field": item["field"], "op": op, "value": value}], allowed_fields=kinds)[
                0
            ].as_json()
        )
    return out


def _applies(spec: dict, raw: dict) -> bool:
    if spec["when"] is None:
        return True
    other, wanted = spec["when"]
    wanted = wanted if isinstance(wanted, list | tuple) else (wanted,)
    return str(raw.get(other) or "") in {str(w) for w in wanted}


def _clean_param(action, spec: dict, value, *, user, problem) -> Any:
    kind = spec["kind"]
    if kind in ("text", "longtext"):
        text = str(value).strip()
        limit = MAX_TEXT if kind == "text" else MAX_LONGTEXT
        if len(text) > limit:
            return problem(_("at most %(n)d characters") % {"n": limit})
        try:
            text_template_check(text)
        except Invalid as exc:
            return problem(exc.message)
        return text
    if kind == "number":
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            return problem(_("a whole number"))
        low = spec["min"] if spec["min"] is not None else -NUMBER_LIMIT
        high = spec["max"] if spec["max"] is not None else NUMBER_LIMIT
        if not low <= number <= high:
            return problem(_("from %(low)d to %(high)d") % {"low": low, "high": high})
        return number
    if kind in ("person", "people"):
        values = value if isinstance(value, list | tuple) else [value]
        try:
            ids = list(dict.fromkeys(int(getattr(v, "pk", v)) for v in values if v not in (None, "")))
        except (TypeError, ValueError):
            return problem(_("choose people from the list"))
        if kind == "person" and len(ids) != 1:
            return problem(_("choose one person"))
        found = set(get_user_model().objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
        if found != set(ids):
            return problem(_("choose active colleagues"))
        return ids[0] if kind == "person" else ids
    if kind in ("choice", "template"):
        choices = dict(selectors.action_choices(action, spec["name"], user=user))
        if str(value) not in choices:
            return problem(_("choose one of the options"))
        return str(value)
    return problem(_("unknown kind of value"))


def _clean_actions(trigger: AutomationTrigger, raw, *, user, errors: dict) -> list[dict]:
    def add(message: str) -> None:
        errors.setdefault("actions", []).append(message)

    if not isinstance(raw, list) or not raw:
        add(_("Add at least one action."))
        return []
    if len(raw) > MAX_ACTIONS:
        add(_("At most %(n)d actions.") % {"n": MAX_ACTIONS})
        return []
    allowed = {a.key: a for a in selectors.actions_for(trigger.key)}
    out = []
    for number, item in enumerate(raw, start=1):
        where = _("Action %(n)d") % {"n": number}
        if not isinstance(item, dict) or str(item.get("action") or "") not in allowed:
            add(_("%(where)s: choose what to do.") % {"where": where})
            continue
        action = allowed[str(item["action"])]
        try:
            wait_days = int(item.get("wait_days") or 0)
        except (TypeError, ValueError):
            wait_days = -1
        if not 0 <= wait_days <= MAX_WAIT_DAYS:
            add(_("%(where)s: wait 0 to %(n)d days.") % {"where": where, "n": MAX_WAIT_DAYS})
            continue
        raw_params = item.get("params") or {}
        if not isinstance(raw_params, dict):
            add(_("%(where)s: the settings must be an object.") % {"where": where})
            continue
        params: dict[str, Any] = {}
        bad = False
        for spec in map(selectors.field_spec, action.fields):
            if not _applies(spec, raw_params):
                continue
            value = raw_params.get(spec["name"])

            def problem(message, spec=spec, where=where):
                add(
                    _("%(where)s, %(field)s: %(problem)s")
                    % {"where": where, "field": spec["label"], "problem": message}
                )
                return None

            if value in (None, "", [], ()):
                if spec["required"]:
                    problem(_("fill it in"))
                    bad = True
                continue
            cleaned = _clean_param(action, spec, value, user=user, problem=problem)
            if cleaned is None:
                bad = True
                continue
            params[spec["name"]] = cleaned
        if bad:
            continue
        out.append(
            {
                "action": action.key,
                "params": params,
                "wait_days": wait_days,
                "working": bool(item.get("working", True)) if wait_days else False,
            }
        )
    return out


def _clean(*, actor, scope: str, name: str, trigger: str, conditions, actions) -> dict:
    """Every field of a rule checked at once (Invalid names each problem); NotFound when `actor` may not set
    rules on `scope`."""
    selectors.scope_require(user=actor, scope=scope)
    errors: dict[str, list[str]] = {}
    name = " ".join(str(name or "").split())
    if not name:
        errors["name"] = [_("Give the rule a name.")]
    elif len(name) > 200:
        errors["name"] = [_("At most 200 characters.")]
    found = _trigger_for(scope, str(trigger or ""), errors)
    clean_conditions: list[dict] = []
    clean_actions: list[dict] = []
    if found is not None:
        clean_conditions = _clean_conditions(found, conditions, errors)
        clean_actions = _clean_actions(found, actions, user=actor, errors=errors)
    if errors:
        raise Invalid(fields=errors)
    return {"name": name, "trigger": found.key, "conditions": clean_conditions, "actions": clean_actions}


# --- writes ----------------------------------------------------------------------------------------------


@transaction.atomic
def rule_create(
    *,
    actor,
    scope: str,
    name: str,
    trigger: str,
    conditions: list | None = None,
    actions: list | None = None,
    is_active: bool = True,
) -> AutomationRule:
    """A new rule on `scope` (which `actor` must be allowed to set rules on; else NotFound). Its actions
    will run with `actor`'s rights."""
    values = _clean(
        actor=actor, scope=scope, name=name, trigger=trigger, conditions=conditions, actions=actions
    )
    rule = AutomationRule.objects.create(scope=scope, is_active=bool(is_active), created_by=actor, **values)
    audit_record(actor=actor, action="workflows.rule.create", target=rule, changes=snapshot(rule, FIELDS))
    return rule


@transaction.atomic
def rule_update(
    *,
    actor,
    rule: AutomationRule,
    name: str,
    trigger: str,
    conditions: list | None = None,
    actions: list | None = None,
    is_active: bool = True,
) -> AutomationRule:
    """Change a rule (its scope stays). Saving makes `actor` its author (the actions run with their rights)
    and clears the last error shown; runs already started keep the actions they started with."""
    rule = AutomationRule.objects.select_for_update().get(pk=rule.pk)
    values = _clean(
        actor=actor, scope=rule.scope, name=name, trigger=trigger, conditions=conditions, actions=actions
    )
    before = snapshot(rule, FIELDS)
    for key, value in values.items():
        setattr(rule, key, value)
    rule.is_active = bool(is_active)
    rule.created_by = actor
    rule.last_error = ""
    rule.last_error_at = None
    rule.save(
        update_fields=[
            "name",
            "trigger",
            "conditions",
            "actions",
            "is_active",
            "created_by",
            "last_error",
            "last_error_at",
            "updated_at",
        ]
    )
    changes = diff(before, snapshot(rule, FIELDS))
    if changes:
        audit_record(actor=actor, action="workflows.rule.update", target=rule, changes=changes)
    return rule


@transaction.atomic
def rule_delete(*, actor, rule: AutomationRule) -> None:
    """Delete a rule with its runs (waiting runs stop)."""
    selectors.scope_require(user=actor, scope=rule.scope)
    audit_record(
        actor=actor,
        action="workflows.rule.delete",
        target=rule,
        changes={"name": rule.name, "scope": rule.scope, "trigger": rule.trigger},
    )
    rule.delete()


# --- the engine: events in ---------------------------------------------------------------------------------


def _enqueue(run_id: int) -> None:
    from .. import jobs

    transaction.on_commit(lambda: jobs.workflows_rule_run.delay(run_id))


def automation_event_receive(
    sender=None,
    *,
    trigger: str,
    object_id,
    event_id: str,
    scopes: list[str] | None = None,
    data: dict | None = None,
    actor_id=None,
    **kwargs,
) -> list[int]:
    """The receiver of `automation_event`: a run for every active rule of `trigger` on one of `scopes`,
    once per (rule, object, event). Returns the ids of the runs it made. It never raises: the change that
    sent the event has committed and must not fail because of a rule."""
    try:
        return _receive(trigger, object_id, event_id, scopes, data, actor_id)
    except Exception:
        log.exception(
            "automation event %s %s of %s: the rules were not started", trigger, event_id, object_id
        )
        return []


def _receive(trigger, object_id, event_id, scopes, data, actor_id) -> list[int]:
    scopes = [str(s) for s in scopes or () if s]
    if not scopes:
        return []
    parent = _CHAIN_DEPTH.get()
    depth = 0 if parent is None else parent + 1
    rule_ids = list(
        AutomationRule.objects.filter(trigger=trigger, scope__in=scopes, is_active=True).values_list(
            "pk", flat=True
        )
    )
    if not rule_ids:
        return []
    if depth > MAX_CHAIN:
        log.warning("automation event %s of %s: a chain of %d rules, not followed", trigger, object_id, depth)
        return []
    payload = dict(data or {})
    if depth:
        payload["_depth"] = depth
    if actor_id is not None and not get_user_model().objects.filter(pk=actor_id).exists():
        actor_id = None
    made = []
    for rule_id in rule_ids:
        run, created = RuleRun.objects.get_or_create(
            rule_id=rule_id,
            object_id=str(object_id)[:64],
            event_id=str(event_id)[:100],
            defaults={"data": payload, "actor_id": actor_id},
        )
        if created:
            made.append(run.pk)
    for run_id in made:
        _enqueue(run_id)
    return made


# --- the engine: a run, step by step ------------------------------------------------------------------------


def _now_iso(now: datetime.datetime) -> str:
    return now.isoformat()


def _start_entry(run: RuleRun) -> dict | None:
    return next((e for e in run.log or () if e.get("kind") == "start"), None)


def _waited(run: RuleRun, index: int) -> bool:
    return any(e.get("kind") == "wait" and e.get("index") == index for e in run.log or ())


def _finish(run: RuleRun, status: str, now, entry: dict | None = None, error: str = "") -> None:
    run.status = status
    run.finished_at = now
    run.next_at = None
    run.error = error
    if entry is not None:
        run.log = [*(run.log or []), entry]
    run.save(update_fields=["status", "finished_at", "next_at", "error", "log"])


def _fail(run: RuleRun, now, message: str, *, index: int | None = None, action: str = "") -> None:
    entry = {"kind": "error", "at": _now_iso(now), "error": message}
    if index is not None:
        entry.update(index=index, action=action)
    _finish(run, RuleRunStatus.FAILED, now, entry, error=message)
    label = _action_label(action)
    shown = f"{label}: {message}" if label else message
    AutomationRule.objects.filter(pk=run.rule_id).update(last_error=shown[:MAX_ERROR], last_error_at=now)


def _skip(run: RuleRun, now, reason: str) -> None:
    _finish(run, RuleRunStatus.SKIPPED, now, {"kind": "skipped", "at": _now_iso(now), "result": reason})


def _action_label(key: str) -> str:
    action = selectors.action_get(key) if key else None
    return str(action.label) if action is not None else key


def _wait_until(now: datetime.datetime, days: int, working: bool) -> datetime.datetime:
    if working:
        local = timezone.localtime(now)
        return add_working_days(local, days)
    return now + datetime.timedelta(days=days)


def _conditions_hold(rule: AutomationRule, trigger: AutomationTrigger, data: dict) -> bool:
    kinds = {str(name): str(kind) for name, _label, kind in trigger.conditions}
    conditions = [
        Condition(field=str(c.get("field")), op=str(c.get("op")), value=str(c.get("value") or ""))
        for c in rule.conditions or ()
        if isinstance(c, dict)
    ]
    return rule_conditions_hold(conditions, data or {}, kinds)


def _step(run: RuleRun, now: datetime.datetime) -> bool:
    """One step of a locked pending run; True when there is more to do now."""
    rule = run.rule
    if not rule.is_active:
        _skip(run, now, _("The rule was turned off."))
        return False
    trigger = selectors.trigger_get(rule.trigger)
    if trigger is None:
        _fail(run, now, _("The trigger “%(key)s” is not available any more.") % {"key": rule.trigger})
        return False
    start = _start_entry(run)
    obj = trigger.get(run.object_id)
    if obj is None:
        _skip(run, now, _("The object is gone."))
        return False
    if start is None:
        if not _conditions_hold(rule, trigger, run.data):
            _skip(run, now, _("The conditions do not hold."))
            return False
        text, url = trigger.describe(obj)
        entry = {
            "kind": "start",
            "at": _now_iso(now),
            "object": str(text),
            "url": str(url or ""),
            "actions": list(rule.actions or []),
        }
        run.log = [*(run.log or []), entry]
        run.save(update_fields=["log"])
        return True
    actions = start.get("actions") or []
    index = run.position
    if index >= len(actions):
        _finish(run, RuleRunStatus.DONE, now)
        return False
    item = actions[index]
    key = str(item.get("action") or "")
    wait_days = int(item.get("wait_days") or 0)
    if wait_days > 0 and not _waited(run, index):
        until = _wait_until(now, wait_days, bool(item.get("working")))
        run.status = RuleRunStatus.WAITING
        run.next_at = until
        run.log = [
            *(run.log or []),
            {"kind": "wait", "index": index, "action": key, "at": _now_iso(now), "until": _now_iso(until)},
        ]
        run.save(update_fields=["status", "next_at", "log"])
        return False
    action = selectors.action_get(key)
    if action is None:
        _fail(run, now, _("The action “%(key)s” is not available any more.") % {"key": key}, index=index)
        return False
    try:
        with transaction.atomic():
            result = action.run(rule=rule, obj=obj, event=run, params=dict(item.get("params") or {}))
    except Exception as exc:  # any failure of the action fails the run, and only the run
        log.info("rule %s run %s action %s failed", rule.pk, run.pk, key, exc_info=True)
        _fail(run, now, error_text(exc), index=index, action=key)
        return False
    run.log = [
        *(run.log or []),
        {"kind": "action", "index": index, "action": key, "at": _now_iso(now), "result": str(result or "")},
    ]
    run.position = index + 1
    run.next_at = None
    run.save(update_fields=["log", "position", "next_at"])
    return True


def rule_run_execute(*, run_id: int, now: datetime.datetime | None = None) -> str | None:
    """The job's work: take a pending run as far as it goes now (to its end, a wait or a failure). Each step
    commits on its own under the run's row lock, so a second delivery of the job, or a retry after a crash,
    goes on where the run stands and never redoes an action. Returns the run's status (None: no such run)."""
    status = None
    for _attempt in range(MAX_ACTIONS * 2 + 3):
        token = _CHAIN_DEPTH.set(None)
        try:
            with transaction.atomic():
                run = (
                    RuleRun.objects.select_for_update(of=("self",))
                    .select_related("rule", "rule__created_by")
                    .filter(pk=run_id)
                    .first()
                )
                if run is None:
                    return None
                status = run.status
                if run.status != RuleRunStatus.PENDING:
                    return status
                _CHAIN_DEPTH.set(int((run.data or {}).get("_depth") or 0))
                more = _step(run, now or timezone.now())
                status = run.status
        finally:
            _CHAIN_DEPTH.reset(token)
        if not more:
            return status
    return status


def _due_wait_ids(now: datetime.datetime, limit: int) -> list[int]:
    return list(
        RuleRun.objects.filter(status=RuleRunStatus.WAITING, next_at__lte=now)
        .order_by("next_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def rule_waits_resume(*, now: datetime.datetime | None = None, limit: int = RESUME_BATCH) -> int:
    """The beat's work: runs whose wait is over go on (queued again). Each is taken with a conditional
    update (waiting and due → pending), so two beats at once resume it once. Returns how many resumed."""
    now = now or timezone.now()
    resumed = 0
    for pk in _due_wait_ids(now, limit):
        taken = RuleRun.objects.filter(pk=pk, status=RuleRunStatus.WAITING, next_at__lte=now).update(
            status=RuleRunStatus.PENDING
        )
        if taken:
            resumed += 1
            _enqueue(pk)
    return resumed
