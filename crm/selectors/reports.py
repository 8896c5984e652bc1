"""The CRM reports' reads: the sales funnel, deals won and lost, lead sources, activity by manager and the time
deals spend in each stage.

Every number counts only records the viewer may see (`visible_to`) and is aggregated in SQL, grouped into a
handful of rows whatever the number of records (a report costs the same few queries at ten deals and at a
million). Each row carries the filter parameters of the list behind it (`params`), named as the list pages'
FilterSets name them, so that the page can link every number to its records.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Case, Count, IntegerField, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest, Trunc
from django.utils import timezone
from djmoney.money import Money

from ..choices import ActivityKind, LeadSource, LeadStatus, StageKind
from ..models import Activity, Deal, DealStageChange, Lead, Pipeline, Stage

WEEK, MONTH = "week", "month"


@dataclass(frozen=True)
class ReportQuery:
    """What a report is asked: the days (both included), and optionally a pipeline, a department (with its
    sub-tree) and a manager (the records' responsible person); `group` splits periods by week or month."""

    start: datetime.date
    end: datetime.date
    pipeline: Pipeline | None = None
    department_id: int | None = None
    department_path: str = ""
    responsible_id: int | None = None
    group: str = MONTH

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The first moment of `start` and of the day after `end`, in the current time zone."""
        return day_start(self.start), day_start(self.end + datetime.timedelta(days=1))

    def people_params(self) -> dict:
        """The list filters for the chosen department and manager."""
        params = {}
        if self.department_id:
            params["department"] = self.department_id
        if self.responsible_id:
            params["responsible"] = self.responsible_id
        return params

    def people_q(self, prefix: str = "") -> Q:
        """The records whose responsible person is the chosen manager, in the chosen department's sub-tree."""
        rule = Q()
        if self.department_path:
            rule &= Q(**{f"{prefix}responsible__department__path__startswith": self.department_path})
        if self.responsible_id:
            rule &= Q(**{f"{prefix}responsible_id": self.responsible_id})
        return rule


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def iso(day: datetime.date) -> str:
    return day.isoformat()


def monies(sums: dict[str, Decimal]) -> list[Money]:
    """{currency: amount} as a list of Money, in currency order, leaving out empty sums."""
    return [Money(amount, currency) for currency, amount in sorted(sums.items()) if currency and amount]


def share(part: int, whole: int) -> float | None:
    """`part` of `whole` in per cent, one decimal (None when there is no whole)."""
    return round(part * 100 / whole, 1) if whole else None


def _person(row: dict, prefix: str = "responsible") -> dict:
    first, last = row.get(f"{prefix}__first_name") or "", row.get(f"{prefix}__last_name") or ""
    return {"id": row[f"{prefix}_id"], "name": f"{first} {last}".strip() or row.get(f"{prefix}__email") or ""}


PERSON_FIELDS = ("responsible_id", "responsible__first_name", "responsible__last_name", "responsible__email")


# --- the choices of the filters -------------------------------------------------------------------------------


def report_pipelines():
    """The pipelines a report may be about (active ones first, in their order)."""
    return Pipeline.objects.order_by("-is_active", "sort", "name", "id")


def default_pipeline() -> Pipeline | None:
    return report_pipelines().order_by("-is_default", "-is_active", "sort", "id").first()


# --- periods --------------------------------------------------------------------------------------------------


def _period_end(start: datetime.date, group: str) -> datetime.date:
    if group == WEEK:
        return start + datetime.timedelta(days=6)
    following = (start.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return following - datetime.timedelta(days=1)


def _period(moment, query: ReportQuery) -> dict:
    """A week or month of the report: its first and last day, clamped to the asked period."""
    first = moment.date() if isinstance(moment, datetime.datetime) else moment
    last = _period_end(first, query.group)
    return {"start": max(first, query.start), "end": min(last, query.end), "first": first}


def _trunc(field: str, query: ReportQuery):
    return Trunc(field, "week" if query.group == WEEK else "month", tzinfo=timezone.get_current_timezone())


# --- 1. the sales funnel --------------------------------------------------------------------------------------


def _position(field: str, ladder: list[Stage]) -> Case:
    """The place (1, 2, ...) of the stage in `field` on the funnel's ladder; 0 for a lost or foreign stage."""
    return Case(
        *[When(**{field: stage.pk}, then=Value(place)) for place, stage in enumerate(ladder, start=1)],
        default=Value(0),
        output_field=IntegerField(),
    )


def funnel_report(*, user, query: ReportQuery) -> dict | None:
    """The deals of a pipeline created in the period, and how far each got: a deal reached a stage when it was
    ever in it or in a later (not lost) stage, by its current stage and its history of moves. Conversions from
    each stage to the next and from the first; amounts per currency. None without a pipeline."""
    pipeline = query.pipeline
    if pipeline is None:
        return None
    stages = list(Stage.objects.filter(pipeline=pipeline).order_by("sort", "id"))
    ladder = [stage for stage in stages if stage.kind != StageKind.LOST]
    lost_ids = {stage.pk for stage in stages if stage.kind == StageKind.LOST}
    start, end = query.bounds()
    deals = Deal.objects.visible_to(user).filter(
        query.people_q(), pipeline=pipeline, created_at__gte=start, created_at__lt=end
    )
    moves = DealStageChange.objects.filter(deal=OuterRef("pk"), pipeline=pipeline)
    furthest_to = (
        moves.annotate(place=_position("to_stage_id", ladder)).order_by("-place").values("place")[:1]
    )
    furthest_from = (
        moves.annotate(place=_position("from_stage_id", ladder)).order_by("-place").values("place")[:1]
    )
    rows = (
        deals.annotate(
            reach=Greatest(
                _position("stage_id", ladder),
                Coalesce(Subquery(furthest_to, output_field=IntegerField()), Value(0)),
                Coalesce(Subquery(furthest_from, output_field=IntegerField()), Value(0)),
            )
        )
        .values("reach", "stage_id", "amount_currency")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by()
    )
    reached = defaultdict(int)  # place -> deals
    reached_sums = defaultdict(lambda: defaultdict(Decimal))  # place -> currency -> amount
    now_in = defaultdict(int)  # stage id -> deals
    now_sums = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        # Every deal entered the funnel: one made straight into a lost stage counts at the first stage.
        reach = max(row["reach"], 1)
        for place in range(1, reach + 1):
            reached[place] += row["n"]
            reached_sums[place][row["amount_currency"]] += row["total"] or Decimal("0")
        now_in[row["stage_id"]] += row["n"]
        now_sums[row["stage_id"]][row["amount_currency"]] += row["total"] or Decimal("0")

    base = {
        "pipeline": pipeline.pk,
        "created_from": iso(query.start),
        "created_to": iso(query.end),
        **query.people_params(),
    }
    total = reached[1]
    steps = []
    for place, stage in enumerate(ladder, start=1):
        count = reached[place]
        previous = reached[place - 1] if place > 1 else count
        steps.append(
            {
                "stage": stage,
                "reached": count,
                "reached_sums": monies(reached_sums[place]),
                # The first stage's "reached" is every deal of the period: the pipeline's list says so.
                "reached_params": base if place == 1 else None,
                "now": now_in[stage.pk],
                "now_sums": monies(now_sums[stage.pk]),
                "now_params": {**base, "stage": stage.pk},
                "step_conversion": share(count, previous) if place > 1 else None,
                "conversion": share(count, total),
            }
        )
    lost_count = sum(now_in[pk] for pk in lost_ids)
    lost_sums = defaultdict(Decimal)
    for pk in lost_ids:
        for currency, amount in now_sums[pk].items():
            lost_sums[currency] += amount
    won = sum(now_in[stage.pk] for stage in ladder if stage.kind == StageKind.WON)
    return {
        "pipeline": pipeline,
        "steps": steps,
        "total": total,
        "total_params": base,
        "won": won,
        "won_params": {**base, "stage_kind": StageKind.WON},
        "won_conversion": share(won, total),
        "lost": lost_count,
        "lost_sums": monies(lost_sums),
        "lost_params": {**base, "stage_kind": StageKind.LOST},
        "lost_share": share(lost_count, total),
    }


# --- 2. deals won and lost ------------------------------------------------------------------------------------


def _won_lost_annotations() -> dict:
    won, lost = Q(stage_kind=StageKind.WON), Q(stage_kind=StageKind.LOST)
    return {
        "won": Count("pk", filter=won),
        "lost": Count("pk", filter=lost),
        "won_sum": Sum("amount", filter=won),
        "lost_sum": Sum("amount", filter=lost),
    }


def _won_lost_row(key, extra: dict) -> dict:
    return {
        "key": key,
        "won": 0,
        "lost": 0,
        "won_sums": defaultdict(Decimal),
        "lost_sums": defaultdict(Decimal),
        **extra,
    }


def _won_lost_add(row: dict, values: dict) -> None:
    row["won"] += values["won"]
    row["lost"] += values["lost"]
    currency = values["amount_currency"]
    row["won_sums"][currency] += values["won_sum"] or Decimal("0")
    row["lost_sums"][currency] += values["lost_sum"] or Decimal("0")


def _won_lost_finish(row: dict, params: dict | None) -> dict:
    """Totals and links of a row; `params` None: no list shows exactly these deals (no responsible person)."""
    row["closed"] = row["won"] + row["lost"]
    row["win_rate"] = share(row["won"], row["closed"])
    row["won_sums"] = monies(row["won_sums"])
    row["lost_sums"] = monies(row["lost_sums"])
    row["params"] = params
    row["won_params"] = {**params, "stage_kind": StageKind.WON} if params is not None else None
    row["lost_params"] = {**params, "stage_kind": StageKind.LOST} if params is not None else None
    return row


def won_lost_report(*, user, query: ReportQuery) -> dict:
    """Deals closed in the period (won or lost), by manager and by week or month: counts, sums per currency and
    the win rate (won of closed). All pipelines unless one is chosen."""
    start, end = query.bounds()
    deals = Deal.objects.visible_to(user).filter(
        query.people_q(),
        stage_kind__in=[StageKind.WON, StageKind.LOST],
        closed_at__gte=start,
        closed_at__lt=end,
    )
    if query.pipeline is not None:
        deals = deals.filter(pipeline=query.pipeline)
    base = {"closed_from": iso(query.start), "closed_to": iso(query.end), **query.people_params()}
    if query.pipeline is not None:
        base = {"pipeline": query.pipeline.pk, **base}

    people: dict = {}
    for values in (
        deals.values(*PERSON_FIELDS, "amount_currency").annotate(**_won_lost_annotations()).order_by()
    ):
        person = _person(values)
        row = people.setdefault(person["id"], _won_lost_row(person["id"], {"person": person}))
        _won_lost_add(row, values)
    managers = [
        _won_lost_finish(row, {**base, "responsible": key} if key else None) for key, row in people.items()
    ]
    managers.sort(key=lambda row: (-row["won"], -row["closed"], row["person"]["name"].lower()))

    periods: dict = {}
    for values in (
        deals.annotate(period=_trunc("closed_at", query))
        .values("period", "amount_currency")
        .annotate(**_won_lost_annotations())
        .order_by()
    ):
        period = _period(values["period"], query)
        row = periods.setdefault(period["first"], _won_lost_row(period["first"], {"period": period}))
        _won_lost_add(row, values)
    by_period = [
        _won_lost_finish(
            row,
            {**base, "closed_from": iso(row["period"]["start"]), "closed_to": iso(row["period"]["end"])},
        )
        for _key, row in sorted(periods.items())
    ]
    totals = _won_lost_row("total", {})
    for row in managers:
        totals["won"] += row["won"]
        totals["lost"] += row["lost"]
        for money in row["won_sums"]:
            totals["won_sums"][str(money.currency)] += money.amount
        for money in row["lost_sums"]:
            totals["lost_sums"][str(money.currency)] += money.amount
    return {"managers": managers, "periods": by_period, "total": _won_lost_finish(totals, base)}


# --- 3. lead sources ------------------------------------------------------------------------------------------


def lead_sources_report(*, user, query: ReportQuery) -> dict:
    """Leads created in the period by source: how many, how many converted (and the share), junk and still
    open; and the leads of each source by week or month."""
    start, end = query.bounds()
    leads = Lead.objects.visible_to(user).filter(query.people_q(), created_at__gte=start, created_at__lt=end)
    base = {"created_from": iso(query.start), "created_to": iso(query.end), **query.people_params()}
    labels = dict(LeadSource.choices)
    sources = []
    counted = (
        leads.values("source")
        .annotate(
            total=Count("pk"),
            converted=Count("pk", filter=Q(status=LeadStatus.CONVERTED)),
            junk=Count("pk", filter=Q(status=LeadStatus.JUNK)),
        )
        .order_by()
    )
    for values in counted:
        params = {**base, "source": values["source"]}
        sources.append(
            {
                "source": values["source"],
                "label": labels.get(values["source"], values["source"]),
                "total": values["total"],
                "params": params,
                "converted": values["converted"],
                "converted_params": {**params, "status": LeadStatus.CONVERTED},
                "converted_share": share(values["converted"], values["total"]),
                "junk": values["junk"],
                "junk_params": {**params, "status": LeadStatus.JUNK},
                "open": values["total"] - values["converted"] - values["junk"],
            }
        )
    sources.sort(key=lambda row: (-row["total"], str(row["label"])))
    total = sum(row["total"] for row in sources)
    converted = sum(row["converted"] for row in sources)
    junk = sum(row["junk"] for row in sources)
    order = [row["source"] for row in sources]
    periods: dict = {}
    for values in (
        leads.annotate(period=_trunc("created_at", query)).values("period", "source").annotate(n=Count("pk"))
    ).order_by():
        period = _period(values["period"], query)
        row = periods.setdefault(period["first"], {"period": period, "counts": defaultdict(int), "total": 0})
        row["counts"][values["source"]] += values["n"]
        row["total"] += values["n"]
    by_period = []
    for _key, row in sorted(periods.items()):
        params = {
            **base,
            "created_from": iso(row["period"]["start"]),
            "created_to": iso(row["period"]["end"]),
        }
        row["cells"] = [
            {"count": row["counts"].get(source, 0), "params": {**params, "source": source}}
            for source in order
        ]
        row["params"] = params
        by_period.append(row)
    return {
        "sources": sources,
        "periods": by_period,
        "total": total,
        "total_params": base,
        "converted": converted,
        "converted_params": {**base, "status": LeadStatus.CONVERTED},
        "converted_share": share(converted, total),
        "junk": junk,
        "junk_params": {**base, "status": LeadStatus.JUNK},
    }


# --- 4. activity by manager -----------------------------------------------------------------------------------

ACTIVITY_KINDS = (ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.EMAIL, ActivityKind.TODO)


def activity_report(*, user, query: ReportQuery, now: datetime.datetime | None = None) -> dict:
    """Per person: the calls, meetings, e-mails and to-dos done in the period, and the open activities past
    their deadline now, of the activities the viewer may see."""
    now = now or timezone.now()
    start, end = query.bounds()
    done = Q(is_done=True, done_at__gte=start, done_at__lt=end)
    overdue = Q(is_done=False, deadline__lt=now)
    activities = Activity.objects.visible_to(user).filter(query.people_q()).filter(done | overdue)
    counts = {kind.value: Count("pk", filter=done & Q(kind=kind)) for kind in ACTIVITY_KINDS}
    rows = (
        activities.values(*PERSON_FIELDS).annotate(**counts, overdue=Count("pk", filter=overdue)).order_by()
    )
    base_done = {"done": 1, "done_from": iso(query.start), "done_to": iso(query.end), **query.people_params()}
    base_overdue = {"overdue": 1, **query.people_params()}
    people = []
    totals = {kind.value: 0 for kind in ACTIVITY_KINDS} | {"overdue": 0, "done": 0}
    for values in rows:
        person = _person(values)
        own = {"responsible": person["id"]} if person["id"] else None
        cells = []
        for kind in ACTIVITY_KINDS:
            cells.append(
                {
                    "kind": kind.value,
                    "count": values[kind.value],
                    "params": {**base_done, **own, "kind": kind.value} if own else None,
                }
            )
            totals[kind.value] += values[kind.value]
        done_count = sum(cell["count"] for cell in cells)
        totals["done"] += done_count
        totals["overdue"] += values["overdue"]
        people.append(
            {
                "person": person,
                "cells": cells,
                "done": done_count,
                "done_params": {**base_done, **own} if own else None,
                "overdue": values["overdue"],
                "overdue_params": {**base_overdue, **own} if own else None,
            }
        )
    people.sort(key=lambda row: (-row["done"], -row["overdue"], row["person"]["name"].lower()))
    total_cells = [
        {"kind": kind.value, "count": totals[kind.value], "params": {**base_done, "kind": kind.value}}
        for kind in ACTIVITY_KINDS
    ]
    return {
        "people": people,
        "kinds": [(kind.value, kind.label) for kind in ACTIVITY_KINDS],
        "total_cells": total_cells,
        "done": totals["done"],
        "done_params": base_done,
        "overdue": totals["overdue"],
        "overdue_params": base_overdue,
    }


# --- 5. the time in each stage --------------------------------------------------------------------------------


def stage_time_report(*, user, query: ReportQuery) -> dict | None:
    """For each stage of the pipeline: how long deals stayed in it on average (and at most), from the moves out
    of it made in the period (`DealStageChange.seconds_in_stage`) of the deals the viewer may see."""
    pipeline = query.pipeline
    if pipeline is None:
        return None
    stages = list(Stage.objects.filter(pipeline=pipeline).order_by("sort", "id"))
    start, end = query.bounds()
    deals = Deal.objects.visible_to(user).filter(query.people_q(), pipeline=pipeline)
    moves = (
        DealStageChange.objects.filter(
            pipeline=pipeline,
            from_stage__isnull=False,
            changed_at__gte=start,
            changed_at__lt=end,
            deal__in=deals.values("pk"),
        )
        .values("from_stage_id")
        .annotate(n=Count("pk"), average=Avg("seconds_in_stage"), longest=Max("seconds_in_stage"))
        .order_by()
    )
    found = {row["from_stage_id"]: row for row in moves}
    base = {"pipeline": pipeline.pk, **query.people_params()}
    rows = []
    for stage in stages:
        row = found.get(stage.pk)
        rows.append(
            {
                "stage": stage,
                "moves": row["n"] if row else 0,
                "seconds": round(row["average"]) if row and row["average"] is not None else None,
                "longest": row["longest"] if row else None,
                "params": {**base, "stage": stage.pk},
            }
        )
    return {"pipeline": pipeline, "rows": rows, "moves": sum(row["moves"] for row in rows)}
