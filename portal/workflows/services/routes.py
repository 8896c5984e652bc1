"""Who must act on a step: the step's approver rule resolved for one process on one day, then delegation.

`resolve_step(process=..., step_def=..., day=...)` returns the assignees of a step in order, each with the
reason it is them (`AssignmentReason`), the approver they stand in for and a note for the history:

1. The rule names the approvers: the requester's supervisor; N levels up the org chart (the supervisor's
   supervisor...; a chain shorter than N ends at its top); the effective head of a named department (the
   nearest active head at or above it); a named person; a list of people; the members of a workgroup; the
   holders of a process role (by its key).
2. Inactive people are left out.
3. Delegation on `day`: an approver with a deputy covering the day gives way to the deputy; else an approver
   absent that day (an `Absence` covering it) gives way to their supervisor.
4. The requester never approves their own request: named among others in an "anyone of" step they drop out;
   alone, or in an "all of" step, their supervisor takes their place.
5. Nobody left: the portal admins, with the note "no approver found".

Queries are few and do not grow with the number of people: the rule's people in one query, the department
chains above every person involved in one (a small memo, `_OrgChart`, fills in only the paths it has not seen),
the deputies of all candidates in one, their absences in one, and the admins only when nobody was found.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from portal.people.models import Department

from ..choices import ApproverRule, AssignmentReason, StepMode
from ..definitions import StepDef
from ..models import Absence, Deputy

__all__ = ["Assignee", "resolve_step", "supervisors_of"]

# What a person is loaded with: enough to find their supervisor without another query.
_PERSON_FIELDS = ("id", "is_active", "first_name", "last_name", "email", "department_id", "department__path")


@dataclass(frozen=True)
class Assignee:
    """One person who must act on a step, and why: `instead_of_id` names the approver the rule named when
    someone else (a deputy, an absent approver's supervisor, the requester's supervisor) acts in their place;
    `note` is the sentence the history shows for it (empty for a plain approver)."""

    user_id: int
    reason: str = AssignmentReason.DIRECT
    instead_of_id: int | None = None
    note: str = ""


def _people():
    return get_user_model().objects.select_related("department").only(*_PERSON_FIELDS)


def _ancestor_paths(path: str) -> list[str]:
    step = Department.steplen
    return [path[:i] for i in range(step, len(path) + 1, step)]


def _path_of(person) -> str | None:
    if person is None or not person.department_id:
        return None
    return person.department.path


class _OrgChart:
    """The active heads of the departments on the chains above the people asked about, loaded once per set
    of new paths (one query), so that supervisors of many people cost one query, and a walk up several
    levels usually none more (the heads' own departments are on the chain already)."""

    def __init__(self) -> None:
        self._heads: dict[str, object | None] = {}

    def load(self, paths) -> None:
        wanted = {ancestor for path in paths if path for ancestor in _ancestor_paths(path)}
        missing = wanted - self._heads.keys()
        if not missing:
            return
        for path in missing:
            self._heads[path] = None
        rows = (
            Department.objects.filter(path__in=missing, head__isnull=False, head__is_active=True)
            .select_related("head", "head__department")
            .only("id", "path", "head_id", *(f"head__{name}" for name in _PERSON_FIELDS))
        )
        for department in rows:
            self._heads[department.path] = department.head

    def head_at_or_above(self, path: str):
        """The active head of the department at `path`, else of the nearest one above it."""
        self.load([path])
        for ancestor in reversed(_ancestor_paths(path)):
            head = self._heads.get(ancestor)
            if head is not None:
                return head
        return None

    def supervisor(self, person):
        """`portal.people.selectors.supervisor_of` from the memo: the head of the nearest department at or
        above the person's that has an active head other than them."""
        path = _path_of(person)
        if path is None:
            return None
        self.load([path])
        for ancestor in reversed(_ancestor_paths(path)):
            head = self._heads.get(ancestor)
            if head is not None and head.pk != person.pk:
                return head
        return None


def supervisors_of(people) -> dict[int, object]:
    """{person id: their supervisor (a User)} for many people (loaded with their department) in one query;
    people without one are left out. Used by escalation."""
    chart = _OrgChart()
    chart.load(_path_of(person) for person in people)
    out = {}
    for person in people:
        supervisor = chart.supervisor(person)
        if supervisor is not None:
            out[person.pk] = supervisor
    return out


def _rule_people(rule, *, requester, chart: _OrgChart) -> list:
    """The approvers the rule names, in order (before delegation), inactive ones included."""
    kind = rule.kind
    if kind == ApproverRule.SUPERVISOR:
        supervisor = chart.supervisor(requester)
        return [supervisor] if supervisor is not None else []
    if kind == ApproverRule.LEVELS_UP:
        person, reached = requester, None
        for _level in range(max(rule.levels, 1)):
            person = chart.supervisor(person)
            if person is None:
                break
            reached = person
        return [reached] if reached is not None else []
    if kind == ApproverRule.DEPARTMENT_HEAD:
        path = Department.objects.filter(pk=rule.department).values_list("path", flat=True).first()
        head = chart.head_at_or_above(path) if path else None
        return [head] if head is not None else []
    if kind == ApproverRule.PERSON:
        return list(_people().filter(pk=rule.person))
    if kind == ApproverRule.PEOPLE:
        by_pk = {person.pk: person for person in _people().filter(pk__in=rule.people)}
        return [by_pk[pk] for pk in rule.people if pk in by_pk]
    if kind == ApproverRule.GROUP:
        return list(
            _people().filter(memberships__group_id=rule.group).order_by("last_name", "first_name", "id")
        )
    if kind == ApproverRule.ROLE:
        return list(_people().filter(process_roles__key=rule.role).order_by("last_name", "first_name", "id"))
    return []


def _requester_of(process):
    """The requester with their department path: the one already on `process` when it came with them."""
    cached = process._state.fields_cache.get("requester")
    if cached is not None and (not cached.department_id or "department" in cached._state.fields_cache):
        return cached
    return _people().get(pk=process.requester_id)


def _name(person) -> str:
    return person.full_name or person.email


def resolve_step(*, process, step_def: StepDef, day: datetime.date) -> list[Assignee]:
    """The assignees of `step_def` for `process` on `day` (see the module docstring); never empty while the
    portal has an active admin."""
    requester = _requester_of(process)
    chart = _OrgChart()
    chart.load([_path_of(requester)])
    named = [
        person for person in _rule_people(step_def.rule, requester=requester, chart=chart) if person.is_active
    ]

    ids = [person.pk for person in named if person.pk != requester.pk]
    deputies: dict[int, object] = {}
    absent: set[int] = set()
    if ids:
        for row in (
            Deputy.objects.filter(user_id__in=ids, start__lte=day, end__gte=day, deputy__is_active=True)
            .exclude(deputy_id=requester.pk)
            .select_related("deputy", "deputy__department")
            .only("id", "user_id", "start", *(f"deputy__{name}" for name in _PERSON_FIELDS))
            .order_by("user_id", "-start", "-id")
        ):
            deputies.setdefault(row.user_id, row.deputy)
        absent = set(
            Absence.objects.filter(user_id__in=ids, start__lte=day, end__gte=day)
            .exclude(user_id__in=list(deputies))
            .values_list("user_id", flat=True)
        )
    chart.load(_path_of(person) for person in named if person.pk in absent)

    def instead_of_requester(original) -> Assignee | None:
        supervisor = chart.supervisor(requester)
        if supervisor is None:
            return None
        return Assignee(
            user_id=supervisor.pk,
            reason=AssignmentReason.DIRECT,
            instead_of_id=original.pk if original.pk != requester.pk else None,
            note=_("%(name)s cannot approve their own request: their supervisor %(other)s does.")
            % {"name": _name(requester), "other": _name(supervisor)},
        )

    # The requester among others who may each decide alone simply drops out; alone, or where everyone's
    # approval is needed, their supervisor takes their place.
    others = [person for person in named if person.pk != requester.pk]
    drop_requester = bool(others) and step_def.mode == StepMode.ANY
    out: list[Assignee] = []
    for person in named:
        if person.pk == requester.pk:
            found = None if drop_requester else instead_of_requester(person)
        elif person.pk in deputies:
            deputy = deputies[person.pk]
            found = Assignee(
                user_id=deputy.pk,
                reason=AssignmentReason.DEPUTY,
                instead_of_id=person.pk,
                note=_("%(deputy)s acts as deputy for %(name)s.")
                % {"deputy": _name(deputy), "name": _name(person)},
            )
        elif person.pk in absent:
            supervisor = chart.supervisor(person)
            if supervisor is None:
                # Nobody above: the approver keeps the step and acts on their return.
                found = Assignee(user_id=person.pk)
            elif supervisor.pk == requester.pk:
                found = instead_of_requester(person)
            else:
                found = Assignee(
                    user_id=supervisor.pk,
                    reason=AssignmentReason.ABSENT,
                    instead_of_id=person.pk,
                    note=_("%(name)s is absent: their supervisor %(other)s approves instead.")
                    % {"name": _name(person), "other": _name(supervisor)},
                )
        else:
            found = Assignee(user_id=person.pk)
        if found is not None and all(found.user_id != other.user_id for other in out):
            out.append(found)
    if out:
        return out
    return _admins(requester)


def _admins(requester) -> list[Assignee]:
    """The portal admins when the rule found nobody (the requester too, should they be the only admin)."""
    admins = list(
        get_user_model()
        .objects.filter(Q(is_staff=True) | Q(is_superuser=True), is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    others = [pk for pk in admins if pk != requester.pk] or admins
    note = _("No approver found: the portal admins decide.")
    return [Assignee(user_id=pk, reason=AssignmentReason.DIRECT, note=note) for pk in others]
