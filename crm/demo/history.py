"""The CRM demo's history moved back to when it happened.

The services stamp everything "now". The demo acts out each step at a moment of the past weeks: right after a
step, `stamp(at)` moves what the step wrote (records, activities, timeline entries, stage changes, audit rows)
to that moment. `settle()` then derives what depends on the moments: the time each deal spent in each stage,
when it entered its stage and closed, and every record's last activity (the idle deals and the leads without an
activity of the counters)."""

from __future__ import annotations

import datetime

from django.db.models import F, Max, OuterRef, Subquery


class Stamps:
    """Moves the rows written since the last mark to a moment of the past."""

    def __init__(self) -> None:
        from portal.core.models import AuditLog

        from ..models import Activity, Company, Contact, Deal, DealStageChange, Lead, TimelineEntry

        # model -> the time fields a new row of it gets the step's moment in.
        self.fields = {
            Lead: ("created_at", "updated_at"),
            Contact: ("created_at", "updated_at"),
            Company: ("created_at", "updated_at"),
            Deal: ("created_at", "updated_at", "stage_changed_at"),
            Activity: ("created_at",),
            TimelineEntry: ("created_at",),
            DealStageChange: ("changed_at",),
            AuditLog: ("created_at",),
        }
        self.marks: dict = {}
        self.mark()

    def mark(self) -> None:
        for model in self.fields:
            self.marks[model] = model.objects.aggregate(top=Max("pk"))["top"] or 0

    def stamp(self, at: datetime.datetime) -> None:
        """Give the rows written since the last mark the moment `at` (done activities are done then)."""
        from ..models import Activity

        for model, names in self.fields.items():
            rows = model.objects.filter(pk__gt=self.marks[model])
            rows.update(**dict.fromkeys(names, at))
            if model is Activity:
                rows.filter(is_done=True).update(done_at=at)
        self.mark()


def settle(deal_ids: list[int], *, records: dict[str, list[int]]) -> None:
    """What follows from the moments: stage times, closings and the records' last activity."""
    from ..choices import StageKind
    from ..models import Activity, Company, Contact, Deal, DealStageChange, Lead

    changes: dict[int, list] = {}
    for change in DealStageChange.objects.filter(deal_id__in=deal_ids).order_by(
        "deal_id", "changed_at", "id"
    ):
        changes.setdefault(change.deal_id, []).append(change)
    moved = []
    deals = {d.pk: d for d in Deal.objects.filter(pk__in=deal_ids)}
    for deal_id, rows in changes.items():
        previous = None
        for row in rows:
            row.seconds_in_stage = (
                max(0, int((row.changed_at - previous).total_seconds())) if previous is not None else 0
            )
            previous = row.changed_at
            moved.append(row)
        deal = deals[deal_id]
        deal.stage_changed_at = rows[-1].changed_at
        deal.closed_at = rows[-1].changed_at if deal.stage_kind != StageKind.OPEN else None
    DealStageChange.objects.bulk_update(moved, ["seconds_in_stage"], batch_size=500)
    Deal.objects.bulk_update(list(deals.values()), ["stage_changed_at", "closed_at"], batch_size=500)
    for name, model in (("lead", Lead), ("contact", Contact), ("company", Company), ("deal", Deal)):
        latest = (
            Activity.objects.filter(**{name: OuterRef("pk")}).order_by("-created_at").values("created_at")[:1]
        )
        ids = records.get(name, [])
        model.objects.filter(pk__in=ids).update(last_activity_at=Subquery(latest))
        model.objects.filter(pk__in=ids, last_activity_at__gt=F("updated_at")).update(
            updated_at=F("last_activity_at")
        )
