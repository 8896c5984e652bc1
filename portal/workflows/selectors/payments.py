"""Reading the payment register: approved payments (and expense reports) to pay, or paid ones, with their totals
by currency summed in SQL. Only the accountants and the portal admins have a register (others get 404)."""

from __future__ import annotations

from django.db.models import Count, F, QuerySet, Sum
from djmoney.money import Money

from portal.core.errors import NotFound
from portal.core.permissions import get_visible

from ..choices import ProcessStatus
from ..filters.processes import ProcessFilterSet, filter_data
from ..models import Process
from ..services.payments import PAYABLE_KINDS, is_accountant

TABS = ("unpaid", "paid")


def require_register(user) -> None:
    """404 for whoever keeps no register (its existence is not theirs to know)."""
    if not is_accountant(user):
        raise NotFound()


def payment_list(*, user, tab: str = "unpaid", filters=None) -> QuerySet[Process]:
    """The register's rows: approved payments `user` sees, not yet paid (the nearest due date first) or paid
    (the latest first), narrowed by the process FilterSet (search, dates, amounts, department...)."""
    require_register(user)
    queryset = Process.objects.visible_to(user).filter(kind__in=PAYABLE_KINDS, status=ProcessStatus.APPROVED)
    if filters is not None:
        filterset = ProcessFilterSet(filter_data(filters), queryset=queryset, user=user)
        queryset = filterset.qs if filterset.is_valid() else queryset.none()
    if tab == "paid":
        queryset = queryset.filter(paid_at__isnull=False).order_by("-paid_at", "-id")
    else:
        queryset = queryset.filter(paid_at__isnull=True).order_by(
            F("due_date").asc(nulls_last=True), "finished_at", "id"
        )
    return queryset.select_related("template", "requester", "requester__department", "paid_by")


def payment_totals(queryset: QuerySet[Process]) -> list[dict]:
    """[{"money": Money, "count": n}] per currency of the rows (one grouped query)."""
    rows = (
        queryset.order_by()
        .exclude(amount__isnull=True)
        .values("amount_currency")
        .annotate(total=Sum("amount"), n=Count("id"))
        .order_by("amount_currency")
    )
    return [{"money": Money(row["total"] or 0, row["amount_currency"]), "count": row["n"]} for row in rows]


def payment_get(*, user, pk) -> Process:
    """One approved payment of the register; `NotFound` for anything else."""
    require_register(user)
    return get_visible(
        Process.objects.visible_to(user)
        .filter(kind__in=PAYABLE_KINDS)
        .select_related("requester", "paid_by"),
        pk=pk,
    )


def payment_export_rows(*, user, tab: str, filters) -> tuple[list[str], list[list]]:
    from django.utils.translation import gettext as _

    headers = [
        _("Number"),
        _("Title"),
        _("Requester"),
        _("Counterparty"),
        _("Due date"),
        _("Amount"),
        _("Currency"),
        _("Approved"),
        _("Paid"),
        _("Paid by"),
    ]
    rows = [
        [
            p.pk,
            p.title,
            str(p.requester),
            p.counterparty,
            p.due_date,
            p.amount.amount if p.amount is not None else None,
            str(p.amount.currency) if p.amount is not None else "",
            p.finished_at,
            p.paid_at,
            str(p.paid_by) if p.paid_by_id else "",
        ]
        for p in payment_list(user=user, tab=tab, filters=filters)
    ]
    return headers, rows
