"""Reading process templates: the admin list (with process counts in the same query), one template, the
templates a person may start (the home page's start cards, the API), the versions of a template, and a
version's form and route put in words for the read-only views."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.core.errors import NotFound
from portal.core.permissions import get_visible, is_portal_admin

from ..choices import (
    ApproverRule,
    ConditionOp,
    FieldType,
    ProcessStatus,
    StepAction,
    StepKind,
    StepMode,
    TemplateKind,
)
from ..models import ProcessRole, ProcessTemplate, TemplateVersion

IN_PROGRESS = (ProcessStatus.RUNNING, ProcessStatus.RETURNED)


def _require_admin(user) -> None:
    if not is_portal_admin(user):
        raise NotFound()


def template_list(*, user, kind: str = "", active: str = "", query: str = "") -> QuerySet[ProcessTemplate]:
    """Every template for the admin list, each with `process_count` and `running_count` computed in the
    list's own query; who may start it and the viewer roles come prefetched (three more queries)."""
    _require_admin(user)
    queryset = (
        ProcessTemplate.objects.visible_to(user)
        .select_related("current_version")
        .annotate(
            process_count=Count("processes"),
            running_count=Count("processes", filter=Q(processes__status__in=IN_PROGRESS)),
        )
        .prefetch_related(
            Prefetch("start_departments", queryset=_named("people", "Department")),
            Prefetch("start_groups", queryset=_named("workgroups", "Workgroup")),
            Prefetch("viewer_roles", queryset=ProcessRole.objects.only("id", "key", "name").order_by("name")),
        )
        .order_by("-is_active", "name", "id")
    )
    if kind in TemplateKind.values:
        queryset = queryset.filter(kind=kind)
    if active in ("1", "0"):
        queryset = queryset.filter(is_active=active == "1")
    if query.strip():
        queryset = queryset.filter(name__icontains=query.strip())
    return queryset


def _named(app_label: str, model_name: str) -> QuerySet:
    from django.apps import apps

    return apps.get_model(app_label, model_name).objects.only("id", "name").order_by("name")


def template_get(*, user, pk) -> ProcessTemplate:
    """A template `user` may see (start, or see the processes of through a role; admins: any)."""
    return get_visible(ProcessTemplate.objects.visible_to(user).select_related("current_version"), pk=pk)


def template_edit_get(*, user, pk) -> ProcessTemplate:
    """A template for its editor (portal admins only)."""
    _require_admin(user)
    return template_get(user=user, pk=pk)


def templates_startable(*, user) -> QuerySet[ProcessTemplate]:
    """The active templates `user` may start, by name, with their current version (one query)."""
    return ProcessTemplate.objects.startable_by(user).select_related("current_version").order_by("name", "id")


def template_versions(*, user, template: ProcessTemplate) -> QuerySet[TemplateVersion]:
    """The template's versions, newest first, with who saved them and how many processes use each."""
    _require_admin(user)
    return (
        TemplateVersion.objects.filter(template=template)
        .select_related("created_by")
        .annotate(
            process_count=Count("processes"),
            running_count=Count("processes", filter=Q(processes__status__in=IN_PROGRESS)),
        )
        .order_by("-number")
    )


def template_version_get(*, user, template: ProcessTemplate, number) -> TemplateVersion:
    _require_admin(user)
    return get_visible(
        TemplateVersion.objects.filter(template=template).select_related("created_by"), number=number
    )


def running_on(version: TemplateVersion) -> int:
    """How many processes in progress use `version`."""
    return version.processes.filter(status__in=IN_PROGRESS).count()


# --- a version in words ---------------------------------------------------------------------------------


def purpose_label(purpose: str) -> str:
    """What a field purpose means, for people."""
    return {
        "amount": _("amount"),
        "counterparty": _("counterparty"),
        "due_date": _("due date"),
        "period": _("period"),
        "absence_type": _("absence type"),
        "revised_file": _("file approved again when replaced"),
    }.get(purpose, purpose)


def _names(model, ids) -> dict[int, str]:
    if not ids:
        return {}
    if model is get_user_model():
        return {
            p.pk: p.full_name or p.email
            for p in model.objects.filter(pk__in=ids).only("id", "first_name", "last_name", "email")
        }
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))


def _deadline_words(deadline) -> str:
    if not isinstance(deadline, dict):
        return ""
    if deadline.get("hours"):
        n = int(deadline["hours"])
        return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}
    if deadline.get("workdays"):
        n = int(deadline["workdays"])
        return ngettext("%(n)d working day", "%(n)d working days", n) % {"n": n}
    return ""


def version_view(version: TemplateVersion) -> dict:
    """The version's form fields and route steps as the read-only views show them: types, rules, conditions
    and deadlines in words, people, departments, workgroups and roles by name (one query per kind named)."""
    from portal.groups.models import Workgroup
    from portal.people.models import Department

    fields = [f for f in (version.fields or []) if isinstance(f, dict)]
    steps = [s for s in (version.steps or []) if isinstance(s, dict)]
    labels = {f.get("key"): f.get("label") or f.get("key") for f in fields}
    rules = [s.get("rule") or {} for s in steps]
    people = {p for r in rules for p in ([r.get("person")] + list(r.get("people") or [])) if p}
    departments = {r.get("department") for r in rules if r.get("department")}
    groups = {r.get("group") for r in rules if r.get("group")}
    role_keys = {r.get("role") for r in rules if r.get("role")}
    person_names = _names(get_user_model(), people)
    department_names = _names(Department, departments)
    group_names = _names(Workgroup, groups)
    role_names = (
        dict(ProcessRole.objects.filter(key__in=role_keys).values_list("key", "name")) if role_keys else {}
    )

    def approvers(rule: dict, mode: str) -> str:
        kind = rule.get("kind")
        if kind == ApproverRule.SUPERVISOR:
            return _("The requester's supervisor")
        if kind == ApproverRule.LEVELS_UP:
            n = int(rule.get("levels") or 1)
            return ngettext("%(n)d level up the org chart", "%(n)d levels up the org chart", n) % {"n": n}
        if kind == ApproverRule.DEPARTMENT_HEAD:
            name = department_names.get(rule.get("department"), f"#{rule.get('department')}")
            return _("The head of %(department)s") % {"department": name}
        if kind == ApproverRule.PERSON:
            return person_names.get(rule.get("person"), f"#{rule.get('person')}")
        if kind == ApproverRule.PEOPLE:
            names = ", ".join(person_names.get(p, f"#{p}") for p in rule.get("people") or [])
            if mode == StepMode.ALL:
                return _("All of: %(names)s") % {"names": names}
            return _("Anyone of: %(names)s") % {"names": names}
        if kind == ApproverRule.GROUP:
            name = group_names.get(rule.get("group"), f"#{rule.get('group')}")
            return _("The members of %(group)s") % {"group": name}
        if kind == ApproverRule.ROLE:
            name = role_names.get(rule.get("role"), rule.get("role"))
            return _("Role: %(role)s") % {"role": name}
        return "?"

    def condition(raw) -> str:
        if not isinstance(raw, dict):
            return ""
        label = labels.get(raw.get("field"), raw.get("field"))
        op = raw.get("op")
        if op == ConditionOp.TRUE:
            return _("if %(field)s is set") % {"field": label}
        if op == ConditionOp.FALSE:
            return _("if %(field)s is not set") % {"field": label}
        sign = ConditionOp(op).label if op in ConditionOp.values else op
        return _("if %(field)s %(op)s %(value)s") % {"field": label, "op": sign, "value": raw.get("value")}

    return {
        "fields": [
            {
                "key": f.get("key"),
                "label": f.get("label"),
                "type": FieldType(f["type"]).label if f.get("type") in FieldType.values else f.get("type"),
                "required": bool(f.get("required")),
                "help": f.get("help") or "",
                "choices": f.get("choices") or [],
                "purpose": purpose_label(f["purpose"]) if f.get("purpose") else "",
            }
            for f in fields
        ],
        "steps": [
            {
                "number": number,
                "name": s.get("name"),
                "info": s.get("kind") == StepKind.INFO,
                "kind": StepKind(s["kind"]).label if s.get("kind") in StepKind.values else "",
                "approvers": approvers(s.get("rule") or {}, s.get("mode") or StepMode.ANY),
                "mode": StepMode(s["mode"]).label if s.get("mode") in StepMode.values else "",
                "condition": condition(s.get("condition")),
                "deadline": _deadline_words(s.get("deadline")),
                "actions": [StepAction(a).label for a in s.get("actions") or [] if a in StepAction.values],
            }
            for number, s in enumerate(steps, start=1)
        ],
    }
