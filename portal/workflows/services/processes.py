"""Running processes: starting one, acting on its steps, withdrawing, resubmitting after a return, and a new
version of a contract's draft re-running the approval.

A process follows the route of the template version it started with (`process.version`, never the template's
newer versions). Each round (the start, each resubmission, each new version of the revised file) lays one
`ProcessStep` per route step: those whose condition does not hold on the form's values are `skipped` at once,
the first applicable one is activated with its assignees (`services.routes.resolve_step`: delegation,
the requester never approving their own request, the admins when nobody is found) and its deadline. An
"anyone of" step ends at the first decision, an "all of" step needs everyone's approval (an escalated
supervisor's approval counts for the approver they were added for); a reject ends the process, a return hands
it back to the requester, the last approval approves it and then tells the "for information" step's people.

Acting locks the process row (`select_for_update`) and re-reads it, so two approvers (or a double click)
acting at once produce one transition; the loser gets `Invalid(code="already_decided")` saying who decided
what and when. Every act writes the history (`ProcessAction`) and an audit row; the people told are notified
(`workflows_approval`, `workflows_result`, `workflows_info`) and the "Approvals waiting for me" counter of
everyone assigned is recounted after commit. A finished process (approved, rejected, withdrawn) announces
`workflows.process_finished` to the automation rules; an approved leave request or business trip becomes an
absence of its person.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.attachments import attachment_store
from portal.core.audit import audit_record
from portal.core.automation import automation_event_send
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.core.i18n import message
from portal.core.permissions import is_portal_admin
from portal.core.workdays import add_working_days

from ..choices import (
    ActionKind,
    AssignmentReason,
    FieldType,
    ProcessStatus,
    StepAction,
    StepKind,
    StepMode,
    StepStatus,
    TemplateKind,
)
from ..definitions import FieldDef, StepDef, condition_holds, field_defs, period_of, purpose_field, step_defs
from ..models import Process, ProcessAction, ProcessFile, ProcessStep, ProcessTemplate, StepAssignment
from ..registrations.processes import WAITING_COUNTER
from .routes import Assignee, resolve_step

__all__ = [
    "FINISHED_TRIGGER",
    "WAITING_COUNTER",
    "allowed_actions",
    "may_act",
    "process_act",
    "process_file_replace",
    "process_resubmit",
    "process_start",
    "process_withdraw",
]

FINISHED_TRIGGER = "workflows.process_finished"
TITLE_MAX = 300
# What `allowed_actions` may answer, in the order pages show them.
ACTION_ORDER = ("approve", "reject", "return", "comment", "withdraw", "resubmit", "replace_file")
DECISIONS = (StepAction.APPROVE, StepAction.REJECT, StepAction.RETURN)
# The history rows that end a step or a round: what "already decided" names.
DECISION_KINDS = (
    ActionKind.APPROVE,
    ActionKind.REJECT,
    ActionKind.RETURN,
    ActionKind.WITHDRAW,
    ActionKind.RESUBMIT,
    ActionKind.FILE,
)
FINISHED = (ProcessStatus.APPROVED, ProcessStatus.REJECTED, ProcessStatus.WITHDRAWN)
OPEN = (ProcessStatus.RUNNING, ProcessStatus.RETURNED)


# --- the form's values ----------------------------------------------------------------------------------


def _empty(value) -> bool:
    if (
        isinstance(value, dict) and "amount" in value
    ):  # money: the amount is the value, the currency a setting
        return value.get("amount") in (None, "")
    if isinstance(value, str):
        return not value.strip()
    return value in (None, [], {})


def _value_error(definition: FieldDef, value) -> str | None:
    """What is wrong with a non-empty value of the field (the form cleans values; this keeps the API and any
    other caller from storing what lists, the register and the absence would misread)."""
    kind = definition.type
    try:
        if kind == FieldType.MONEY:
            Decimal(str(value["amount"]))
            if not str(value.get("currency") or ""):
                return _("Choose the currency.")
        elif kind == FieldType.NUMBER:
            Decimal(str(value))
        elif kind == FieldType.DATE:
            datetime.date.fromisoformat(str(value))
        elif kind == FieldType.DATERANGE:
            start = datetime.date.fromisoformat(str(value["start"]))
            end = datetime.date.fromisoformat(str(value["end"]))
            if end < start:
                return _("The end comes before the start.")
        elif kind == FieldType.CHOICE and definition.choices and value not in definition.choices:
            return _("Choose one of the options.")
        elif kind in (FieldType.PERSON, FieldType.DEPARTMENT, FieldType.ABSENCE_TYPE):
            int(value)
    except (InvalidOperation, KeyError, TypeError, ValueError, AttributeError):
        return _("Enter a valid value.")
    return None


def _kept_files(process: Process | None) -> dict[str, set[int]]:
    """{field: ids} of the files the process already keeps (none before it exists)."""
    if process is None:
        return {}
    kept: dict[str, set[int]] = {}
    for field, pk in ProcessFile.objects.filter(process=process).values_list("field", "id"):
        kept.setdefault(field, set()).add(pk)
    return kept


def _clean_data(
    *, fields: list[FieldDef], data: dict, uploads: dict[str, list], process: Process | None = None
) -> dict:
    """The values to keep: the form's fields only; file ids only of this process's own files (a new
    process has none: its files come from `uploads`); required fields present. `Invalid` by field."""
    data = data if isinstance(data, dict) else {}
    kept = _kept_files(process)
    clean: dict = {}
    errors: dict[str, list[str]] = {}
    for definition in fields:
        key = definition.key
        value = data.get(key)
        if definition.type == FieldType.FILE:
            ids = value if isinstance(value, list) else []
            value = [pk for pk in ids if isinstance(pk, int) and pk in kept.get(key, set())]
            present = bool(value) or any(uploads.get(key) or [])
        elif definition.type == FieldType.LINES:
            lines = []
            for line in value if isinstance(value, list) else []:
                if isinstance(line, dict):
                    line = dict(line)
                    if line.get("receipt") not in kept.get(key, set()):
                        line["receipt"] = None
                    lines.append(line)
            value = lines
            present = bool(value)
        elif definition.type == FieldType.BOOLEAN:
            value = bool(value)
            present = value
        else:
            present = not _empty(value)
        if definition.required and not present:
            errors.setdefault(key, []).append(_("This field is required."))
            continue
        if not _empty(value) and definition.type not in (FieldType.FILE, FieldType.LINES, FieldType.BOOLEAN):
            problem = _value_error(definition, value)
            if problem:
                errors.setdefault(key, []).append(problem)
                continue
        if definition.type == FieldType.BOOLEAN or not _empty(value) or definition.type == FieldType.FILE:
            clean[key] = value
    unknown = set(uploads) - {f.key for f in fields if f.type in (FieldType.FILE, FieldType.LINES)}
    for key in sorted(unknown):
        errors.setdefault(key, []).append(_("This form has no such file field."))
    if errors:
        raise Invalid(fields=errors)
    return clean


def _file_store(*, actor, process: Process, field: str, upload, version: int) -> ProcessFile:
    """One upload kept through core's attachments as a file of the form's `field` (attachment_store's own
    `field` argument names the input its errors belong to, so the row's `field` is written after)."""
    stored = attachment_store(
        model=ProcessFile, actor=actor, upload=upload, field=field, process=process, version=version
    )
    ProcessFile.objects.filter(pk=stored.pk).update(field=field)
    stored.field = field
    return stored


def _store_uploads(*, actor, process: Process, fields: list[FieldDef], uploads: dict[str, list]) -> None:
    """Keep the uploaded files through core's attachments and write their ids into `process.data`: a file
    field's uploads become its new version (replacing its ids); a lines field's uploads are the receipts, a
    list aligned with the lines (None where a line has none)."""
    if not uploads:
        return
    by_key = {f.key: f for f in fields}
    versions = dict(
        ProcessFile.objects.filter(process=process, field__in=list(uploads))
        .values("field")
        .annotate(top=Max("version"))
        .values_list("field", "top")
    )
    for key, files in uploads.items():
        definition = by_key[key]
        version = (versions.get(key) or 0) + 1
        if definition.type == FieldType.FILE:
            stored = [
                _file_store(actor=actor, process=process, field=key, upload=upload, version=version)
                for upload in files or []
                if upload is not None
            ]
            if stored:
                process.data[key] = [row.pk for row in stored]
        else:
            lines = process.data.get(key) or []
            for line, upload in zip(lines, files or [], strict=False):
                if upload is not None:
                    row = _file_store(actor=actor, process=process, field=key, upload=upload, version=version)
                    line["receipt"] = row.pk
    process.save(update_fields=["data", "updated_at"])


def _money(value):
    from djmoney.money import Money

    try:
        return Money(Decimal(str(value["amount"])), str(value["currency"]))
    except (InvalidOperation, KeyError, TypeError, ValueError):
        return None


def _copy_purposes(process: Process, fields: list[FieldDef]) -> None:
    """The amount, counterparty and due date the lists and the payment register read, from the form."""
    data = process.data
    amount = purpose_field(fields, "amount")
    process.amount = _money(data.get(amount.key)) if amount and data.get(amount.key) else None
    counterparty = purpose_field(fields, "counterparty")
    process.counterparty = str(data.get(counterparty.key) or "")[:300] if counterparty else ""
    due = purpose_field(fields, "due_date")
    try:
        process.due_date = (
            datetime.date.fromisoformat(str(data[due.key])) if due and data.get(due.key) else None
        )
    except ValueError:
        process.due_date = None


def _title(template: ProcessTemplate, fields: list[FieldDef], data: dict, requester) -> str:
    """ "<template name>: <summary>": the counterparty or the first text, the period, the amount."""
    pieces: list[str] = []
    counterparty = purpose_field(fields, "counterparty")
    text = str(data.get(counterparty.key) or "") if counterparty else ""
    if not text:
        for f in fields:
            if f.type in (FieldType.TEXT, FieldType.LONGTEXT) and str(data.get(f.key) or "").strip():
                text = str(data[f.key]).strip().splitlines()[0]
                break
    if text:
        pieces.append(text)
    period = period_of(data, fields)
    if period:
        start, end = (formats.date_format(day, "SHORT_DATE_FORMAT") for day in period)
        pieces.append(start if start == end else f"{start} – {end}")
    amount_field = purpose_field(fields, "amount")
    money = _money(data.get(amount_field.key)) if amount_field and data.get(amount_field.key) else None
    if money is not None:
        pieces.append(f"{formats.number_format(money.amount, 2, force_grouping=True)} {money.currency}")
    summary = ", ".join(pieces) or (requester.full_name or requester.email)
    return f"{template.name}: {summary}"[:TITLE_MAX]


# --- history, notifications, counters ------------------------------------------------------------------


def _history(process, kind, *, actor=None, step=None, comment="", on_behalf_of_id=None, details=None):
    return ProcessAction.objects.create(
        process=process,
        step=step,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        comment=comment,
        on_behalf_of_id=on_behalf_of_id,
        details=details or {},
    )


def _recount(process: Process, extra: Iterable[int] = ()) -> None:
    """Recount "Approvals waiting for me" after commit for everyone ever assigned to the process (a
    superset of those whose number changed, in one query)."""
    from portal.notifications.counters import counters_recount

    people = set(StepAssignment.objects.filter(step__process_id=process.pk).values_list("user_id", flat=True))
    counters_recount(people | set(extra), [WAITING_COUNTER])


def _notify(recipients, *, kind: str, title, body, process: Process, actor=None) -> None:
    from portal.notifications.services import notify

    if recipients:
        notify(
            recipients=list(recipients),
            kind=kind,
            title=title,
            body=body,
            actor=actor,
            url=process.get_absolute_url(),
            target=process,
        )


def _notify_result(process: Process, *, actor, status: str, comment: str = "") -> None:
    titles = {
        ProcessStatus.APPROVED: gettext_lazy("Your request was approved: %(title)s"),
        ProcessStatus.REJECTED: gettext_lazy("Your request was rejected: %(title)s"),
        ProcessStatus.RETURNED: gettext_lazy("Your request was returned for rework: %(title)s"),
    }
    _notify(
        [process.requester_id],
        kind="workflows_result",
        title=message(titles[status], title=process.title),
        body=comment,
        process=process,
        # An approval the requester's own start made (every step skipped) still tells them.
        actor=actor if actor is not None and actor.pk != process.requester_id else None,
    )


def _when(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _already_decided(process: Process, step_id: int | None = None) -> Invalid:
    """The loser's answer: what ended the step (or the round) and who did it when."""
    actions = ProcessAction.objects.filter(process=process, kind__in=DECISION_KINDS).select_related("actor")
    last = (actions.filter(step_id=step_id) if step_id else actions).order_by("-created_at", "-id").first()
    if last is None and step_id:
        last = actions.order_by("-created_at", "-id").first()
    if last is None:
        return Invalid(
            _("This request no longer waits for this decision (it is %(status)s).")
            % {"status": process.get_status_display().lower()},
            code="already_decided",
        )
    who = (last.actor.full_name or last.actor.email) if last.actor else _("the system")
    return Invalid(
        _("Already decided: %(what)s by %(who)s on %(when)s.")
        % {"what": last.get_kind_display(), "who": who, "when": _when(last.created_at)},
        code="already_decided",
    )


# --- steps ----------------------------------------------------------------------------------------------


def _due_at(step_def: StepDef, start: datetime.datetime) -> datetime.datetime | None:
    """The step's deadline: hours after its start, or working days (the company calendar counted)."""
    if step_def.deadline_hours:
        return start + datetime.timedelta(hours=step_def.deadline_hours)
    if step_def.deadline_workdays:
        return add_working_days(timezone.localtime(start), step_def.deadline_workdays)
    return None


def _defs(process: Process) -> dict[str, StepDef]:
    return {d.key: d for d in step_defs(process.version)}


def _assign(process: Process, step: ProcessStep, assignees: list[Assignee], *, informed_at=None) -> list[int]:
    """Store the step's assignees and the history of each delegation (once per note). Returns their ids."""
    StepAssignment.objects.bulk_create(
        [
            StepAssignment(
                step=step,
                user_id=a.user_id,
                reason=a.reason,
                instead_of_id=a.instead_of_id,
                decision="informed" if informed_at else "",
                decided_at=informed_at,
                active=informed_at is None,
            )
            for a in assignees
        ]
    )
    noted: set[str] = set()
    for a in assignees:
        if a.note and a.note not in noted:
            noted.add(a.note)
            _history(
                process,
                ActionKind.DELEGATE,
                step=step,
                comment=a.note,
                on_behalf_of_id=a.instead_of_id,
                details={"user": a.user_id, "reason": a.reason, "instead_of": a.instead_of_id},
            )
    return [a.user_id for a in assignees]


def _activate(process: Process, step: ProcessStep, step_def: StepDef, *, now) -> None:
    step.status = StepStatus.ACTIVE
    step.started_at = now
    step.due_at = _due_at(step_def, now)
    step.save(update_fields=["status", "started_at", "due_at"])
    people = _assign(
        process, step, resolve_step(process=process, step_def=step_def, day=timezone.localdate(now))
    )
    process.current_step = step
    process.save(update_fields=["current_step", "updated_at"])
    _notify(
        people,
        kind="workflows_approval",
        title=message(gettext_lazy("Approval needed: %(title)s"), title=process.title),
        body=message(gettext_lazy("Step: %(step)s."), step=step.name),
        process=process,
        actor=process.requester,
    )


def _inform(process: Process, step: ProcessStep, step_def: StepDef, *, now) -> None:
    """The "for information" step: its people are told the approved request; nothing waits for them."""
    people = _assign(
        process,
        step,
        resolve_step(process=process, step_def=step_def, day=timezone.localdate(now)),
        informed_at=now,
    )
    step.status = StepStatus.INFORMED
    step.started_at = step.finished_at = now
    step.save(update_fields=["status", "started_at", "finished_at"])
    _history(process, ActionKind.INFORM, step=step, details={"users": people})
    _notify(
        people,
        kind="workflows_info",
        title=message(gettext_lazy("For your information: %(title)s"), title=process.title),
        body=message(gettext_lazy("The request was approved (%(step)s)."), step=step.name),
        process=process,
    )


def _round_build(process: Process, *, now) -> None:
    """Lay the round's steps from the version's route (conditions evaluated now) and start the first."""
    fields = field_defs(process.version)
    defs = step_defs(process.version)
    rows = []
    for index, d in enumerate(defs):
        applies = condition_holds(d.condition, process.data, fields)
        rows.append(
            ProcessStep(
                process=process,
                round=process.round,
                index=index,
                key=d.key,
                name=d.name,
                kind=d.kind,
                mode=d.mode,
                actions=list(d.actions),
                status=StepStatus.WAITING if applies else StepStatus.SKIPPED,
                finished_at=None if applies else now,
            )
        )
    ProcessStep.objects.bulk_create(rows)
    _advance(process, now=now, actor=process.requester, defs={d.key: d for d in defs})


def _advance(process: Process, *, now, actor, defs: dict[str, StepDef]) -> None:
    """Start the round's next waiting step; none left (or only the information step): approved."""
    following = (
        ProcessStep.objects.filter(process=process, round=process.round, status=StepStatus.WAITING)
        .order_by("index")
        .first()
    )
    if following is not None and following.kind == StepKind.APPROVAL:
        _activate(process, following, defs[following.key], now=now)
        return
    _finish(process, ProcessStatus.APPROVED, actor=actor, now=now)
    if following is not None:
        _inform(process, following, defs[following.key], now=now)


def _close_round(process: Process, *, now) -> None:
    """Whatever still waits in the round is cancelled, and nobody is asked any more."""
    ProcessStep.objects.filter(
        process=process, round=process.round, status__in=(StepStatus.WAITING, StepStatus.ACTIVE)
    ).update(status=StepStatus.CANCELLED, finished_at=now)
    StepAssignment.objects.filter(step__process=process, active=True).update(active=False)


def _finish(process: Process, status: str, *, actor, now, comment: str = "") -> None:
    """The process leaves "running": approved, rejected, returned or withdrawn."""
    if status != ProcessStatus.APPROVED:
        _close_round(process, now=now)
    else:
        StepAssignment.objects.filter(step__process=process, active=True).update(active=False)
    process.status = status
    process.current_step = None
    process.finished_at = now if status in FINISHED else None
    process.save(update_fields=["status", "current_step", "finished_at", "updated_at"])
    if status in (ProcessStatus.APPROVED, ProcessStatus.REJECTED, ProcessStatus.RETURNED):
        _notify_result(process, actor=actor, status=status, comment=comment)
    if status == ProcessStatus.APPROVED and process.kind in (TemplateKind.LEAVE, TemplateKind.TRIP):
        _absence_make(process)
    if status in FINISHED:
        automation_event_send(
            trigger=FINISHED_TRIGGER,
            object_id=process.pk,
            event_id=f"finished:{status}:{process.round}",
            scopes=[f"template:{process.template_id}"],
            data={"status": status, "kind": process.kind, "title": process.title},
            actor_id=getattr(actor, "pk", None),
        )


def _absence_make(process: Process) -> None:
    """An approved leave request (of its chosen type) or business trip (type "trip") becomes an absence over
    its period. Should the absence be refused (it overlaps one already entered), the approval stands and the
    history says why there is no absence."""
    from ..models import AbsenceType
    from .absences import absence_create

    fields = field_defs(process.version)
    period = period_of(process.data, fields)
    kind_field = purpose_field(fields, "absence_type")
    absence_type = None
    if process.kind == TemplateKind.LEAVE and kind_field and process.data.get(kind_field.key):
        absence_type = AbsenceType.objects.filter(pk=process.data[kind_field.key]).first()
    if absence_type is None:
        key = "trip" if process.kind == TemplateKind.TRIP else "vacation"
        absence_type = AbsenceType.objects.filter(key=key).first()
    if period is None or absence_type is None:
        _history(
            process,
            ActionKind.COMMENT,
            comment=_("No absence was recorded: the period or its type is missing."),
        )
        return
    try:
        absence_create(
            actor=None,
            user=process.requester,
            type=absence_type,
            start=period[0],
            end=period[1],
            comment=process.title,
            process=process,
        )
    except Invalid as exc:
        _history(
            process,
            ActionKind.COMMENT,
            comment=_("No absence was recorded: %(reason)s") % {"reason": exc.message},
        )


# --- reading and locking --------------------------------------------------------------------------------


def _locked(actor, process: Process) -> Process:
    """The process re-read under a row lock, if `actor` may see it (else NotFound)."""
    if not Process.objects.visible_to(actor).filter(pk=process.pk).exists():
        raise NotFound()
    return (
        Process.objects.select_for_update(of=("self",))
        .select_related("template", "version", "requester", "requester__department")
        .get(pk=process.pk)
    )


def _may_comment(user, process: Process) -> bool:
    """The requester and portal admins; the people assigned to the process, unless the step now active does
    not allow comments."""
    if process.requester_id == user.pk or is_portal_admin(user):
        return True
    if not StepAssignment.objects.filter(step__process_id=process.pk, user_id=user.pk).exists():
        return False
    if process.current_step_id is None:
        return True
    step = ProcessStep.objects.only("id", "actions").get(pk=process.current_step_id)
    return step.allows(StepAction.COMMENT)


def _slot(assignment: StepAssignment) -> int:
    """Whose approval an assignment gives in an "all of" step: an escalated supervisor's counts for the
    approver they were added for."""
    if assignment.reason == AssignmentReason.ESCALATED and assignment.instead_of_id:
        return assignment.instead_of_id
    return assignment.user_id


# --- services -------------------------------------------------------------------------------------------


@transaction.atomic
def process_start(
    *, actor, template: ProcessTemplate, data: dict, uploads: dict[str, list] | None = None
) -> Process:
    """Start a process of `template` (its current version) as `actor` with the form's cleaned `data` and the
    uploaded files (`uploads`: {file field: [files]}, {lines field: [receipt or None per line]}). Refuses a
    template the actor may not start, and missing required values (`Invalid` by field), storing nothing."""
    template = (
        ProcessTemplate.objects.startable_by(actor)
        .select_related("current_version")
        .filter(pk=template.pk)
        .first()
    )
    if template is None:
        raise NotFound()
    version = template.current_version
    fields = field_defs(version)
    uploads = {key: list(files or []) for key, files in (uploads or {}).items()}
    clean = _clean_data(fields=fields, data=data, uploads=uploads)
    now = timezone.now()
    process = Process(
        template=template,
        version=version,
        kind=template.kind,
        requester=actor,
        data=clean,
        status=ProcessStatus.RUNNING,
        round=1,
        submitted_at=now,
    )
    process.title = _title(template, fields, clean, actor)
    _copy_purposes(process, fields)
    process.save()
    _store_uploads(actor=actor, process=process, fields=fields, uploads=uploads)
    _history(process, ActionKind.START, actor=actor, details={"version": version.number})
    _round_build(process, now=now)
    audit_record(
        actor=actor,
        action="workflows.process.start",
        target=process,
        changes={"template": template, "version": version.number, "status": process.status},
    )
    _recount(process)
    return process


@transaction.atomic
def process_act(
    *, actor, process: Process, action: str, comment: str = "", step_id: int | None = None
) -> Process:
    """Approve, reject, return for rework or comment, as `actor` on the process's active step (`step_id`, when
    given, is the step the actor saw: a different one is already decided). A comment is required to reject
    or return. Raises `Invalid(code="already_decided")` when the step (or the actor's part of it) was decided
    meanwhile, naming who did what when."""
    comment = (comment or "").strip()
    if action not in StepAction.values:
        raise Invalid(fields={"action": [_("Unknown action.")]})
    if action in (StepAction.REJECT, StepAction.RETURN) and not comment:
        raise Invalid(fields={"comment": [_("Say why in a comment.")]})
    process = _locked(actor, process)
    now = timezone.now()
    if action == StepAction.COMMENT:
        return _comment(actor=actor, process=process, comment=comment)
    if process.status != ProcessStatus.RUNNING or process.current_step_id is None:
        raise _already_decided(process, step_id)
    if step_id is not None and step_id != process.current_step_id:
        raise _already_decided(process, step_id)
    step = ProcessStep.objects.get(pk=process.current_step_id)
    assignments = list(StepAssignment.objects.filter(step=step).order_by("id"))
    mine = next((a for a in assignments if a.user_id == actor.pk), None)
    if mine is None:
        earlier = (
            StepAssignment.objects.filter(step__process=process, user_id=actor.pk)
            .order_by("-step__round", "-step__index")
            .values_list("step_id", flat=True)
            .first()
        )
        if earlier is not None:
            raise _already_decided(process, earlier)
        raise NotAllowed(_("This step does not wait for your decision."))
    if mine.decision or not mine.active:
        raise _already_decided(process, step.pk)
    if not step.allows(action):
        raise NotAllowed(_("This step does not allow that."))

    mine.decision, mine.decided_at, mine.active = action, now, False
    mine.save(update_fields=["decision", "decided_at", "active"])
    slot = _slot(mine)
    mates = [a for a in assignments if a.pk != mine.pk and a.active and not a.decision and _slot(a) == slot]
    if mates:
        StepAssignment.objects.filter(pk__in=[a.pk for a in mates]).update(active=False)
    _history(process, action, actor=actor, step=step, comment=comment, on_behalf_of_id=mine.instead_of_id)
    ends = action != StepAction.APPROVE or step.mode == StepMode.ANY
    if not ends:
        approved = {_slot(a) for a in assignments if a.decision == StepAction.APPROVE}
        ends = {_slot(a) for a in assignments} <= approved
    if ends:
        step.status = {
            StepAction.APPROVE: StepStatus.APPROVED,
            StepAction.REJECT: StepStatus.REJECTED,
            StepAction.RETURN: StepStatus.RETURNED,
        }[action]
        step.finished_at = now
        step.save(update_fields=["status", "finished_at"])
        StepAssignment.objects.filter(step=step, active=True).update(active=False)
        if action == StepAction.APPROVE:
            _advance(process, now=now, actor=actor, defs=_defs(process))
        else:
            status = ProcessStatus.REJECTED if action == StepAction.REJECT else ProcessStatus.RETURNED
            _finish(process, status, actor=actor, now=now, comment=comment)
    audit_record(
        actor=actor,
        action=f"workflows.process.{action}",
        target=process,
        changes={"step": step.name, "status": process.status, "comment": comment},
    )
    _recount(process)
    return process


def _comment(*, actor, process: Process, comment: str) -> Process:
    if not comment:
        raise Invalid(fields={"comment": [_("Write the comment.")]})
    if process.status not in OPEN:
        raise Invalid(_("The request is finished: it takes no more comments."), code="finished")
    if not _may_comment(actor, process):
        raise NotAllowed(_("Only the requester and the approvers comment on a request."))
    step = ProcessStep.objects.filter(pk=process.current_step_id).first() if process.current_step_id else None
    _history(process, ActionKind.COMMENT, actor=actor, step=step, comment=comment)
    people = set(
        StepAssignment.objects.filter(step__process=process, step__round=process.round).values_list(
            "user_id", flat=True
        )
    ) | {process.requester_id}
    _notify(
        people - {actor.pk},
        kind="workflows_info",
        title=message(gettext_lazy("A comment on %(title)s"), title=process.title),
        body=comment,
        process=process,
        actor=actor,
    )
    return process


@transaction.atomic
def process_withdraw(*, actor, process: Process, comment: str = "") -> Process:
    """The requester takes back a request that is running or returned for rework."""
    process = _locked(actor, process)
    if process.requester_id != actor.pk:
        raise NotAllowed(_("Only the requester withdraws a request."))
    if process.status not in OPEN:
        raise _already_decided(process)
    now = timezone.now()
    _history(process, ActionKind.WITHDRAW, actor=actor, comment=(comment or "").strip())
    _finish(process, ProcessStatus.WITHDRAWN, actor=actor, now=now)
    audit_record(
        actor=actor, action="workflows.process.withdraw", target=process, changes={"status": process.status}
    )
    _recount(process)
    return process


def _new_round(process: Process, *, now) -> None:
    _close_round(process, now=now)
    process.round += 1
    process.status = ProcessStatus.RUNNING
    process.finished_at = None
    process.current_step = None
    process.save(update_fields=["round", "status", "finished_at", "current_step", "updated_at"])
    _round_build(process, now=now)


@transaction.atomic
def process_resubmit(
    *, actor, process: Process, data: dict, uploads: dict[str, list] | None = None, comment: str = ""
) -> Process:
    """The requester answers a return for rework: the edited form (checked like a new one; new uploads of a
    file field become its next version) starts a new round of the route from its first step."""
    process = _locked(actor, process)
    if process.requester_id != actor.pk:
        raise NotAllowed(_("Only the requester resubmits a request."))
    if process.status != ProcessStatus.RETURNED:
        raise _already_decided(process)
    fields = field_defs(process.version)
    uploads = {key: list(files or []) for key, files in (uploads or {}).items()}
    before = dict(process.data)
    process.data = _clean_data(fields=fields, data=data, uploads=uploads, process=process)
    process.title = _title(process.template, fields, process.data, process.requester)
    _copy_purposes(process, fields)
    process.save(
        update_fields=["data", "title", "amount", "amount_currency", "counterparty", "due_date", "updated_at"]
    )
    _store_uploads(actor=actor, process=process, fields=fields, uploads=uploads)
    now = timezone.now()
    _history(
        process,
        ActionKind.RESUBMIT,
        actor=actor,
        comment=(comment or "").strip(),
        details={"round": process.round + 1},
    )
    _new_round(process, now=now)
    audit_record(
        actor=actor,
        action="workflows.process.resubmit",
        target=process,
        changes={"data": [before, process.data], "round": process.round},
    )
    _recount(process)
    return process


@transaction.atomic
def process_file_replace(*, actor, process: Process, field: str, upload) -> ProcessFile:
    """A new version of the form's revised file (a contract's draft), by the requester or an approver of the
    active step, while the request is running or returned: the approval starts again from the first step
    (a new round), and the history says "new version of the file"."""
    process = _locked(actor, process)
    fields = field_defs(process.version)
    definition = next((f for f in fields if f.key == field), None)
    if definition is None or definition.type != FieldType.FILE or definition.purpose != "revised_file":
        raise Invalid(fields={field or "file": [_("This file cannot be replaced with a new version.")]})
    may = process.requester_id == actor.pk or (
        process.current_step_id is not None
        and StepAssignment.objects.filter(step_id=process.current_step_id, user_id=actor.pk).exists()
    )
    if not may:
        raise NotAllowed(_("Only the requester or an approver of the current step brings a new version."))
    if process.status not in OPEN:
        raise _already_decided(process)
    if upload is None:
        raise Invalid(fields={field: [_("Choose the file.")]})
    version = (
        ProcessFile.objects.filter(process=process, field=field).aggregate(top=Max("version"))["top"] or 0
    ) + 1
    stored = _file_store(actor=actor, process=process, field=field, upload=upload, version=version)
    process.data[field] = [stored.pk]
    process.save(update_fields=["data", "updated_at"])
    now = timezone.now()
    _history(
        process,
        ActionKind.FILE,
        actor=actor,
        comment=_("New version of the file: %(name)s") % {"name": stored.name},
        details={"field": field, "file": stored.pk, "version": version, "round": process.round + 1},
    )
    _new_round(process, now=now)
    audit_record(
        actor=actor,
        action="workflows.process.file",
        target=process,
        changes={"field": field, "version": version, "name": stored.name},
    )
    _recount(process)
    return stored


# --- for pages ------------------------------------------------------------------------------------------


def may_act(user, process: Process) -> bool:
    """Whether the process's active step waits for `user`'s decision."""
    if not getattr(user, "is_authenticated", False) or process.status != ProcessStatus.RUNNING:
        return False
    if process.current_step_id is None:
        return False
    return StepAssignment.objects.filter(
        step_id=process.current_step_id,
        step__status=StepStatus.ACTIVE,
        user_id=user.pk,
        decision="",
        active=True,
    ).exists()


def allowed_actions(user, process: Process) -> list[str]:
    """What `user` may do to the process now, among "approve", "reject", "return", "comment" (for
    `process_act`), "withdraw", "resubmit" and "replace_file" (the revised file's new version)."""
    if not getattr(user, "is_authenticated", False) or process.status not in OPEN:
        return []
    out: set[str] = set()
    assigned_now = False
    if process.status == ProcessStatus.RUNNING and process.current_step_id:
        step = ProcessStep.objects.filter(pk=process.current_step_id).only("id", "actions", "status").first()
        row = (
            StepAssignment.objects.filter(step_id=process.current_step_id, user_id=user.pk)
            .values("decision", "active")
            .first()
        )
        assigned_now = row is not None
        if (
            step is not None
            and step.status == StepStatus.ACTIVE
            and row
            and not row["decision"]
            and row["active"]
        ):
            out |= {a for a in (step.actions or ()) if step.allows(a)}
    requester = process.requester_id == user.pk
    if requester:
        out |= {"comment", "withdraw"}
        if process.status == ProcessStatus.RETURNED:
            out.add("resubmit")
    elif _may_comment(user, process):
        out.add("comment")
    if requester or assigned_now:
        fields = field_defs(process.version)
        if purpose_field(fields, "revised_file") is not None:
            out.add("replace_file")
    return [name for name in ACTION_ORDER if name in out]
