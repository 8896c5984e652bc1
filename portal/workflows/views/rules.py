"""Pages of the workflows app: automation rules ("robots").

The rules of one scope (`?scope=group:12`: a workgroup or project, a pipeline stage, a process template) with
their trigger, conditions, actions, state, last error and run counts; the editor; the delete confirmation;
a rule's run log. Only the people a trigger's `scope_choices` lets set rules on the scope reach these pages;
for everybody else the scope and its rules do not exist (404). Without a scope: the rules of every scope the
person may set rules on, and those scopes."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.core.errors import Invalid, NotFound
from portal.core.htmx import render_htmx

from ..choices import ConditionOp, RuleRunStatus
from ..forms.rules import RuleForm
from ..models import AutomationRule
from ..selectors import rules as selectors
from ..services import rules as services

NAV = {"nav_area": "workflows"}
RUNS_PER_PAGE = 50
SCOPES_SHOWN = 100


def _moment(value) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _query(scope: str) -> str:
    return urlencode({"scope": scope}, safe=":")


def _list_url(scope: str) -> str:
    return f"{reverse('workflows:rule_list')}?{_query(scope)}"


def _describe(rule: AutomationRule, memo: dict) -> dict:
    """What the list shows of a rule: its trigger, conditions and actions in words (`memo` keeps the
    options of a choice value once per page)."""
    trigger = selectors.trigger_get(rule.trigger)
    labels = {str(name): label for name, label, _kind in (trigger.conditions if trigger else ())}
    kinds = {str(name): str(kind) for name, _label, kind in (trigger.conditions if trigger else ())}
    ops = dict(ConditionOp.choices)
    conditions = []
    for condition in rule.conditions or ():
        field, value = str(condition.get("field")), str(condition.get("value") or "")
        if trigger is not None and kinds.get(field) == "choice":
            key = (trigger.key, field)
            if key not in memo:
                memo[key] = dict(selectors.trigger_choices(trigger, field))
            value = memo[key].get(value, value)
        op = condition.get("op")
        shown = "" if op in (ConditionOp.TRUE, ConditionOp.FALSE) else value
        conditions.append(f"{labels.get(field, field)} {ops.get(op, op)} {shown}".strip())
    actions = []
    for item in rule.actions or ():
        action = selectors.action_get(str(item.get("action")))
        actions.append(
            {
                "label": action.label if action else item.get("action"),
                "wait_days": item.get("wait_days") or 0,
                "working": item.get("working"),
                "missing": action is None,
            }
        )
    return {
        "rule": rule,
        "trigger": trigger.label if trigger else rule.trigger,
        "conditions": conditions,
        "actions": actions,
    }


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    """The rules of `?scope=`, or (without it) of every scope the person may set rules on."""
    user = request.user
    scope = request.GET.get("scope", "").strip()
    memo: dict = {}
    if scope:
        label = selectors.scope_require(user=user, scope=scope)
        rules = selectors.rule_list(user=user, scope=scope)
        context = {
            **NAV,
            "scope": scope,
            "scope_label": label,
            "rows": [_describe(rule, memo) for rule in rules],
            "create_url": f"{reverse('workflows:rule_create')}?{_query(scope)}",
        }
        return render(request, "workflows/rules/list.html", context)
    scopes, counts, rules = selectors.rule_overview(user=user)
    if not scopes:
        raise NotFound()
    shown = sorted(scopes.items(), key=lambda pair: (pair[0] not in counts, pair[1].casefold()))
    context = {
        **NAV,
        "scope": "",
        "rows": [
            {
                **_describe(rule, memo),
                "scope_label": scopes.get(rule.scope, ""),
                "scope_url": _list_url(rule.scope),
            }
            for rule in rules
        ],
        "scopes": [
            {"scope": key, "label": label, "count": counts.get(key, 0), "url": _list_url(key)}
            for key, label in shown[:SCOPES_SHOWN]
        ],
        "more_scopes": max(0, len(shown) - SCOPES_SHOWN),
    }
    return render(request, "workflows/rules/overview.html", context)


def _editor(request, form: RuleForm, *, label: str, rule=None, status: int = 200) -> HttpResponse:
    context = {
        **NAV,
        "form": form,
        "rule": rule,
        "scope": form.scope,
        "scope_label": label,
        "list_url": _list_url(form.scope),
    }
    return render_htmx(
        request,
        "workflows/rules/form.html",
        context,
        partial="workflows/rules/partials/editor.html",
        status=status,
        partial_status=200,
    )


def _save(request, *, scope: str, label: str, rule=None) -> HttpResponse:
    """The editor's POST: draw it again (another trigger or action, a row added or removed), or save."""
    url = request.path if rule is not None else f"{request.path}?{_query(scope)}"
    add = request.POST.get("add", "")
    form = RuleForm(request.POST, user=request.user, scope=scope, rule=rule, add=add, refresh_url=url)
    if add or request.POST.get("refresh"):
        return _editor(request, form, label=label, rule=rule)
    values = form.payload()
    try:
        if rule is None:
            services.rule_create(actor=request.user, scope=scope, **values)
            messages.success(request, _("The rule is saved: it acts from now on."))
        else:
            services.rule_update(actor=request.user, rule=rule, **values)
            messages.success(request, _("The rule is saved."))
    except Invalid as exc:
        form.set_errors(exc.fields or {"__all__": [exc.message]})
        return _editor(request, form, label=label, rule=rule, status=400)
    return redirect(_list_url(scope))


@login_required
@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest) -> HttpResponse:
    scope = (request.GET.get("scope") or request.POST.get("scope") or "").strip()
    label = selectors.scope_require(user=request.user, scope=scope)
    if request.method == "POST":
        return _save(request, scope=scope, label=label)
    url = f"{request.path}?{_query(scope)}"
    return _editor(request, RuleForm(user=request.user, scope=scope, refresh_url=url), label=label)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule_get(user=request.user, pk=pk)
    if request.method == "POST":
        return _save(request, scope=rule.scope, label=rule.scope_label, rule=rule)
    form = RuleForm(user=request.user, scope=rule.scope, rule=rule, refresh_url=request.path)
    return _editor(request, form, label=rule.scope_label, rule=rule)


@login_required
@require_http_methods(["GET", "POST"])
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: ask; POST: delete the rule with its runs."""
    rule = selectors.rule_get(user=request.user, pk=pk)
    if request.method == "POST":
        scope = rule.scope
        services.rule_delete(actor=request.user, rule=rule)
        messages.success(request, _("The rule is deleted."))
        return redirect(_list_url(scope))
    context = {**NAV, "rule": rule, "list_url": _list_url(rule.scope), "runs": rule.runs.count()}
    return render(request, "workflows/rules/delete.html", context)


@login_required
@require_GET
def rule_runs(request: HttpRequest, pk: int) -> HttpResponse:
    """The run log of a rule: each run's object, state, the result of each action, the error."""
    rule = selectors.rule_get(user=request.user, pk=pk, with_counts=True)
    status = request.GET.get("status", "")
    if status not in RuleRunStatus.values:
        status = ""
    page = Paginator(selectors.run_list(user=request.user, rule=rule, status=status or None), RUNS_PER_PAGE)
    runs = page.get_page(request.GET.get("page"))
    labels = {a.key: a.label for a in selectors.actions_for(rule.trigger)}
    rows = []
    for run in runs:
        text, url = selectors.run_object(run)
        entries = []
        for entry in run.log or ():
            kind = entry.get("kind")
            if kind == "start":
                continue
            entries.append(
                {
                    **entry,
                    "label": labels.get(entry.get("action", ""), entry.get("action", "")),
                    "until_at": _moment(entry.get("until")),
                }
            )
        rows.append({"run": run, "object": text, "url": url, "entries": entries})
    context = {
        **NAV,
        "rule": rule,
        "rows": rows,
        "page": runs,
        "status": status,
        "statuses": RuleRunStatus.choices,
        "list_url": _list_url(rule.scope),
        "scope_label": rule.scope_label,
    }
    return render_htmx(
        request, "workflows/rules/runs.html", context, partial="workflows/rules/partials/runs.html"
    )


urls = [
    path("rules/", rule_list, name="rule_list"),
    path("rules/new/", rule_create, name="rule_create"),
    path("rules/<int:pk>/edit/", rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", rule_delete, name="rule_delete"),
    path("rules/<int:pk>/runs/", rule_runs, name="rule_runs"),
]
