"""Writes of the indicator register: indicators, their goals, targets, formulas and values.

Rights: strategy managers (and portal admins) create, change and delete indicators, set targets and recompute past
periods; an indicator's owner enters its values (manual) and computes the current ones (formula). Every write is
atomic, audited, and leaves the goals measured by the indicator to recompute their progress after commit.

Values go through one writer (`_values_store`): it reads the period's target, stores the achievement and colour,
keeps a revision of every change (who, why, which formula version) and refreshes the indicator's latest closed
value, in a constant number of queries whatever the number of values, so the beat's computing of every formula
indicator and a person's one entry share it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.core.visibility import is_active_person

from ..models import Goal, Indicator, IndicatorFormula, IndicatorGoal, IndicatorTarget, IndicatorValue
from ..models.goals import is_strategy_manager
from ..models.indicators import (
    Direction,
    IndicatorSource,
    IndicatorValueRevision,
    IndicatorVisibility,
    PeriodKind,
    RevisionKind,
    SubjectKind,
    period_end,
    period_previous,
    period_start,
    periods_between,
)

MAX_VALUE = Decimal("99999999999999")
# How far back the beat and "values to enter" look for a missing value (in periods of the indicator).
LOOKBACK_PERIODS = 12
FIELDS = [
    "name",
    "description",
    "unit",
    "direction",
    "period",
    "baseline",
    "default_target",
    "green_from",
    "amber_from",
    "owner",
    "visibility",
    "source",
    "starts_on",
    "formula",
    "subject_kind",
    "subject_department",
    "subject_person",
]


# --- rights ---------------------------------------------------------------------------------------------------


def may_manage_indicators(user) -> bool:
    """Strategy managers and admins create, change and delete indicators."""
    return is_strategy_manager(user)


def may_enter_values(user, indicator: Indicator) -> bool:
    """The owner (and strategy managers) enter a manual indicator's values."""
    if not is_active_person(user) or indicator.source != IndicatorSource.MANUAL:
        return False
    return indicator.owner_id == user.pk or is_strategy_manager(user)


def may_compute(user, indicator: Indicator) -> bool:
    """The owner (and strategy managers) compute a formula indicator's values on demand."""
    if not is_active_person(user) or indicator.source != IndicatorSource.FORMULA:
        return False
    return indicator.owner_id == user.pk or is_strategy_manager(user)


def _require_manager(actor) -> None:
    if not may_manage_indicators(actor):
        raise NotAllowed(_("Only strategy managers manage indicators."))


def _require_visible(actor, indicator: Indicator) -> None:
    if actor is not None and not Indicator.objects.visible_to(actor).filter(pk=indicator.pk).exists():
        raise NotFound(_("No indicator matches the given query."))


# --- formulas -------------------------------------------------------------------------------------------------


def formula_variables(subject_kind: str) -> dict[str, str]:
    """The names a formula of an indicator computed for `subject_kind` may use, with their kinds: "person" for a
    person, "department" for a department and for the company (its root department, with every department under
    it)."""
    if subject_kind == SubjectKind.PERSON:
        return {"person": "person"}
    return {"department": "department"}


def formula_check(*, text: str, subject_kind: str):
    """The parsed formula, or `Invalid` with a message on the field "formula" (unknown metric, wrong arguments,
    a name the subject does not bind, anything but arithmetic, comparisons, functions and metric calls)."""
    from portal.core.metrics import formula_parse

    return formula_parse(text, variables=formula_variables(subject_kind))


def _root_department_id() -> int | None:
    from portal.people.models import Department

    return Department.objects.filter(depth=1).order_by("path").values_list("pk", flat=True).first()


def indicator_binding(indicator: Indicator, *, root_id: int | None = None) -> dict | None:
    """The formula's variables for the indicator's own series; None for a person indicator without a person (it
    is computed per holder of a KPI card only)."""
    if indicator.subject_kind == SubjectKind.PERSON:
        return {"person": indicator.subject_person_id} if indicator.subject_person_id else None
    if indicator.subject_kind == SubjectKind.DEPARTMENT:
        return {"department": indicator.subject_department_id}
    root = root_id if root_id is not None else _root_department_id()
    return {"department": root} if root else None


# --- the register ---------------------------------------------------------------------------------------------


def _decimal(value, field: str, errors: dict, *, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            errors[field] = [_("Enter a number.")]
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        errors[field] = [_("Enter a number.")]
        return None
    if not number.is_finite() or abs(number) > MAX_VALUE:
        errors[field] = [_("The number is too large.")]
        return None
    return number


def _clean(data: dict) -> dict:
    """Check the indicator's fields together; `Invalid` field by field."""
    errors: dict[str, list[str]] = {}
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors["name"] = [_("Give the indicator a name.")]
    data["name"] = name[:200]
    if data.get("owner") is None or not getattr(data["owner"], "is_active", False):
        errors["owner"] = [_("Choose an active person responsible for the values.")]
    for field, choices in [
        ("direction", Direction.values),
        ("period", PeriodKind.values),
        ("source", IndicatorSource.values),
        ("visibility", IndicatorVisibility.values),
        ("subject_kind", SubjectKind.values),
    ]:
        if data.get(field) not in choices:
            errors[field] = [_("Choose one of the options.")]
    for field in ("baseline", "default_target"):
        data[field] = _decimal(data.get(field), field, errors)
    for field in ("green_from", "amber_from"):
        data[field] = _decimal(data.get(field), field, errors, required=True)
    if "green_from" not in errors and "amber_from" not in errors and data["amber_from"] > data["green_from"]:
        errors["amber_from"] = [_("Amber must start below green.")]
    if not isinstance(data.get("starts_on"), datetime.date):
        errors["starts_on"] = [_("Give the first period measured.")]
    elif data.get("period") in PeriodKind.values:
        data["starts_on"] = period_start(data["period"], data["starts_on"])
    data["formula"] = (data.get("formula") or "").strip()
    if data.get("source") == IndicatorSource.FORMULA:
        if data.get("subject_kind") == SubjectKind.DEPARTMENT and data.get("subject_department") is None:
            errors["subject_department"] = [_("Choose the department it is computed for.")]
        if data.get("subject_kind") in SubjectKind.values:
            try:
                formula_check(text=data["formula"], subject_kind=data["subject_kind"])
            except Invalid as exc:
                errors.update(exc.fields or {"formula": [exc.message]})
    else:
        data["formula"] = ""
    if data.get("subject_kind") != SubjectKind.DEPARTMENT:
        data["subject_department"] = None
    if data.get("subject_kind") != SubjectKind.PERSON:
        data["subject_person"] = None
    if errors:
        raise Invalid(fields=errors)
    return data


def _goal_weights(goals, before: dict[int, Decimal]) -> dict[int, Decimal]:
    """{goal id: weight}: a mapping gives the weights, a list keeps those of goals linked already (1 for new)."""
    if isinstance(goals, Mapping):
        return {getattr(g, "pk", g): Decimal(str(w)) for g, w in goals.items()}
    return {getattr(g, "pk", g): before.get(getattr(g, "pk", g), Decimal(1)) for g in goals or ()}


def _goals_changed(goal_ids: Iterable[int]) -> None:
    """The goals measured by changed indicators recompute their progress after commit (S1's roll-up)."""
    ids = sorted({int(pk) for pk in goal_ids if pk})
    if not ids:
        return
    from .goals import goal_progress_schedule

    goal_progress_schedule(ids)


def _goal_ids_of(indicator_ids: Iterable[int]) -> list[int]:
    return list(
        IndicatorGoal.objects.filter(indicator_id__in=list(indicator_ids))
        .values_list("goal_id", flat=True)
        .distinct()
    )


def _set_goals(*, actor, indicator: Indicator, goals) -> list[int]:
    before = {g: w for g, w in indicator.goal_links.values_list("goal_id", "weight")}
    weights = _goal_weights(goals, before)
    if weights:
        visible = set(
            Goal.objects.visible_to(actor).filter(pk__in=list(weights)).values_list("pk", flat=True)
        )
        missing = set(weights) - visible
        if missing:
            raise Invalid(fields={"goals": [_("Choose goals you can see.")]})
        if any(w <= 0 for w in weights.values()):
            raise Invalid(fields={"goals": [_("A goal's weight must be above zero.")]})
    IndicatorGoal.objects.filter(indicator=indicator).exclude(goal_id__in=list(weights)).delete()
    for goal_id, weight in weights.items():
        if before.get(goal_id) != weight:
            IndicatorGoal.objects.update_or_create(
                indicator=indicator, goal_id=goal_id, defaults={"weight": weight}
            )
    return sorted(set(before) | set(weights)) if before != weights else []


def _formula_version_add(*, actor, indicator: Indicator) -> None:
    indicator.formula_version += 1
    IndicatorFormula.objects.create(
        indicator=indicator, version=indicator.formula_version, text=indicator.formula, created_by=actor
    )


@transaction.atomic
def indicator_create(
    *,
    actor,
    name: str,
    owner,
    source: str = IndicatorSource.MANUAL,
    period: str = PeriodKind.MONTH,
    direction: str = Direction.HIGHER,
    unit: str = "",
    description: str = "",
    baseline=None,
    default_target=None,
    green_from=Decimal(100),
    amber_from=Decimal(90),
    starts_on: datetime.date | None = None,
    formula: str = "",
    subject_kind: str = SubjectKind.COMPANY,
    subject_department=None,
    subject_person=None,
    visibility: str = IndicatorVisibility.GOALS,
    goals=(),
    audience: dict | None = None,
) -> Indicator:
    """Register an indicator (strategy managers). A formula is checked (`Invalid` on the field "formula") and
    becomes version 1; `goals` are goals (or {goal: weight}) the indicator measures."""
    _require_manager(actor)
    data = _clean(
        {
            "name": name,
            "owner": owner,
            "source": source,
            "period": period,
            "direction": direction,
            "unit": (unit or "").strip()[:20],
            "description": description or "",
            "baseline": baseline,
            "default_target": default_target,
            "green_from": green_from,
            "amber_from": amber_from,
            "starts_on": starts_on or timezone.localdate(),
            "formula": formula,
            "subject_kind": subject_kind,
            "subject_department": subject_department,
            "subject_person": subject_person,
            "visibility": visibility,
        }
    )
    indicator = Indicator.objects.create(**data)
    if indicator.formula:
        _formula_version_add(actor=actor, indicator=indicator)
        indicator.save(update_fields=["formula_version"])
    _set_goals(actor=actor, indicator=indicator, goals=goals)
    if audience:
        indicator_audience_set(actor=actor, indicator=indicator, **audience)
    audit_record(
        actor=actor,
        action="strategy.indicator.create",
        target=indicator,
        changes=snapshot(indicator, ["name", "source", "period", "owner", "formula", "visibility"]),
    )
    if indicator.source == IndicatorSource.MANUAL:
        _counter_recount([indicator.owner_id])
    return indicator


@transaction.atomic
def indicator_update(
    *, actor, indicator: Indicator, goals=None, audience: dict | None = None, **changes
) -> Indicator:
    """Change an indicator (strategy managers). A changed formula becomes a new version: values already stored
    keep the version that produced them until someone asks to recompute them (`indicator_recompute`). Changed
    thresholds, baseline or targets recolour the stored values."""
    _require_manager(actor)
    _require_visible(actor, indicator)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"indicator_update got unknown fields {sorted(unknown)}")
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    before = snapshot(indicator, FIELDS)
    data = _clean({field: changes.get(field, getattr(indicator, field)) for field in FIELDS})
    if data["period"] != indicator.period and indicator.values.exists():
        raise Invalid(fields={"period": [_("The period cannot change once values are stored.")]})
    if data["source"] != indicator.source and indicator.values.exists():
        raise Invalid(fields={"source": [_("The source cannot change once values are stored.")]})
    formula_changed = data["formula"] != indicator.formula
    for field, value in data.items():
        setattr(indicator, field, value)
    if formula_changed and indicator.formula:
        _formula_version_add(actor=actor, indicator=indicator)
    indicator.save()
    changed = diff(before, snapshot(indicator, FIELDS))
    goal_ids: list[int] = []
    if goals is not None:
        goal_ids = _set_goals(actor=actor, indicator=indicator, goals=goals)
        if goal_ids:
            changed["goals"] = [None, goal_ids]
    if audience is not None:
        indicator_audience_set(actor=actor, indicator=indicator, **audience)
    if changed:
        if formula_changed:
            changed["formula_version"] = indicator.formula_version
        audit_record(actor=actor, action="strategy.indicator.update", target=indicator, changes=changed)
    if changed.keys() & {"baseline", "default_target", "green_from", "amber_from", "direction"}:
        _values_recolour(indicator=indicator)
    if changed.keys() & {"owner", "starts_on", "period", "source"}:
        _counter_recount([before["owner"]["id"] if before.get("owner") else None, indicator.owner_id])
    _goals_changed(goal_ids)
    return indicator


def indicator_audience_set(*, actor, indicator: Indicator, departments=(), groups=(), people=()) -> None:
    """Make the indicator's grants exactly these departments (with sub-departments), groups and people (through
    `portal.core.sharing`: audited, idempotent); they see it while its visibility is "restricted"."""
    from portal.core.sharing import object_share, object_unshare

    from ..models import IndicatorGrant

    wanted = {("department", d.pk): d for d in departments}
    wanted |= {("group", g.pk): g for g in groups}
    wanted |= {("user", p.pk): p for p in people}
    for grant in list(IndicatorGrant.objects.filter(content_object=indicator)):
        kind = "department" if grant.department_id else "group" if grant.workgroup_id else "user"
        key = (kind, grant.department_id or grant.workgroup_id or grant.user_id)
        if wanted.pop(key, None) is None:
            object_unshare(actor=actor, grant=grant)
    for (kind, _pk), obj in sorted(wanted.items(), key=lambda item: item[0]):
        if kind == "department":
            object_share(actor=actor, obj=indicator, department=obj, include_subdepartments=True)
        elif kind == "group":
            object_share(actor=actor, obj=indicator, group=obj)
        else:
            object_share(actor=actor, obj=indicator, user=obj)


@transaction.atomic
def indicator_delete(*, actor, indicator: Indicator) -> None:
    """Delete an indicator with its values (strategy managers); refused while a KPI card uses it."""
    _require_manager(actor)
    _require_visible(actor, indicator)
    if indicator.kpi_lines.exists():
        raise Invalid(_("A KPI card uses this indicator: take it off the card first."), code="in_use")
    goal_ids = _goal_ids_of([indicator.pk])
    audit_record(
        actor=actor,
        action="strategy.indicator.delete",
        target=indicator,
        changes={"name": indicator.name, "values": indicator.values.count()},
    )
    owner_id, source = Indicator.objects.filter(pk=indicator.pk).values_list("owner_id", "source").get()
    Indicator.objects.filter(pk=indicator.pk).delete()
    _goals_changed(goal_ids)
    if source == IndicatorSource.MANUAL:
        _counter_recount([owner_id])


@transaction.atomic
def indicator_target_set(
    *, actor, indicator: Indicator, period: datetime.date, target
) -> IndicatorTarget | None:
    """Set (or, with `target` None, remove) the target of the period holding `period` (strategy managers); the
    period's stored value is recoloured."""
    _require_manager(actor)
    _require_visible(actor, indicator)
    errors: dict = {}
    number = _decimal(target, "target", errors)
    if errors:
        raise Invalid(fields=errors)
    if not isinstance(period, datetime.date):
        raise Invalid(fields={"period": [_("Give the period.")]})
    start = period_start(indicator.period, period)
    row = IndicatorTarget.objects.select_for_update().filter(indicator=indicator, period_start=start).first()
    old = row.target if row else None
    if number is None:
        if row is not None:
            row.delete()
        row = None
    elif row is None:
        row = IndicatorTarget.objects.create(indicator=indicator, period_start=start, target=number)
    elif row.target != number:
        row.target = number
        row.save(update_fields=["target"])
    if old != number:
        audit_record(
            actor=actor,
            action="strategy.indicator.target",
            target=indicator,
            changes={"period": start, "target": [old, number]},
        )
        _values_recolour(indicator=indicator, starts=[start])
    return row


# --- values ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewValue:
    """A value to store: its indicator, period, number (None with `error` for a formula that gave none) and the
    formula version that produced it."""

    indicator: Indicator
    start: datetime.date
    value: Decimal | None
    error: str = ""
    version: int | None = None


def _targets(
    indicators: list[Indicator], starts: set[datetime.date]
) -> dict[tuple[int, datetime.date], Decimal]:
    rows = IndicatorTarget.objects.filter(
        indicator_id__in=[i.pk for i in indicators], period_start__in=list(starts)
    ).values_list("indicator_id", "period_start", "target")
    return {(pk, start): target for pk, start, target in rows}


def _values_store(
    items: list[NewValue], *, actor, kind: str, reason: str = "", keep_version: bool = False
) -> list[IndicatorValue]:
    """Store values (one insert, one update, one insert of revisions, whatever their number); a value equal to
    the stored one (number, error and version) changes nothing. Returns the rows written."""
    if not items:
        return []
    now = timezone.now()
    indicators = {item.indicator.pk: item.indicator for item in items}
    starts = {item.start for item in items}
    targets = _targets(list(indicators.values()), starts)
    existing = {
        (row.indicator_id, row.period_start): row
        for row in IndicatorValue.objects.select_for_update().filter(
            indicator_id__in=list(indicators), period_start__in=list(starts)
        )
    }
    new, changed, revisions = [], [], []
    for item in items:
        indicator = item.indicator
        target = targets.get((indicator.pk, item.start), indicator.default_target)
        achievement = indicator.achievement(item.value, target)
        row = existing.get((indicator.pk, item.start))
        if row is None:
            row = IndicatorValue(
                indicator=indicator,
                period_start=item.start,
                period_end=period_end(indicator.period, item.start),
                changed_at=now,
            )
            new.append(row)
            old_value = None
            revision_kind = RevisionKind.COMPUTED if indicator.is_formula else RevisionKind.ENTERED
        else:
            if (row.value, row.error, row.formula_version) == (item.value, item.error[:300], item.version):
                continue
            changed.append(row)
            old_value = row.value
            revision_kind = kind
        row.value, row.error, row.formula_version = item.value, item.error[:300], item.version
        row.target, row.achievement, row.status = target, achievement, indicator.rag(achievement)
        row.changed_by = actor if is_active_person(actor) else None
        row.changed_at = now
        revisions.append((row, old_value, revision_kind))
    if new:
        IndicatorValue.objects.bulk_create(new)
    if changed:
        IndicatorValue.objects.bulk_update(
            changed,
            [
                "value",
                "error",
                "formula_version",
                "target",
                "achievement",
                "status",
                "changed_by",
                "changed_at",
            ],
        )
    IndicatorValueRevision.objects.bulk_create(
        [
            IndicatorValueRevision(
                value=row,
                kind=revision_kind,
                old_value=old_value,
                new_value=row.value,
                formula_version=row.formula_version,
                reason=reason[:500],
                actor=row.changed_by,
                created_at=now,
            )
            for row, old_value, revision_kind in revisions
        ]
    )
    touched = sorted({row.indicator_id for row, _old, _kind in revisions})
    if touched:
        indicators_latest_refresh(touched)
        _goals_changed(_goal_ids_of(touched))
    return [row for row, _old, _kind in revisions]


def _values_recolour(*, indicator: Indicator, starts: list[datetime.date] | None = None) -> None:
    """Re-read the targets of the stored values (all, or of `starts`) and store their achievement and colour."""
    rows = list(
        indicator.values.all() if starts is None else indicator.values.filter(period_start__in=starts)
    )
    if not rows:
        return
    targets = _targets([indicator], {row.period_start for row in rows})
    for row in rows:
        row.target = targets.get((indicator.pk, row.period_start), indicator.default_target)
        row.achievement = indicator.achievement(row.value, row.target)
        row.status = indicator.rag(row.achievement)
    IndicatorValue.objects.bulk_update(rows, ["target", "achievement", "status"])
    indicators_latest_refresh([indicator.pk])
    _goals_changed(_goal_ids_of([indicator.pk]))


def indicators_latest_refresh(indicator_ids: list[int], *, today: datetime.date | None = None) -> None:
    """Store on each indicator its latest closed period's value (the register, "in red" and the goals' roll-up
    read it). Three queries whatever the number of indicators."""
    today = today or timezone.localdate()
    latest = (
        IndicatorValue.objects.filter(indicator_id=OuterRef("pk"), period_end__lt=today, value__isnull=False)
        .order_by("-period_start")
        .values("pk")[:1]
    )
    pairs = dict(
        Indicator.objects.filter(pk__in=indicator_ids)
        .annotate(latest=Subquery(latest))
        .values_list("pk", "latest")
    )
    values = IndicatorValue.objects.in_bulk([pk for pk in pairs.values() if pk])
    rows = []
    for pk, value_id in pairs.items():
        value = values.get(value_id)
        rows.append(
            Indicator(
                pk=pk,
                last_period=value.period_start if value else None,
                last_value=value.value if value else None,
                last_achievement=value.achievement if value else None,
                last_status=value.status if value else "",
            )
        )
    Indicator.objects.bulk_update(rows, ["last_period", "last_value", "last_achievement", "last_status"])


@transaction.atomic
def indicator_value_enter(
    *, actor, indicator: Indicator, period: datetime.date, value, reason: str = ""
) -> IndicatorValue:
    """The owner enters the value of the period holding `period` (a manual indicator). Changing a stored value
    is a correction and needs a reason; a future period cannot have a value yet."""
    _require_visible(actor, indicator)
    if not may_enter_values(actor, indicator):
        raise NotAllowed(_("Only the indicator's owner enters its values."))
    errors: dict = {}
    number = _decimal(value, "value", errors, required=True)
    if not isinstance(period, datetime.date):
        errors["period"] = [_("Give the period.")]
    if errors:
        raise Invalid(fields=errors)
    start = period_start(indicator.period, period)
    if start > timezone.localdate():
        raise Invalid(fields={"period": [_("This period has not begun yet.")]})
    if start < indicator.starts_on:
        raise Invalid(fields={"period": [_("The indicator is measured from a later period.")]})
    reason = " ".join((reason or "").split())
    stored = IndicatorValue.objects.filter(indicator=indicator, period_start=start).first()
    correction = stored is not None and stored.value is not None
    if correction and stored.value != number and not reason:
        raise Invalid(fields={"reason": [_("Say why the value is corrected.")]})
    rows = _values_store(
        [NewValue(indicator, start, number)],
        actor=actor,
        kind=RevisionKind.CORRECTED,
        reason=reason,
    )
    row = rows[0] if rows else stored
    if rows:
        audit_record(
            actor=actor,
            action="strategy.indicator.value",
            target=indicator,
            changes={
                "period": start,
                "value": [stored.value if stored else None, number],
                **({"reason": reason} if reason else {}),
            },
        )
        _counter_recount([indicator.owner_id])
    return row


def _counter_recount(user_ids: list[int]) -> None:
    from portal.notifications.counters import counters_recount

    from ..registrations.indicators import VALUES_TO_ENTER

    counters_recount(user_ids, [VALUES_TO_ENTER])


def _formula_texts(indicators: list[Indicator]) -> dict[int, str]:
    return {i.pk: i.formula for i in indicators}


@transaction.atomic
def values_compute(
    indicators: list[Indicator],
    starts: Iterable[datetime.date],
    *,
    actor=None,
    kind: str = RevisionKind.RECOMPUTED,
    reason: str = "",
) -> list[IndicatorValue]:
    """Compute formula indicators' values for the periods starting on `starts` with their current formula, and
    store them. Indicators with the same formula, subject kind and period are evaluated together (one
    `formula_evaluate_many` over all their bindings), so the metrics' queries do not grow with the indicators."""
    today = timezone.localdate()
    root_id = _root_department_id()
    groups: dict[tuple, list[tuple[Indicator, dict]]] = defaultdict(list)
    for indicator in indicators:
        if not indicator.is_formula or not indicator.formula:
            continue
        binding = indicator_binding(indicator, root_id=root_id)
        if binding is None:
            continue
        groups[(indicator.formula, indicator.subject_kind, indicator.period)].append((indicator, binding))
    items: list[NewValue] = []
    starts = sorted(set(starts))
    with translation.override(None):  # errors are stored in the source language, shown translated
        items = _values_evaluated(groups, starts, today)
    return _values_store(items, actor=actor, kind=kind, reason=reason)


def _values_evaluated(groups: dict, starts: list[datetime.date], today: datetime.date) -> list[NewValue]:
    from portal.core.metrics import formula_evaluate_many

    items: list[NewValue] = []
    for (text, subject_kind, kind_of_period), members in groups.items():
        try:
            formula = formula_check(text=text, subject_kind=subject_kind)
        except Invalid as exc:  # a metric that is gone since: every value says so
            for indicator, _binding in members:
                for start in {period_start(kind_of_period, s) for s in starts}:
                    items.append(NewValue(indicator, start, None, exc.message, indicator.formula_version))
            continue
        for start in sorted({period_start(kind_of_period, s) for s in starts}):
            if start > today:
                continue
            active = [(i, b) for i, b in members if start >= i.starts_on]
            if not active:
                continue
            results = formula_evaluate_many(
                formula, [b for _i, b in active], start, period_end(kind_of_period, start)
            )
            for (indicator, _binding), result in zip(active, results, strict=True):
                items.append(
                    NewValue(indicator, start, result.value, result.error, indicator.formula_version)
                )
    return items


@transaction.atomic
def indicator_compute(
    *, actor, indicator: Indicator, period: datetime.date | None = None
) -> IndicatorValue | None:
    """Compute a formula indicator's value of one period (default: the current one) now (owner, managers)."""
    _require_visible(actor, indicator)
    if not may_compute(actor, indicator):
        raise NotAllowed(_("Only the indicator's owner or a strategy manager computes its values."))
    if indicator_binding(indicator) is None:
        raise Invalid(_("This indicator is computed per person, on KPI cards only."), code="per_person")
    start = period_start(indicator.period, period or timezone.localdate())
    if start < indicator.starts_on:
        raise Invalid(fields={"period": [_("The indicator is measured from a later period.")]})
    values_compute([indicator], [start], actor=actor, kind=RevisionKind.RECOMPUTED)
    return IndicatorValue.objects.filter(indicator=indicator, period_start=start).first()


@transaction.atomic
def indicator_recompute(*, actor, indicator: Indicator, since: datetime.date, reason: str = "") -> int:
    """Recompute every period from the one holding `since` to the current one with the current formula version
    (strategy managers): the values a former version produced take the new one, each change kept in the value's
    history. Returns the number of values that changed."""
    _require_manager(actor)
    _require_visible(actor, indicator)
    if not indicator.is_formula:
        raise Invalid(_("Only a formula indicator is recomputed."), code="not_formula")
    if indicator_binding(indicator) is None:
        raise Invalid(_("This indicator is computed per person, on KPI cards only."), code="per_person")
    if not isinstance(since, datetime.date):
        raise Invalid(fields={"since": [_("Give the first period to recompute.")]})
    first = max(period_start(indicator.period, since), indicator.starts_on)
    starts = periods_between(indicator.period, first, timezone.localdate())
    rows = values_compute(
        [indicator], starts, actor=actor, kind=RevisionKind.RECOMPUTED, reason=reason or _("Recomputed")
    )
    audit_record(
        actor=actor,
        action="strategy.indicator.recompute",
        target=indicator,
        changes={"since": first, "formula_version": indicator.formula_version, "changed": len(rows)},
    )
    return len(rows)


def indicators_compute_due(*, today: datetime.date | None = None) -> int:
    """The beat's work: every formula indicator's current period and the one before it (data of a closed period
    still settles for a while), and any closed period of the last `LOOKBACK_PERIODS` that has no value yet.
    Periods already stored by an older formula version are left alone (they are recomputed on request). Returns
    the number of values written; repeating it writes nothing new."""
    today = today or timezone.localdate()
    indicators = list(
        Indicator.objects.filter(source=IndicatorSource.FORMULA).exclude(formula="").order_by("pk")
    )
    if not indicators:
        return 0
    stored = {
        (pk, start): version
        for pk, start, version in IndicatorValue.objects.filter(indicator__in=indicators).values_list(
            "indicator_id", "period_start", "formula_version"
        )
    }
    by_periods: dict[tuple[datetime.date, ...], list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        current = period_start(indicator.period, today)
        wanted = {current}
        start = current
        for _n in range(LOOKBACK_PERIODS):
            start = period_previous(indicator.period, start)
            key = (indicator.pk, start)
            # A closed period: computed when missing; the last one also while its version is the current one.
            if key not in stored or (
                start == period_previous(indicator.period, current)
                and stored[key] == indicator.formula_version
            ):
                wanted.add(start)
        wanted = {s for s in wanted if s >= indicator.starts_on}
        if wanted:
            by_periods[tuple(sorted(wanted))].append(indicator)
    written = 0
    for starts, members in by_periods.items():
        with transaction.atomic():
            written += len(values_compute(members, starts, kind=RevisionKind.RECOMPUTED))
    return written


# --- reminders ------------------------------------------------------------------------------------------------


def indicator_values_remind(*, today: datetime.date | None = None) -> int:
    """After a period closes, remind each owner of a manual indicator whose last closed period has no value (one
    notification per indicator and period: a second run reminds nobody twice), and recount the owners' "values to
    enter" (the clock alone changes it). Returns the number of reminders sent."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy

    from portal.core import i18n
    from portal.notifications.services import reminder_send

    from ..registrations.indicators import VALUE_MISSING_KIND
    from ..selectors.indicators import manual_values_missing

    today = today or timezone.localdate()
    missing = manual_values_missing(today=today)
    sent = 0
    for indicator, starts in missing.items():
        last_closed = period_previous(indicator.period, period_start(indicator.period, today))
        if last_closed not in starts:
            continue
        with transaction.atomic():
            if reminder_send(
                actor=None,
                recipient=indicator.owner_id,
                key=f"strategy.indicator_value:{indicator.pk}:{last_closed.isoformat()}",
                date=period_end(indicator.period, last_closed),
                kind=VALUE_MISSING_KIND,
                title=i18n.message(
                    gettext_lazy("Enter the value of %(name)s for %(period)s"),
                    name=indicator.name,
                    period=indicator.period_label(last_closed),
                ),
                body=i18n.message(gettext_lazy("The period is over and the indicator has no value yet.")),
                url=reverse("strategy:indicator_detail", args=[indicator.pk]),
                target=indicator,
            ):
                sent += 1
    owners = sorted(
        {indicator.owner_id for indicator in Indicator.objects.filter(source=IndicatorSource.MANUAL)}
    )
    if owners:
        from portal.notifications.counters import counters_recount_now

        from ..registrations.indicators import VALUES_TO_ENTER

        counters_recount_now(owners, [VALUES_TO_ENTER])
    return sent
