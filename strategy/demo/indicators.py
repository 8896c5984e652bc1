"""The demo company's indicators and KPI cards, written through the strategy's services (after the goals' seeder).

- Manual indicators with 14 closed months of values entered by their owners (one corrected with a reason): the
  customers' score (green), key-account churn and the month-end close (both in red), linked to the demo's goals;
- formula indicators over live data (tasks closed on time in Sales, deals won by the company) computed for the
  last 13 months, and per-person ones for the KPI cards (calls, deals won, credited days);
- a KPI card for the sales team (Sales with its sub-departments) with weights and caps, scored for the last three
  months, last month's scores of two people confirmed by the head of Sales.

Texts in the demo's language. Deterministic and idempotent: when the first indicator is there, it adds nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from portal.core.demo import demo_email, in_demo_language

TEXTS = {
    "en": {
        "nps": ("Customer score (NPS)", "Asked every month of the customers who bought.", "pts"),
        "churn": ("Key-account churn", "Share of key accounts lost in the month.", "%"),
        "close": ("Month-end close", "Working days to close the books.", "days"),
        "on_time": ("Sales tasks closed on time", "Live from the tasks of Sales.", "%"),
        "won": ("Deals won", "Live from the CRM, the whole company.", "deals"),
        "calls": ("Calls per person", "Calls done, per person (KPI).", "calls"),
        "won_person": ("Deals won per person", "Deals won, per person (KPI).", "deals"),
        "credited": ("Credited working days", "Share of working days with a credited report (KPI).", "%"),
        "card": "Sales team KPI",
        "correction": "The survey tool double-counted two answers.",
    },
    "ru": {
        "nps": ("Оценка клиентов (NPS)", "Ежемесячный опрос купивших клиентов.", "балл"),
        "churn": ("Отток ключевых клиентов", "Доля ключевых клиентов, потерянных за месяц.", "%"),
        "close": ("Закрытие месяца", "Рабочих дней на закрытие отчётности.", "дн."),
        "on_time": ("Задачи продаж, закрытые в срок", "По задачам отдела продаж.", "%"),
        "won": ("Выигранные сделки", "Из CRM, по всей компании.", "сделок"),
        "calls": ("Звонки сотрудника", "Совершённые звонки, на человека (KPI).", "звонков"),
        "won_person": ("Выигранные сделки сотрудника", "Выигранные сделки, на человека (KPI).", "сделок"),
        "credited": ("Зачтённые рабочие дни", "Доля рабочих дней с зачтённым отчётом (KPI).", "%"),
        "card": "KPI отдела продаж",
        "correction": "Сервис опросов посчитал два ответа дважды.",
    },
}
MONTHS = 14
# Manual indicators: (key, owner, goal key, direction, baseline, target, green, amber, values oldest first)
MANUAL = [
    ("nps", "sales.head", "growth", "higher", 20, 40, 100, 85,
     [24, 26, 25, 29, 31, 30, 33, 35, 36, 38, 39, 41, 42, 44]),
    ("churn", "accounts.head", "accounts_q", "lower", 6, 2, 100, 80,
     [4.0, 3.6, 3.1, 2.9, 2.6, 2.4, 2.8, 3.3, 3.9, 4.4, 4.8, 5.1, 5.3, 5.6]),
    ("close", "cfo", "efficiency", "lower", 12, 5, 100, 80,
     [12, 12, 11, 11, 10, 10, 11, 10, 9, 9, 10, 9, 9, 9]),
]  # fmt: skip
# Formula indicators of the company or a department: (key, owner, goal key, formula, subject, target)
FORMULAS = [
    ("on_time", "sales.head", "sales_q", "tasks.closed_on_time_share(department) * 100", "sales.head", 90),
    ("won", "sales.head", "growth", "crm.deals_won_count(department)", None, 8),
]
# Per-person formulas for the KPI card: (key, formula, target, weight, cap)
PER_PERSON = [
    ("calls", "crm.calls_count(person)", 20, 2, 120),
    ("won_person", "crm.deals_won_count(person)", 2, 3, 150),
    ("credited", "reports.credited_days_share(person) * 100", 95, 1, 100),
]


def _people() -> dict:
    from django.contrib.auth import get_user_model

    domain = demo_email("")
    return {
        u.email.split("@")[0]: u
        for u in get_user_model().objects.filter(email__endswith=domain, is_active=True)
    }


def _goals() -> dict:
    """The demo goals by the goals' seeder's keys (those that are there)."""
    from ..models import Goal

    try:
        from . import texts as goal_texts
        from . import texts_ru as goal_texts_ru
    except ImportError:  # the goals' demo is not there
        return {}
    text = in_demo_language({"en": goal_texts, "ru": goal_texts_ru})
    titles = {key: title for key, (title, _owner, _d) in text.ANNUAL.items()}
    titles.update({key: title for key, _parent, _head, title in text.QUARTERLY})
    by_title = {g.title: g for g in Goal.objects.filter(title__in=list(titles.values()))}
    return {key: by_title[title] for key, title in titles.items() if title in by_title}


def seed_demo_indicators(*, stdout=None) -> dict[str, int]:
    """The demo's indicators and KPI cards (see the module). Returns how many of each thing were created."""
    from portal.people.demo import demo_department

    from ..models import Indicator, IndicatorValue, KpiCard, KpiScore
    from ..models.indicators import period_previous, period_start
    from ..services.indicators import indicator_create, indicator_value_enter, values_compute
    from ..services.kpi import kpi_card_create, kpi_score_confirm, kpi_scores_compute

    text = in_demo_language(TEXTS)
    empty = {"indicators": 0, "values": 0, "kpi_cards": 0, "kpi_scores": 0}
    people = _people()
    admin = people.get("admin")
    if admin is None or "ceo" not in people:
        if stdout is not None:
            stdout.write("Strategy indicators demo skipped: the demo company is not there.")
        return empty
    if Indicator.objects.filter(name=text["nps"][0]).exists():
        return empty
    values_before = IndicatorValue.objects.count()
    goals = _goals()
    today = timezone.localdate()
    last_closed = period_previous("month", period_start("month", today))
    months = [last_closed]
    for _n in range(MONTHS - 1):
        months.insert(0, period_previous("month", months[0]))
    made = 0

    def owner(local):
        return people.get(local) or people["ceo"]

    for key, who, goal_key, direction, baseline, target, green, amber, values in MANUAL:
        name, description, unit = text[key]
        indicator = indicator_create(
            actor=admin,
            name=name,
            description=description,
            unit=unit,
            owner=owner(who),
            direction=direction,
            baseline=Decimal(str(baseline)),
            default_target=Decimal(str(target)),
            green_from=Decimal(green),
            amber_from=Decimal(amber),
            starts_on=months[0],
            visibility="goals" if goal_key in goals else "company",
            goals=[goals[goal_key]] if goal_key in goals else [],
        )
        made += 1
        for month, value in zip(months, values, strict=True):
            indicator_value_enter(
                actor=indicator.owner, indicator=indicator, period=month, value=Decimal(str(value))
            )
        if key == "nps":  # a correction kept with who and why
            indicator_value_enter(
                actor=indicator.owner,
                indicator=indicator,
                period=months[-3],
                value=Decimal(values[-3] - 1),
                reason=text["correction"],
            )
    computed = []
    for key, who, goal_key, formula, subject, target in FORMULAS:
        name, description, unit = text[key]
        department = demo_department(subject) if subject else None
        computed.append(
            indicator_create(
                actor=admin,
                name=name,
                description=description,
                unit=unit,
                owner=owner(who),
                source="formula",
                formula=formula,
                subject_kind="department" if department else "company",
                subject_department=department,
                default_target=Decimal(target),
                starts_on=months[0],
                visibility="company",
                goals=[goals[goal_key]] if goal_key in goals else [],
            )
        )
        made += 1
    values_compute(computed, [*months, period_start("month", today)])
    lines = []
    for key, formula, target, weight, cap in PER_PERSON:
        name, description, unit = text[key]
        indicator = indicator_create(
            actor=admin,
            name=name,
            description=description,
            unit=unit,
            owner=people.get("sales.head") or people["ceo"],
            source="formula",
            formula=formula,
            subject_kind="person",
            default_target=Decimal(target),
            starts_on=months[0],
            visibility="company",
        )
        made += 1
        lines.append({"indicator": indicator, "weight": weight, "cap": cap})
    sales = demo_department("sales.head")
    cards = scores = 0
    if sales is not None:
        card = kpi_card_create(
            actor=admin,
            name=text["card"],
            holder_kind="department",
            department=sales,
            include_subdepartments=True,
            lines=lines,
        )
        cards = 1
        for month in months[-3:]:
            kpi_scores_compute(period=month, card_ids=[card.pk])
        head = people.get("sales.head")
        if head is not None:
            for score in KpiScore.objects.filter(card=card, period_start=last_closed).exclude(person=head)[
                :2
            ]:
                kpi_score_confirm(actor=head, score=score)
        scores = KpiScore.objects.filter(card__in=KpiCard.objects.filter(pk=card.pk)).count()
    return {
        "indicators": made,
        "values": IndicatorValue.objects.count() - values_before,
        "kpi_cards": cards,
        "kpi_scores": scores,
    }
