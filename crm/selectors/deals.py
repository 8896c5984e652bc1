"""Reading deals: one deal for its page, the API's list, and the Kanban's columns (counts and sums in SQL for
the whole column, the first cards of every column in one query)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from djmoney.money import Money

from ..choices import Action, Entity
from ..models import Deal, DealLine, Pipeline, Stage
from .records import record_get

KANBAN_PAGE = 20
SCOPES = ("all", "mine", "department")
CARD_RELATED = ("responsible", "contact", "company")
CARD_ORDER = (F("stage_changed_at").desc(nulls_last=True), F("id").desc())


def deal_get(*, user, pk, action: str = Action.VIEW) -> Deal:
    """The deal if the person's roles allow `action` on it; `NotFound` for hidden and missing alike."""
    return record_get(
        user=user,
        entity=Entity.DEAL,
        pk=pk,
        action=action,
        related=("pipeline", "stage", "contact", "company", "lead", "created_by", "responsible__department"),
    )


def deal_page(deal: Deal) -> dict:
    """What the deal's page shows besides the deal: its lines (with products) and its observers."""
    from ..services.deals import line_total

    lines = list(DealLine.objects.filter(deal=deal).select_related("product"))
    for line in lines:
        total = line_total(price=line.price.amount, quantity=line.quantity, discount=line.discount)
        line.total_money = Money(total, line.price.currency)
    observers = [link.user for link in deal.observer_links.select_related("user").order_by("user__last_name")]
    return {"lines": lines, "observers": observers}


def deal_list(*, user, filters=None) -> QuerySet[Deal]:
    """The deals the person sees, filtered by the deals' FilterSet (the list page's and the API's)."""
    queryset = Deal.objects.visible_to(user)
    if filters:
        filterset_class = deal_filterset()
        if filterset_class is not None:
            filterset = filterset_class(filters, queryset=queryset, user=user)
            if filterset.is_valid():
                queryset = filterset.qs
    return queryset.select_related("pipeline", "stage", "responsible", "contact", "company").prefetch_related(
        Prefetch("lines", queryset=DealLine.objects.order_by("sort", "id"))
    )


def deal_filterset():
    """The deals' FilterSet of the list pages, if that feature is installed."""
    try:
        from ..filters.deals import DealFilterSet
    except ImportError:
        return None
    return DealFilterSet


# --- the Kanban ---------------------------------------------------------------------------------------------


@dataclass
class KanbanColumn:
    stage: Stage
    count: int = 0
    sums: list[Money] = field(default_factory=list)
    deals: list[Deal] = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.deals))


def kanban_deals(*, user, pipeline: Pipeline, scope: str = "all") -> QuerySet[Deal]:
    """The deals of `pipeline` the person sees, narrowed to theirs or their department's."""
    queryset = Deal.objects.visible_to(user).filter(pipeline=pipeline)
    if scope == "mine":
        queryset = queryset.filter(responsible=user)
    elif scope == "department":
        queryset = (
            queryset.filter(responsible__department_id=user.department_id)
            if user.department_id
            else queryset.none()
        )
    return queryset


def kanban_columns(
    *, user, pipeline: Pipeline, stages: list[Stage], scope: str = "all"
) -> list[KanbanColumn]:
    """A column per stage with its count and per-currency sum of the whole column (one grouped query) and
    its first `KANBAN_PAGE` cards (one windowed query for all the columns)."""
    deals = kanban_deals(user=user, pipeline=pipeline, scope=scope)
    columns = {stage.pk: KanbanColumn(stage=stage) for stage in stages}
    totals = (
        deals.order_by()
        .values("stage_id", "amount_currency")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("stage_id", "amount_currency")
    )
    for row in totals:
        column = columns.get(row["stage_id"])
        if column is None:
            continue
        column.count += row["n"]
        column.sums.append(Money(row["total"] or 0, row["amount_currency"]))
    first = (
        deals.annotate(position=Window(RowNumber(), partition_by=[F("stage_id")], order_by=list(CARD_ORDER)))
        .filter(position__lte=KANBAN_PAGE)
        .select_related(*CARD_RELATED)
        .order_by("stage_id", "position")
    )
    for deal in first:
        column = columns.get(deal.stage_id)
        if column is not None:
            column.deals.append(deal)
    return list(columns.values())


def kanban_page(
    *, user, pipeline: Pipeline, stage: Stage, scope: str = "all", offset: int = 0
) -> tuple[list[Deal], int]:
    """The next cards of one column after `offset`, and how many are left after them."""
    deals = kanban_deals(user=user, pipeline=pipeline, scope=scope).filter(stage=stage)
    page = list(deals.select_related(*CARD_RELATED).order_by(*CARD_ORDER)[offset : offset + KANBAN_PAGE + 1])
    more = 0
    if len(page) > KANBAN_PAGE:
        page = page[:KANBAN_PAGE]
        more = deals.count() - offset - KANBAN_PAGE
    return page, max(0, more)


def kanban_card(*, user, pk) -> Deal | None:
    """One card again after a move (None when the person no longer sees the deal)."""
    return Deal.objects.visible_to(user).filter(pk=pk).select_related(*CARD_RELATED).first()


def column_totals(*, user, pipeline: Pipeline, stage_ids, scope: str = "all") -> dict[int, dict]:
    """{stage id: {"count", "sums"}} of some columns (after a move: the two columns whose numbers changed)."""
    result: dict[int, dict] = {pk: {"count": 0, "sums": []} for pk in stage_ids}
    rows = (
        kanban_deals(user=user, pipeline=pipeline, scope=scope)
        .filter(stage_id__in=list(stage_ids))
        .order_by()
        .values("stage_id", "amount_currency")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("stage_id", "amount_currency")
    )
    for row in rows:
        item = result[row["stage_id"]]
        item["count"] += row["n"]
        item["sums"].append(Money(row["total"] or 0, row["amount_currency"]))
    return result
