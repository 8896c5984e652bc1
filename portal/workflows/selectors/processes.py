"""Reading processes: the lists (mine, waiting for me, all I may see), one process for its page (its route as
drawn, its history, its files), the home page's pieces and the export rows.

Every read starts from `Process.objects.visible_to(user)`; the lists cost a constant number of queries whatever
the number of rows (the current step and the people who must act on it are prefetched)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from portal.core.permissions import get_visible

from ..choices import FieldType, ProcessStatus, StepAction, StepKind, StepStatus
from ..definitions import FieldDef, field_defs, step_defs
from ..filters.processes import ProcessFilterSet, filter_data, waiting_q
from ..models import Process, ProcessAction, ProcessFile, ProcessStep, ProcessTemplate, StepAssignment

HOME_ROWS = 20
EXPORT_MAX = 50_000
LIST_RELATED = ("template", "requester", "requester__department", "current_step")
# What a list row never shows (the form's JSON, the template's description, the requester's password...).
LIST_DEFERRED = (
    "data",
    "template__description",
    "requester__password",
)


def _pending() -> Prefetch:
    """The people who must still act on the current step (with whom they stand in for)."""
    return Prefetch(
        "current_step__assignments",
        queryset=StepAssignment.objects.filter(decision="", active=True)
        .select_related("user", "instead_of")
        .order_by("id"),
        to_attr="pending",
    )


def with_list_related(queryset: QuerySet[Process]) -> QuerySet[Process]:
    return queryset.select_related(*LIST_RELATED).prefetch_related(_pending())


def decorate(processes: list[Process], *, user, now=None) -> list[Process]:
    """What a row says besides the process: whether it waits for this person (`waiting_mine`), what its step
    lets them do (`may_reject`, `may_return`), whether it is past its deadline (`overdue`). No queries."""
    from django.utils import timezone

    now = now or timezone.now()
    for process in processes:
        step = process.current_step if process.status == ProcessStatus.RUNNING else None
        pending = getattr(step, "pending", []) if step is not None else []
        actions = (step.actions or [StepAction.APPROVE, StepAction.REJECT]) if step is not None else []
        process.waiting_mine = any(a.user_id == user.pk for a in pending)
        process.may_reject = StepAction.REJECT in actions
        process.may_return = StepAction.RETURN in actions
        process.overdue = bool(step is not None and step.due_at and step.due_at < now)
    return processes


def process_list(*, user, filters=None) -> QuerySet[Process]:
    """The processes `user` sees, narrowed by the process FilterSet (`scope` mine / waiting / all, template,
    kind, status, requester, department with sub-departments, dates, amounts, search)."""
    queryset = Process.objects.visible_to(user)
    if filters is not None:
        filterset = ProcessFilterSet(filter_data(filters), queryset=queryset, user=user)
        if filterset.is_valid():
            queryset = filterset.qs
        else:
            queryset = queryset.none()
    return with_list_related(queryset).order_by("-submitted_at", "-id")


def process_filterset(*, user, data) -> ProcessFilterSet:
    return ProcessFilterSet(filter_data(data), queryset=Process.objects.none(), user=user)


def process_get(*, user, pk) -> Process:
    """One process `user` may see; `NotFound` for hidden and missing alike."""
    return get_visible(
        Process.objects.visible_to(user).select_related(
            "template", "version", "requester", "requester__department", "current_step", "paid_by"
        ),
        pk=pk,
    )


def process_for_update(*, user, pk) -> Process:
    """The same, for an action (the services lock and re-read it themselves)."""
    return process_get(user=user, pk=pk)


# --- one process's page --------------------------------------------------------------------------------------


@dataclass
class RouteBox:
    """One box of the route picture."""

    name: str
    state: str  # done / current / rejected / returned / skipped / informed / future / cancelled
    step: ProcessStep | None = None
    kind: str = StepKind.APPROVAL
    acting: list[StepAssignment] = field(default_factory=list)  # who must act (the current step)
    decided: list[StepAssignment] = field(default_factory=list)  # who acted
    since: object = None
    due: object = None
    overdue: bool = False


STATE_OF = {
    StepStatus.APPROVED: "done",
    StepStatus.INFORMED: "informed",
    StepStatus.ACTIVE: "current",
    StepStatus.REJECTED: "rejected",
    StepStatus.RETURNED: "returned",
    StepStatus.SKIPPED: "skipped",
    StepStatus.CANCELLED: "cancelled",
    StepStatus.WAITING: "future",
}


def process_steps(process: Process, *, round: int | None = None) -> list[ProcessStep]:
    """The steps of a round (the current one by default), each with its assignments and their people."""
    return list(
        ProcessStep.objects.filter(process=process, round=round or process.round)
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=StepAssignment.objects.select_related("user", "instead_of").order_by("id"),
            )
        )
        .order_by("index")
    )


def route_boxes(process: Process, steps: list[ProcessStep], *, now=None) -> list[RouteBox]:
    """The route picture: a box per step of the round as resolved, then the template version's steps not
    reached yet (when the round has not laid them out)."""
    from django.utils import timezone

    now = now or timezone.now()
    boxes = []
    for step in steps:
        state = STATE_OF.get(step.status, "future")
        assignments = list(step.assignments.all())
        box = RouteBox(
            name=step.name,
            state=state,
            step=step,
            kind=step.kind,
            acting=[a for a in assignments if a.active and not a.decision] if state == "current" else [],
            decided=[a for a in assignments if a.decision],
            since=step.started_at,
            due=step.due_at,
            overdue=bool(state == "current" and step.due_at and step.due_at < now),
        )
        boxes.append(box)
    laid = {step.key for step in steps}
    if process.is_open:
        try:
            definitions = step_defs(process.version)
        except Exception:  # noqa: BLE001 - a stored version was checked when saved; draw what exists
            definitions = []
        for definition in definitions:
            if definition.key not in laid and len(steps) < len(definitions):
                boxes.append(RouteBox(name=definition.name, state="future", kind=definition.kind))
    return boxes


def process_history(process: Process) -> list[ProcessAction]:
    """Every action with who, when, what, the comment and for whom."""
    return list(
        ProcessAction.objects.filter(process=process)
        .select_related("actor", "on_behalf_of", "step")
        .order_by("created_at", "id")
    )


def process_files(process: Process) -> dict[str, list[ProcessFile]]:
    """The process's files by field, newest version first."""
    files: dict[str, list[ProcessFile]] = {}
    for row in (
        ProcessFile.objects.filter(process=process)
        .select_related("uploaded_by")
        .order_by("field", "-version", "id")
    ):
        files.setdefault(row.field, []).append(row)
    return files


@dataclass
class ShownValue:
    """One form field as the detail page shows it."""

    definition: FieldDef
    value: object = None
    files: list[ProcessFile] = field(default_factory=list)
    older: list[ProcessFile] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.definition.type

    @property
    def empty(self) -> bool:
        return self.value in (None, "", [], {}) and not self.files and not self.lines


def shown_values(process: Process, files: dict[str, list[ProcessFile]]) -> list[ShownValue]:
    """The form as entered: people, departments and absence types by name (one query each), files by row."""
    from django.contrib.auth import get_user_model

    from portal.people.models import Department

    from ..models import AbsenceType

    try:
        definitions = field_defs(process.version)
    except Exception:  # noqa: BLE001
        definitions = []
    data = process.data or {}
    wanted: dict[str, set[int]] = {
        FieldType.PERSON: set(),
        FieldType.DEPARTMENT: set(),
        FieldType.ABSENCE_TYPE: set(),
    }
    for d in definitions:
        if d.type in wanted and str(data.get(d.key) or "").isdecimal():
            wanted[d.type].add(int(data[d.key]))
    names: dict[str, dict[int, object]] = {
        FieldType.PERSON: get_user_model().objects.in_bulk(wanted[FieldType.PERSON])
        if wanted[FieldType.PERSON]
        else {},
        FieldType.DEPARTMENT: Department.objects.in_bulk(wanted[FieldType.DEPARTMENT])
        if wanted[FieldType.DEPARTMENT]
        else {},
        FieldType.ABSENCE_TYPE: AbsenceType.objects.in_bulk(wanted[FieldType.ABSENCE_TYPE])
        if wanted[FieldType.ABSENCE_TYPE]
        else {},
    }
    by_id = {row.pk: row for rows in files.values() for row in rows}
    out = []
    for d in definitions:
        value = data.get(d.key)
        shown = ShownValue(definition=d, value=value)
        if d.type in names:
            shown.value = names[d.type].get(int(value)) if str(value or "").isdecimal() else None
        elif d.type == FieldType.FILE:
            current_ids = [int(v) for v in (value or []) if str(v).isdecimal()]
            shown.files = [by_id[pk] for pk in current_ids if pk in by_id]
            shown.older = [row for row in files.get(d.key, []) if row.pk not in set(current_ids)]
        elif d.type == FieldType.MONEY:
            shown.value = _money(value)
        elif d.type == FieldType.DATE:
            shown.value = _day(value)
        elif d.type == FieldType.DATERANGE and isinstance(value, dict):
            start, end = _day(value.get("start")), _day(value.get("end"))
            shown.value = {"start": start, "end": end} if start and end else None
        elif d.type == FieldType.LINES:
            for line in value or []:
                if isinstance(line, dict):
                    receipt = line.get("receipt")
                    shown.lines.append(
                        {
                            **line,
                            "receipt_file": by_id.get(int(receipt))
                            if str(receipt or "").isdecimal()
                            else None,
                        }
                    )
        out.append(shown)
    return out


def _money(value):
    from decimal import Decimal, InvalidOperation

    from djmoney.money import Money

    try:
        return Money(Decimal(str(value["amount"])), str(value["currency"]))
    except (InvalidOperation, KeyError, TypeError, ValueError):
        return None


def _day(value):
    import datetime

    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def process_page(process: Process) -> dict:
    """What the detail page shows besides the process: its route picture, history, form values and files."""
    steps = process_steps(process)
    files = process_files(process)
    return {
        "steps": steps,
        "boxes": route_boxes(process, steps),
        "history": process_history(process),
        "values": shown_values(process, files),
        "files": files,
    }


def current_assignment(*, user, process: Process) -> StepAssignment | None:
    """The person's undecided assignment on the current step (a decision they can make), if any."""
    if process.status != ProcessStatus.RUNNING or not process.current_step_id:
        return None
    return (
        StepAssignment.objects.filter(
            step_id=process.current_step_id, user_id=user.pk, decision="", active=True
        )
        .select_related("instead_of")
        .first()
    )


# --- the home page -----------------------------------------------------------------------------------------


def startable_templates(*, user) -> QuerySet[ProcessTemplate]:
    return ProcessTemplate.objects.startable_by(user).order_by("name")


def waiting_for_me(*, user, limit: int = HOME_ROWS) -> tuple[list[Process], int]:
    """The processes waiting for the person's decision, oldest first (the first `limit`), and how many in all."""
    queryset = Process.objects.filter(waiting_q(user))
    rows = list(
        with_list_related(queryset).order_by("current_step__started_at", "submitted_at", "id")[:limit]
    )
    total = queryset.count()
    return decorate(rows, user=user), total


def my_requests(*, user, limit: int = HOME_ROWS) -> list[Process]:
    return list(
        with_list_related(Process.objects.filter(requester_id=user.pk)).order_by("-submitted_at", "-id")[
            :limit
        ]
    )


def waiting_row(*, user, pk) -> Process:
    """One row of the "waiting for me" list again (after an action on it)."""
    process = get_visible(with_list_related(Process.objects.visible_to(user)), pk=pk)
    return decorate([process], user=user)[0]


# --- export ------------------------------------------------------------------------------------------------


def export_rows(*, user, filters) -> tuple[list[str], list[list]]:
    """The filtered list as rows for CSV/XLSX (at most EXPORT_MAX), with the people who must act."""
    headers = [
        _("Number"),
        _("Title"),
        _("Template"),
        _("Requester"),
        _("Department"),
        _("Status"),
        _("Current step"),
        _("Waiting for"),
        _("Submitted"),
        _("Finished"),
        _("Amount"),
        _("Currency"),
        _("Counterparty"),
        _("Due date"),
        _("Paid"),
    ]
    rows = []
    for process in process_list(user=user, filters=filters)[:EXPORT_MAX]:
        step = process.current_step if process.status == ProcessStatus.RUNNING else None
        pending = getattr(step, "pending", []) if step is not None else []
        rows.append(
            [
                process.pk,
                process.title,
                process.template.name,
                str(process.requester),
                process.requester.department.name if process.requester.department_id else "",
                process.get_status_display(),
                step.name if step is not None else "",
                ", ".join(str(a.user) for a in pending),
                process.submitted_at,
                process.finished_at,
                process.amount.amount if process.amount is not None else None,
                str(process.amount.currency) if process.amount is not None else "",
                process.counterparty,
                process.due_date,
                process.paid_at,
            ]
        )
    return headers, rows


def file_queryset(user) -> QuerySet[ProcessFile]:
    """The process files `user` may download."""
    return ProcessFile.objects.visible_to(user)
