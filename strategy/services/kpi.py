"""Writes of KPI cards and scores (see `strategy.models.kpi` for what a card and a score are).

Strategy managers make and change cards; scores are computed by the beat and on demand (`kpi_scores_compute`): in
a constant number of queries whatever the number of holders, each formula evaluated once with every holder as a
binding (`formula_evaluate_many`). The person's supervisor (or a strategy manager) confirms a period's score, which
freezes it for payroll.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.core.visibility import is_active_person, supervised_by

from ..models import Indicator, IndicatorTarget, IndicatorValue, KpiCard, KpiCardLine, KpiScore
from ..models.goals import is_strategy_manager
from ..models.indicators import PeriodKind, SubjectKind, period_end, period_start
from ..models.kpi import HolderKind, ScoreStatus
from .indicators import MAX_VALUE, formula_check

HUNDRED = Decimal(100)
CARD_FIELDS = ["name", "holder_kind", "person", "position", "department", "include_subdepartments", "period"]


def may_manage_kpi(user) -> bool:
    """Strategy managers (and admins) make and change KPI cards and compute scores."""
    return is_strategy_manager(user)


def kpi_may_confirm(user, score: KpiScore) -> bool:
    """The person's supervisors (not the person) and strategy managers confirm a score."""
    if not is_active_person(user):
        return False
    if is_strategy_manager(user):
        return True
    if score.person_id == user.pk:
        return False
    rule = supervised_by(user, "person")
    return KpiScore.objects.filter(pk=score.pk).filter(rule).exists()


def kpi_confirmable_ids(user, scores) -> set[int]:
    """The ids among `scores` that `user` may confirm (one query, none for a strategy manager)."""
    ids = [score.pk for score in scores]
    if not ids or not is_active_person(user):
        return set()
    if is_strategy_manager(user):
        return set(ids)
    rule = supervised_by(user, "person")
    return set(
        KpiScore.objects.filter(pk__in=ids).filter(rule).exclude(person=user).values_list("pk", flat=True)
    )


def _require_manager(actor) -> None:
    if not may_manage_kpi(actor):
        raise NotAllowed(_("Only strategy managers manage KPI cards."))


# --- cards ------------------------------------------------------------------------------------------------------


def _number(
    value, field: str, errors: dict, *, positive: bool = False, required: bool = True
) -> Decimal | None:
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(_("Enter a number."))
        return None
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    if not number.is_finite() or abs(number) > MAX_VALUE:
        errors.setdefault(field, []).append(_("The number is too large."))
        return None
    if positive and number <= 0:
        errors.setdefault(field, []).append(_("It must be above zero."))
        return None
    return number


def _clean_card(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    data["name"] = " ".join(str(data.get("name") or "").split())[:200]
    if not data["name"]:
        errors["name"] = [_("Give the card a name.")]
    if data.get("holder_kind") not in HolderKind.values:
        errors["holder_kind"] = [_("Choose one of the options.")]
    if data.get("period") not in PeriodKind.values:
        errors["period"] = [_("Choose one of the options.")]
    data["position"] = " ".join(str(data.get("position") or "").split())[:200]
    kind = data.get("holder_kind")
    if kind == HolderKind.PERSON and data.get("person") is None:
        errors["person"] = [_("Choose the person.")]
    if kind == HolderKind.POSITION and not data["position"]:
        errors["position"] = [_("Give the position.")]
    if kind == HolderKind.DEPARTMENT and data.get("department") is None:
        errors["department"] = [_("Choose the department.")]
    if kind != HolderKind.PERSON:
        data["person"] = None
    if kind != HolderKind.POSITION:
        data["position"] = ""
    if kind != HolderKind.DEPARTMENT:
        data["department"] = None
        data["include_subdepartments"] = False
    data["include_subdepartments"] = bool(data.get("include_subdepartments"))
    if errors:
        raise Invalid(fields=errors)
    return data


def _clean_lines(*, actor, lines: Iterable[dict]) -> list[dict]:
    """Lines as [{"indicator", "weight", "cap", "target"}]: indicators the actor sees, each once."""
    lines = list(lines)
    errors: dict[str, list[str]] = {}
    wanted = [getattr(line.get("indicator"), "pk", line.get("indicator")) for line in lines]
    visible = Indicator.objects.visible_to(actor).in_bulk([pk for pk in wanted if pk])
    cleaned, seen = [], set()
    for number, (line, pk) in enumerate(zip(lines, wanted, strict=True)):
        indicator = visible.get(pk)
        if indicator is None:
            errors.setdefault("lines", []).append(_("Line %(n)s: choose an indicator.") % {"n": number + 1})
            continue
        if pk in seen:
            errors.setdefault("lines", []).append(
                _("%(name)s is on the card twice.") % {"name": indicator.name}
            )
            continue
        seen.add(pk)
        weight = _number(line.get("weight", 1), "lines", errors, positive=True)
        cap = _number(line.get("cap", HUNDRED), "lines", errors, positive=True)
        target = _number(line.get("target"), "lines", errors, required=False)
        cleaned.append({"indicator": indicator, "weight": weight, "cap": cap, "target": target})
    if not cleaned and not errors:
        errors["lines"] = [_("Put at least one indicator on the card.")]
    if errors:
        raise Invalid(fields=errors)
    return cleaned


def _lines_set(card: KpiCard, lines: list[dict]) -> None:
    KpiCardLine.objects.filter(card=card).delete()
    KpiCardLine.objects.bulk_create(
        [KpiCardLine(card=card, position=n, **line) for n, line in enumerate(lines)]
    )


def _lines_repr(lines: list[dict]) -> list:
    return [[line["indicator"].pk, line["weight"], line["cap"], line["target"]] for line in lines]


@transaction.atomic
def kpi_card_create(
    *,
    actor,
    name: str,
    holder_kind: str,
    lines: Iterable[dict],
    person=None,
    position: str = "",
    department=None,
    include_subdepartments: bool = False,
    period: str = PeriodKind.MONTH,
) -> KpiCard:
    """Make a KPI card (strategy managers): who it is for, its period and its lines (indicator, weight, cap in
    percent of the target, an own target)."""
    _require_manager(actor)
    data = _clean_card(
        {
            "name": name,
            "holder_kind": holder_kind,
            "person": person,
            "position": position,
            "department": department,
            "include_subdepartments": include_subdepartments,
            "period": period,
        }
    )
    cleaned = _clean_lines(actor=actor, lines=lines)
    card = KpiCard.objects.create(created_by=actor, **data)
    _lines_set(card, cleaned)
    audit_record(
        actor=actor,
        action="strategy.kpi_card.create",
        target=card,
        changes={**snapshot(card, CARD_FIELDS), "lines": _lines_repr(cleaned)},
    )
    return card


@transaction.atomic
def kpi_card_update(*, actor, card: KpiCard, lines: Iterable[dict] | None = None, **changes) -> KpiCard:
    """Change a card (strategy managers); confirmed scores keep what they were."""
    _require_manager(actor)
    unknown = set(changes) - set(CARD_FIELDS) - {"is_active"}
    if unknown:
        raise TypeError(f"kpi_card_update got unknown fields {sorted(unknown)}")
    card = KpiCard.objects.select_for_update().get(pk=card.pk)
    before = snapshot(card, [*CARD_FIELDS, "is_active"])
    data = _clean_card({field: changes.get(field, getattr(card, field)) for field in CARD_FIELDS})
    for field, value in data.items():
        setattr(card, field, value)
    if "is_active" in changes:
        card.is_active = bool(changes["is_active"])
    card.save()
    changed = diff(before, snapshot(card, [*CARD_FIELDS, "is_active"]))
    if lines is not None:
        cleaned = _clean_lines(actor=actor, lines=lines)
        old = [[ln.indicator_id, ln.weight, ln.cap, ln.target] for ln in card.lines.all()]
        if old != _lines_repr(cleaned):
            _lines_set(card, cleaned)
            changed["lines"] = [old, _lines_repr(cleaned)]
    if changed:
        audit_record(actor=actor, action="strategy.kpi_card.update", target=card, changes=changed)
    return card


@transaction.atomic
def kpi_card_delete(*, actor, card: KpiCard) -> None:
    """Delete a card with its scores (strategy managers); refused once a score of it is confirmed."""
    _require_manager(actor)
    if card.scores.filter(status=ScoreStatus.CONFIRMED).exists():
        raise Invalid(_("Confirmed scores use this card: make it inactive instead."), code="confirmed")
    audit_record(actor=actor, action="strategy.kpi_card.delete", target=card, changes={"name": card.name})
    KpiCard.objects.filter(pk=card.pk).delete()


# --- scores -----------------------------------------------------------------------------------------------------


def kpi_holders(cards: list[KpiCard]) -> dict[int, list[int]]:
    """{card_id: [person ids]}: the active people each card scores. One query for all the cards."""
    rules = []
    departments = {}
    for card in cards:
        if card.holder_kind == HolderKind.PERSON:
            rules.append(Q(pk=card.person_id))
        elif card.holder_kind == HolderKind.POSITION:
            rules.append(Q(position=card.position))
        elif card.include_subdepartments:
            departments[card.pk] = card.department.path
            rules.append(Q(department__path__startswith=card.department.path))
        else:
            rules.append(Q(department_id=card.department_id))
    if not rules:
        return {}
    rule = rules[0]
    for more in rules[1:]:
        rule |= more
    people = list(
        get_user_model()
        .objects.filter(rule, is_active=True)
        .order_by("pk")
        .values_list("pk", "position", "department_id", "department__path")
    )
    holders: dict[int, list[int]] = {}
    for card in cards:
        if card.holder_kind == HolderKind.PERSON:
            found = [pk for pk, *_rest in people if pk == card.person_id]
        elif card.holder_kind == HolderKind.POSITION:
            found = [pk for pk, position, *_rest in people if position == card.position]
        elif card.include_subdepartments:
            path = departments[card.pk]
            found = [pk for pk, _p, _d, dpath in people if dpath and dpath.startswith(path)]
        else:
            found = [pk for pk, _p, department_id, _dp in people if department_id == card.department_id]
        holders[card.pk] = found
    return holders


def _per_person(indicator: Indicator) -> bool:
    """Whether a line's indicator is evaluated for each holder (a formula for "a person", without one fixed)."""
    return (
        indicator.is_formula
        and bool(indicator.formula)
        and indicator.subject_kind == SubjectKind.PERSON
        and indicator.subject_person_id is None
    )


def _plain(number: Decimal | None) -> str | None:
    """A number as text without trailing zeros ("93", "2.5"), never in exponent form."""
    if number is None:
        return None
    return format(Decimal(number).normalize(), "f")


def _line_figures(line: KpiCardLine, value: Decimal | None, error: str, target: Decimal | None) -> dict:
    indicator = line.indicator
    achievement = indicator.achievement(value, target)
    cap = line.cap / HUNDRED
    counted = (Decimal(0) if achievement is None else min(achievement, cap)).quantize(Decimal("0.0001"))
    return {
        "indicator": indicator.pk,
        "name": indicator.name,
        "unit": indicator.unit,
        "value": _plain(value),
        "target": _plain(target),
        "achievement": None if achievement is None else str(achievement),
        "counted": str(counted),
        "weight": str(line.weight),
        "cap": str(line.cap),
        "error": error or ("" if value is not None else _("no value")),
    }


def kpi_score_of(lines: list[dict]) -> Decimal | None:
    """The weighted mean of the lines' counted (capped) achievements, in percent."""
    total = sum((Decimal(line["weight"]) for line in lines), Decimal(0))
    if not total:
        return None
    weighted = sum((Decimal(line["counted"]) * Decimal(line["weight"]) for line in lines), Decimal(0))
    return (weighted / total * HUNDRED).quantize(Decimal("0.01"))


def kpi_scores_compute(*, period: datetime.date, card_ids: Iterable[int] | None = None, actor=None) -> int:
    """Compute (and store) the scores of the period holding `period` for every active card (or `card_ids`) and
    every holder; confirmed scores stay as they are. A constant number of queries whatever the number of people:
    each per-person formula is evaluated once with all its holders. Returns the number of scores written."""
    if actor is not None:
        _require_manager(actor)
        if period > timezone.localdate():  # nothing to score yet (and 9999-12 would overflow the metrics)
            raise Invalid(fields={"period": [_("This period has not begun yet.")]})
    with translation.override(None):  # errors are stored in the source language, shown translated
        return _scores_compute(period=period, card_ids=card_ids)


def _scores_compute(*, period: datetime.date, card_ids: Iterable[int] | None) -> int:
    from portal.core.metrics import formula_evaluate_many

    cards_qs = KpiCard.objects.filter(is_active=True).select_related("department")
    if card_ids is not None:
        cards_qs = cards_qs.filter(pk__in=list(card_ids))
    cards = list(cards_qs.prefetch_related("lines__indicator").order_by("pk"))
    if not cards:
        return 0
    holders = kpi_holders(cards)
    starts = {card.pk: period_start(card.period, period) for card in cards}
    # What each line needs: per-person formula values, or the indicator's stored value of the period.
    person_needs: dict[tuple[int, datetime.date], set[int]] = defaultdict(set)
    stored_needs: set[tuple[int, datetime.date]] = set()
    indicators: dict[int, Indicator] = {}
    for card in cards:
        start = starts[card.pk]
        for line in card.lines.all():
            indicators[line.indicator_id] = line.indicator
            key = (line.indicator_id, period_start(line.indicator.period, start))
            if _per_person(line.indicator):
                person_needs[key].update(holders[card.pk])
            else:
                stored_needs.add(key)
    # Per-person formulas: one evaluation per (formula, period) with every holder as a binding.
    computed: dict[tuple[int, datetime.date, int], tuple[Decimal | None, str]] = {}
    by_formula: dict[tuple[str, str, datetime.date], list[tuple[int, list[int]]]] = defaultdict(list)
    for (indicator_id, start), people in person_needs.items():
        indicator = indicators[indicator_id]
        by_formula[(indicator.formula, indicator.period, start)].append((indicator_id, sorted(people)))
    for (text, kind, start), members in by_formula.items():
        people = sorted({pk for _i, pks in members for pk in pks})
        try:
            formula = formula_check(text=text, subject_kind=SubjectKind.PERSON)
        except Invalid as exc:
            for indicator_id, pks in members:
                for pk in pks:
                    computed[(indicator_id, start, pk)] = (None, exc.message)
            continue
        results = formula_evaluate_many(
            formula, [{"person": pk} for pk in people], start, period_end(kind, start)
        )
        by_person = dict(zip(people, results, strict=True))
        for indicator_id, pks in members:
            for pk in pks:
                computed[(indicator_id, start, pk)] = (by_person[pk].value, by_person[pk].error)
    stored_keys = list(stored_needs)
    stored: dict[tuple[int, datetime.date], tuple[Decimal | None, str]] = {}
    if stored_keys:
        rule = Q(pk__in=[])
        for indicator_id, start in stored_keys:
            rule |= Q(indicator_id=indicator_id, period_start=start)
        for indicator_id, start, value, error in IndicatorValue.objects.filter(rule).values_list(
            "indicator_id", "period_start", "value", "error"
        ):
            stored[(indicator_id, start)] = (value, error)
    targets = dict(
        ((indicator_id, start), target)
        for indicator_id, start, target in IndicatorTarget.objects.filter(
            indicator_id__in=list(indicators),
            period_start__in=list({start for _i, start in [*person_needs, *stored_needs]}),
        ).values_list("indicator_id", "period_start", "target")
    )
    existing = {
        (s.card_id, s.person_id, s.period_start): s
        for s in KpiScore.objects.filter(card__in=cards, period_start__in=list(set(starts.values())))
    }
    now = timezone.now()
    new, changed = [], []
    for card in cards:
        start = starts[card.pk]
        for person_id in holders[card.pk]:
            score = existing.get((card.pk, person_id, start))
            if score is not None and score.status == ScoreStatus.CONFIRMED:
                continue
            figures = []
            for line in card.lines.all():
                indicator = line.indicator
                line_start = period_start(indicator.period, start)
                if _per_person(indicator):
                    value, error = computed.get((indicator.pk, line_start, person_id), (None, ""))
                else:
                    value, error = stored.get((indicator.pk, line_start), (None, ""))
                target = line.target
                if target is None:
                    target = targets.get((indicator.pk, line_start), indicator.default_target)
                figures.append(_line_figures(line, value, error, target))
            total = kpi_score_of(figures)
            if score is None:
                new.append(
                    KpiScore(
                        card=card,
                        person_id=person_id,
                        period_start=start,
                        period_end=period_end(card.period, start),
                        score=total,
                        lines=figures,
                        computed_at=now,
                    )
                )
            elif score.score != total or score.lines != figures:
                score.score, score.lines, score.computed_at = total, figures, now
                changed.append(score)
    with transaction.atomic():
        KpiScore.objects.bulk_create(new, batch_size=1000)
        KpiScore.objects.bulk_update(changed, ["score", "lines", "computed_at"], batch_size=1000)
    return len(new) + len(changed)


@transaction.atomic
def kpi_score_confirm(*, actor, score: KpiScore) -> KpiScore:
    """The person's supervisor (or a strategy manager) confirms a computed score of a closed period: it is frozen
    for payroll. Confirming twice changes nothing."""
    if not KpiScore.objects.visible_to(actor).filter(pk=score.pk).exists():
        raise NotFound(_("No KPI score matches the given query."))
    if not kpi_may_confirm(actor, score):
        raise NotAllowed(_("Only the person's supervisor or a strategy manager confirms a KPI score."))
    score = KpiScore.objects.select_for_update().get(pk=score.pk)
    if score.status == ScoreStatus.CONFIRMED:
        return score
    if score.period_end >= timezone.localdate():
        raise Invalid(_("The period is not over yet."), code="period_open")
    score.status, score.confirmed_by, score.confirmed_at = ScoreStatus.CONFIRMED, actor, timezone.now()
    score.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    audit_record(
        actor=actor,
        action="strategy.kpi_score.confirm",
        target=score,
        changes={"person": score.person_id, "period": score.period_start, "score": score.score},
    )
    return score


@transaction.atomic
def kpi_scores_confirm_all(*, actor, card: KpiCard, period: datetime.date) -> int:
    """Confirm every draft score of the card's period holding `period` that `actor` may confirm (the scores of
    their people; all of them for a strategy manager). Each is audited. Returns how many were confirmed."""
    if not KpiCard.objects.visible_to(actor).filter(pk=card.pk).exists():
        raise NotFound(_("No KPI card matches the given query."))
    start = period_start(card.period, period)
    if period_end(card.period, start) >= timezone.localdate():
        raise Invalid(_("The period is not over yet."), code="period_open")
    drafts = list(KpiScore.objects.filter(card=card, period_start=start, status=ScoreStatus.DRAFT))
    allowed = kpi_confirmable_ids(actor, drafts)
    for score in drafts:
        if score.pk in allowed:
            kpi_score_confirm(actor=actor, score=score)
    return len(allowed)
