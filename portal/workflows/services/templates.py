"""Process templates, changed by portal admins: the template's own settings (name, who may start it, who
sees all its processes) and its versions (the form and the route).

Saving a changed form or route makes a new `TemplateVersion` (number + 1) and points `current_version` at it;
the processes started before keep theirs. Saving the same form and route again makes nothing. A template
with processes is not deleted (its processes point at its versions): it is deactivated instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotAllowed
from portal.core.permissions import is_portal_admin

from ..choices import ApproverRule, ProcessStatus, TemplateKind
from ..definitions import FieldDef, StepDef, parse_fields, parse_steps
from ..models import Process, ProcessRole, ProcessTemplate, TemplateVersion
from ..selectors.templates import purpose_label

META_FIELDS = ["name", "description", "icon", "kind", "is_active", "starters_everyone"]
RELATIONS = ("start_departments", "start_groups", "viewer_roles")
ICON_RE = re.compile(r"^bi-[a-z0-9-]{1,45}$")
# Processes still on their way: they keep the version they started with.
IN_PROGRESS = (ProcessStatus.RUNNING, ProcessStatus.RETURNED)

# What a template of a kind must keep in its form so that the kind's behaviour still works when an admin
# edits it: an approved leave or trip becomes an absence over its period, a payment lands in the register.
KIND_PURPOSES = {
    TemplateKind.LEAVE: ("period", "absence_type"),
    TemplateKind.TRIP: ("period",),
    TemplateKind.PAYMENT: ("amount",),
}


@dataclass(frozen=True)
class SaveResult:
    """What `template_save` did: the template, its current version, whether that version is new, and how
    many processes in progress keep the previous one."""

    template: ProcessTemplate
    version: TemplateVersion
    created: bool
    previous: TemplateVersion | None
    kept: int


def _require_admin(actor) -> None:
    """Admins only; `actor=None` is the system (the demo, the defaults)."""
    if actor is not None and not is_portal_admin(actor):
        raise NotAllowed(_("Only a portal administrator manages process templates."))


def _pk(value) -> int | None:
    value = getattr(value, "pk", value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _pks(values: Iterable | None) -> list[int]:
    return sorted({pk for pk in (_pk(v) for v in (values or ())) if pk is not None})


def _raw(items) -> list:
    """Field or step definitions as JSON lists (dataclasses from definitions.py are accepted too)."""
    if items is None:
        return []
    if not isinstance(items, list | tuple):
        return items  # parse_* names the problem
    return [item.as_json() if isinstance(item, FieldDef | StepDef) else item for item in items]


# --- checks ---------------------------------------------------------------------------------------------


def _meta_errors(meta: dict, template: ProcessTemplate | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "name" in meta:
        name = (meta.get("name") or "").strip()
        if not name:
            errors["name"] = [_("Give the template a name.")]
        elif len(name) > 200:
            errors["name"] = [_("At most 200 characters.")]
        else:
            meta["name"] = name
    if "kind" in meta:
        kind = meta.get("kind") or TemplateKind.CUSTOM
        if kind not in TemplateKind.values:
            errors["kind"] = [_("Choose what the template is for.")]
        elif template is not None and template.key and kind != template.kind:
            errors["kind"] = [_("A built-in template keeps its kind.")]
        meta["kind"] = kind
    if "icon" in meta:
        icon = (meta.get("icon") or "").strip() or "bi-diagram-3"
        if not ICON_RE.match(icon):
            errors["icon"] = [_("An icon name such as bi-cash-coin.")]
        meta["icon"] = icon
    if "description" in meta:
        meta["description"] = (meta.get("description") or "").strip()
    for flag in ("is_active", "starters_everyone"):
        if flag in meta:
            meta[flag] = bool(meta[flag])
    errors.update(_relation_errors(meta))
    everyone = meta.get("starters_everyone", template.starters_everyone if template else True)
    if not everyone:
        departments = meta.get("start_departments")
        groups = meta.get("start_groups")
        if departments is None and template is not None:
            departments = list(template.start_departments.values_list("pk", flat=True))
        if groups is None and template is not None:
            groups = list(template.start_groups.values_list("pk", flat=True))
        if not departments and not groups:
            errors.setdefault("starters", []).append(
                _("Choose who may start it: everyone, departments or workgroups.")
            )
    return errors


def _relation_errors(meta: dict) -> dict[str, list[str]]:
    """The departments, workgroups and roles named exist; the values become lists of ids."""
    from portal.groups.models import Workgroup
    from portal.people.models import Department

    errors: dict[str, list[str]] = {}
    models = {"start_departments": Department, "start_groups": Workgroup, "viewer_roles": ProcessRole}
    messages = {
        "start_departments": _("Some of the departments do not exist."),
        "start_groups": _("Some of the workgroups do not exist."),
        "viewer_roles": _("Some of the roles do not exist."),
    }
    for name, model in models.items():
        if name not in meta:
            continue
        ids = _pks(meta[name])
        if ids and model.objects.filter(pk__in=ids).count() != len(ids):
            errors["starters" if name != "viewer_roles" else name] = [messages[name]]
        meta[name] = ids
    return errors


def _step_where(number: int) -> str:
    # The same words as definitions.parse_steps, so that pages put the message next to the step's row.
    return _("Step %(n)d") % {"n": number}


def _reference_errors(steps: list[StepDef]) -> list[str]:
    """The people, departments, workgroups and roles the route names exist (one query per kind)."""
    from portal.groups.models import Workgroup
    from portal.people.models import Department

    people: set[int] = set()
    departments: set[int] = set()
    groups: set[int] = set()
    roles: set[str] = set()
    for step in steps:
        rule = step.rule
        if rule.kind == ApproverRule.PERSON and rule.person:
            people.add(rule.person)
        elif rule.kind == ApproverRule.PEOPLE:
            people.update(rule.people)
        elif rule.kind == ApproverRule.DEPARTMENT_HEAD and rule.department:
            departments.add(rule.department)
        elif rule.kind == ApproverRule.GROUP and rule.group:
            groups.add(rule.group)
        elif rule.kind == ApproverRule.ROLE and rule.role:
            roles.add(rule.role)
    found_people = (
        set(get_user_model().objects.filter(pk__in=people, is_active=True).values_list("pk", flat=True))
        if people
        else set()
    )
    found_departments = (
        set(Department.objects.filter(pk__in=departments).values_list("pk", flat=True))
        if departments
        else set()
    )
    found_groups = (
        set(Workgroup.objects.filter(pk__in=groups).values_list("pk", flat=True)) if groups else set()
    )
    found_roles = (
        set(ProcessRole.objects.filter(key__in=roles).values_list("key", flat=True)) if roles else set()
    )
    errors = []
    for number, step in enumerate(steps, start=1):
        rule, where = step.rule, _step_where(number)
        if rule.kind == ApproverRule.PERSON and rule.person not in found_people:
            errors.append(_("%(where)s: the person is not an active employee.") % {"where": where})
        elif rule.kind == ApproverRule.PEOPLE and not set(rule.people) <= found_people:
            errors.append(_("%(where)s: some of the people are not active employees.") % {"where": where})
        elif rule.kind == ApproverRule.DEPARTMENT_HEAD and rule.department not in found_departments:
            errors.append(_("%(where)s: the department does not exist.") % {"where": where})
        elif rule.kind == ApproverRule.GROUP and rule.group not in found_groups:
            errors.append(_("%(where)s: the workgroup does not exist.") % {"where": where})
        elif rule.kind == ApproverRule.ROLE and rule.role not in found_roles:
            errors.append(
                _("%(where)s: there is no role with the code %(role)s.") % {"where": where, "role": rule.role}
            )
    return errors


def definitions_check(
    *, fields, steps, kind: str = TemplateKind.CUSTOM
) -> tuple[list[FieldDef], list[StepDef]]:
    """The form and route parsed and checked: their shape (definitions.py), the people, departments,
    workgroups and roles the route names, and what the template's kind needs from the form. `Invalid` keyed
    "fields" and "steps" names every problem found."""
    errors: dict[str, list[str]] = {}
    parsed_fields: list[FieldDef] = []
    parsed_steps: list[StepDef] = []
    raw_fields = _raw(fields)
    try:
        parsed_fields = parse_fields(raw_fields)
    except Invalid as exc:
        errors.update(exc.fields or {"fields": [exc.message]})
        # The route is still checked, against the fields that are fine on their own, so that one save
        # reports the problems of both.
        usable = _usable_fields(raw_fields)
    else:
        usable = parsed_fields
        purposes = {f.purpose for f in parsed_fields}
        for purpose in KIND_PURPOSES.get(kind, ()):
            if purpose not in purposes:
                errors.setdefault("fields", []).append(
                    _("A template for %(kind)s needs a field used as the %(purpose)s.")
                    % {"kind": TemplateKind(kind).label, "purpose": purpose_label(purpose)}
                )
    try:
        parsed_steps = parse_steps(_raw(steps), usable)
    except Invalid as exc:
        errors.update(exc.fields or {"steps": [exc.message]})
    else:
        references = _reference_errors(parsed_steps)
        if references:
            errors["steps"] = references
    if errors:
        raise Invalid(fields=errors)
    return parsed_fields, parsed_steps


def _usable_fields(raw) -> list[FieldDef]:
    """The fields of `raw` that are fine each on its own (the first of a code used twice)."""
    usable: dict[str, FieldDef] = {}
    for item in raw if isinstance(raw, list) else []:
        try:
            (field,) = parse_fields([item])
        except (Invalid, ValueError):
            continue
        usable.setdefault(field.key, field)
    return list(usable.values())


def _set_relations(template: ProcessTemplate, meta: dict) -> dict[str, list]:
    """Set the many-to-many relations given in `meta`; the changes for the audit row."""
    changes = {}
    for name in RELATIONS:
        if name not in meta:
            continue
        manager = getattr(template, name)
        before = sorted(manager.values_list("pk", flat=True))
        after = sorted(meta[name])
        if before != after:
            manager.set(after)
            changes[name] = [before, after]
    return changes


# --- services -------------------------------------------------------------------------------------------


@transaction.atomic
def template_create(
    *,
    actor,
    name: str,
    kind: str = TemplateKind.CUSTOM,
    description: str = "",
    fields: list,
    steps: list,
    starters_everyone: bool = True,
    start_departments: Iterable = (),
    start_groups: Iterable = (),
    viewer_roles: Iterable = (),
    icon: str = "bi-diagram-3",
    is_active: bool = True,
) -> ProcessTemplate:
    """A new template with its form and route as version 1."""
    _require_admin(actor)
    meta = {
        "name": name,
        "kind": kind,
        "description": description,
        "icon": icon,
        "is_active": is_active,
        "starters_everyone": starters_everyone,
        "start_departments": start_departments,
        "start_groups": start_groups,
        "viewer_roles": viewer_roles,
    }
    errors = _meta_errors(meta, None)
    try:
        parsed_fields, parsed_steps = definitions_check(fields=fields, steps=steps, kind=meta["kind"])
    except Invalid as exc:
        errors.update(exc.fields)
    if errors:
        raise Invalid(fields=errors)
    template = ProcessTemplate(
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **{k: meta[k] for k in META_FIELDS},
    )
    template.save()
    _set_relations(template, meta)
    version = TemplateVersion.objects.create(
        template=template,
        number=1,
        fields=[f.as_json() for f in parsed_fields],
        steps=[s.as_json() for s in parsed_steps],
        created_by=template.created_by,
    )
    template.current_version = version
    template.save(update_fields=["current_version"])
    audit_record(
        actor=actor,
        action="workflows.template.create",
        target=template,
        changes={"version": 1, "kind": template.kind},
    )
    return template


def _update(*, actor, template: ProcessTemplate, meta: dict) -> ProcessTemplate:
    before = snapshot(template, META_FIELDS)
    for name in META_FIELDS:
        if name in meta:
            setattr(template, name, meta[name])
    fields = [name for name in META_FIELDS if name in meta]
    if fields:
        template.save(update_fields=[*fields, "updated_at"])
    changes = diff(before, snapshot(template, META_FIELDS))
    changes.update(_set_relations(template, meta))
    if changes:
        audit_record(actor=actor, action="workflows.template.update", target=template, changes=changes)
    return template


def _check_meta_keys(meta: dict) -> None:
    unknown = set(meta) - set(META_FIELDS) - set(RELATIONS)
    if unknown:
        raise TypeError(f"template_update() got unexpected fields: {', '.join(sorted(unknown))}")


@transaction.atomic
def template_update(*, actor, template: ProcessTemplate, **meta) -> ProcessTemplate:
    """Change the template's own settings (name, description, icon, kind, active, who may start it, the roles
    that see all its processes); its form and route stay in their version (see `template_version_save`)."""
    _require_admin(actor)
    _check_meta_keys(meta)
    errors = _meta_errors(meta, template)
    if errors:
        raise Invalid(fields=errors)
    return _update(actor=actor, template=template, meta=meta)


def _same(version: TemplateVersion | None, fields: list[dict], steps: list[dict]) -> bool:
    if version is None:
        return False
    try:
        current_fields = [f.as_json() for f in parse_fields(version.fields or [])]
        current_steps = [
            s.as_json() for s in parse_steps(version.steps or [], parse_fields(version.fields or []))
        ]
    except Invalid:
        return False
    return current_fields == fields and current_steps == steps


def _new_version(
    *, actor, template: ProcessTemplate, fields: list[FieldDef], steps: list[StepDef], comment: str
) -> tuple[TemplateVersion, bool]:
    fields_json = [f.as_json() for f in fields]
    steps_json = [s.as_json() for s in steps]
    current = template.current_version
    if _same(current, fields_json, steps_json):
        return current, False
    top = TemplateVersion.objects.filter(template=template).aggregate(top=Max("number"))["top"] or 0
    version = TemplateVersion.objects.create(
        template=template,
        number=top + 1,
        fields=fields_json,
        steps=steps_json,
        comment=(comment or "").strip()[:300],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    template.current_version = version
    template.save(update_fields=["current_version", "updated_at"])
    audit_record(
        actor=actor,
        action="workflows.template.version",
        target=template,
        changes={"version": [current.number if current else None, version.number]},
    )
    return version, True


def _locked(template: ProcessTemplate) -> ProcessTemplate:
    """The template row locked, so that two admins saving at once make versions n+1 and n+2 in turn."""
    locked = ProcessTemplate.objects.select_for_update().only("current_version_id").get(pk=template.pk)
    if locked.current_version_id != template.current_version_id:
        template.current_version = locked.current_version
    return template


@transaction.atomic
def template_version_save(
    *, actor, template: ProcessTemplate, fields, steps, comment: str = ""
) -> TemplateVersion:
    """Save the template's form and route: a new version (number + 1, now the current one) when they changed,
    else the current version as it is. Processes started before keep the version they started with."""
    _require_admin(actor)
    template = _locked(template)
    parsed_fields, parsed_steps = definitions_check(fields=fields, steps=steps, kind=template.kind)
    version, _created = _new_version(
        actor=actor, template=template, fields=parsed_fields, steps=parsed_steps, comment=comment
    )
    return version


@transaction.atomic
def template_save(
    *, actor, template: ProcessTemplate, fields, steps, comment: str = "", **meta
) -> SaveResult:
    """The editor's save: the template's settings and its form and route together, all checked before
    anything is stored (every problem reported at once)."""
    _require_admin(actor)
    _check_meta_keys(meta)
    template = _locked(template)
    errors = _meta_errors(meta, template)
    try:
        parsed_fields, parsed_steps = definitions_check(
            fields=fields, steps=steps, kind=meta.get("kind", template.kind)
        )
    except Invalid as exc:
        errors.update(exc.fields)
    if errors:
        raise Invalid(fields=errors)
    previous = template.current_version
    _update(actor=actor, template=template, meta=meta)
    version, created = _new_version(
        actor=actor, template=template, fields=parsed_fields, steps=parsed_steps, comment=comment
    )
    kept = 0
    if created and previous is not None:
        kept = Process.objects.filter(version=previous, status__in=IN_PROGRESS).count()
    return SaveResult(template=template, version=version, created=created, previous=previous, kept=kept)


@transaction.atomic
def template_delete(*, actor, template: ProcessTemplate) -> None:
    """Delete a template nobody has started a process from; one with processes is deactivated instead."""
    _require_admin(actor)
    count = Process.objects.filter(template=template).count()
    if count:
        raise Invalid(
            ngettext(
                "%(n)d process was started from this template: deactivate it instead.",
                "%(n)d processes were started from this template: deactivate it instead.",
                count,
            )
            % {"n": count},
            code="in_use",
        )
    audit_record(actor=actor, action="workflows.template.delete", target=template)
    ProcessTemplate.objects.filter(pk=template.pk).update(current_version=None)
    template.delete()
