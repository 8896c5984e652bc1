"""`manage.py bench_strategy_compute`: the worker time of computing every formula indicator for a month.

Issue 17's goal: "recomputing every formula indicator for a month for 5,000 people and 300 departments in under
60 s of worker time". On the data in the database (the benchmark's, `seed_scale_strategy`'s: formula indicators
for departments and the company, per-person formulas on KPI cards whose holders are the whole company), it runs
what the beat's job does for one month, in-process as the worker does: `values_compute` of every formula indicator
with its own subject (one evaluation per formula, `formula_evaluate_many`), then `kpi_scores_compute` of every
active card (each per-person formula evaluated once for all its holders). It prints the worker time (wall clock,
CPU, time waiting for the database), the queries, and what was computed: indicators, departments, people, values,
scores. Everything happens in one transaction rolled back at the end: the database is left as it was.
"""

from __future__ import annotations

import datetime
import json
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

SECONDS_GOAL = 60.0


class _Rollback(Exception):
    """Raised at the end of the measured block so that nothing of the run stays in the database."""


class _QueryCounter:
    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


class Command(BaseCommand):
    help = "Measure computing every formula indicator and KPI score for a month (worker time); rolled back."

    def add_arguments(self, parser):
        parser.add_argument(
            "--month", default=None, help="the month to compute, YYYY-MM (default: the last closed one)"
        )
        parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")

    def handle(self, *args, month: str | None, json: bool = False, **options):
        if month:
            year, number = (int(part) for part in month.split("-"))
            start = datetime.date(year, number, 1)
        else:
            start = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        figures: dict = {}
        try:
            with transaction.atomic():
                figures = measure(start)
                raise _Rollback
        except _Rollback:
            pass
        if json:
            self.stdout.write(_json_line(figures))
            return
        self.stdout.write(
            f"{figures['month']}: {figures['indicators']} formula indicators ({figures['departments']} departments) "
            f"and {figures['scores']} KPI scores of {figures['people']} people: {figures['values']} values in "
            f"{figures['seconds']:.1f}s ({figures['cpu_seconds']:.1f}s CPU, {figures['sql_seconds']:.1f}s waiting "
            f"for the database), {figures['queries']} queries; goal under {SECONDS_GOAL:g}s: "
            + ("met" if figures["seconds"] < SECONDS_GOAL else "NOT MET")
        )


def _json_line(figures: dict) -> str:
    return json.dumps(figures, default=str)


def measure(start: datetime.date) -> dict:
    from ...models import Indicator, KpiCard
    from ...models.indicators import IndicatorSource, RevisionKind
    from ...services.indicators import values_compute
    from ...services.kpi import kpi_holders, kpi_scores_compute

    indicators = list(
        Indicator.objects.filter(source=IndicatorSource.FORMULA).exclude(formula="").order_by("pk")
    )
    cards = list(KpiCard.objects.filter(is_active=True).select_related("department"))
    people = {pk for holders in kpi_holders(cards).values() for pk in holders} if cards else set()
    departments = {i.subject_department_id for i in indicators if i.subject_department_id}
    counter = _QueryCounter()
    with connection.execute_wrapper(counter):
        cpu, started = time.process_time(), time.perf_counter()
        values = values_compute(indicators, [start], kind=RevisionKind.RECOMPUTED)
        values_seconds = time.perf_counter() - started
        scores = kpi_scores_compute(period=start)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "month": f"{start:%Y-%m}",
        "indicators": len(indicators),
        "departments": len(departments),
        "cards": len(cards),
        "people": len(people),
        "values": len(values),
        "scores": scores,
        "values_seconds": round(values_seconds, 2),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "sql_seconds": round(counter.seconds, 2),
        "queries": counter.count,
    }
