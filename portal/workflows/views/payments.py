"""Pages of the workflows app: the payment register (the accountants' and admins'; 404 for others). Approved
payments not paid yet with their due dates, counterparties and amounts, totals by currency, "mark paid"; a tab of
the paid ones; the same rows as CSV or XLSX."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.core.errors import Invalid, NotFound
from portal.core.htmx import is_htmx, redirect_htmx, render_htmx

from ..exports import FORMATS, export_response
from ..selectors import payments as selectors
from ..services import payments as services

PAGE_SIZE = 100


def _tab(request: HttpRequest) -> str:
    tab = request.GET.get("tab", "unpaid")
    return tab if tab in selectors.TABS else "unpaid"


@login_required
@require_GET
def payment_register(request: HttpRequest) -> HttpResponse:
    selectors.require_register(request.user)
    tab = _tab(request)
    data = request.GET.copy()
    data.pop("scope", None)
    fmt = data.pop("format", [None])[0]
    if fmt is not None:
        if fmt not in FORMATS:
            raise NotFound()
        headers, rows = selectors.payment_export_rows(user=request.user, tab=tab, filters=data)
        return export_response(fmt, headers, rows, filename=f"payments-{tab}", title=_("Payments"))
    queryset = selectors.payment_list(user=request.user, tab=tab, filters=data)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page") or 1)
    base = reverse("workflows:payment_register")
    query = data.copy()
    query.pop("page", None)
    context = {
        "nav_area": "workflows",
        "tab": tab,
        "page": page,
        "rows": _late(list(page.object_list)),
        "totals": selectors.payment_totals(queryset),
        "q": request.GET.get("q", ""),
        "tabs": [
            {"key": key, "label": label, "url": f"{base}?{urlencode({'tab': key})}", "active": key == tab}
            for key, label in (("unpaid", _("To pay")), ("paid", _("Paid")))
        ],
        "export_links": [(f.upper(), f"{base}?{_with(query, format=f)}") for f in FORMATS],
        "previous_url": f"?{_with(query, page=page.previous_page_number())}" if page.has_previous() else "",
        "next_url": f"?{_with(query, page=page.next_page_number())}" if page.has_next() else "",
    }
    return render_htmx(
        request, "workflows/payments/register.html", context, partial="workflows/payments/partials/table.html"
    )


def _late(rows: list) -> list:
    """Mark the unpaid rows past their due date (`row.late`)."""
    today = timezone.localdate()
    for row in rows:
        row.late = bool(row.paid_at is None and row.due_date and row.due_date < today)
    return rows


def _with(query, **changes) -> str:
    params = query.copy()
    for key, value in changes.items():
        params[key] = str(value)
    return params.urlencode()


@login_required
@require_POST
def payment_mark_paid(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one approved payment paid; htmx gets the register's row again, a page the register."""
    process = selectors.payment_get(user=request.user, pk=pk)
    error = ""
    try:
        process = services.payment_mark_paid(actor=request.user, process=process)
    except Invalid as exc:
        error = exc.message
    if is_htmx(request):
        process = selectors.payment_get(user=request.user, pk=pk)
        return render(
            request, "workflows/payments/partials/row.html", {"row": _late([process])[0], "error": error}
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("“%(title)s” is marked paid.") % {"title": process.title})
    return redirect_htmx(request, "workflows:payment_register")


urls = [
    path("payments/", payment_register, name="payment_register"),
    path("payments/<int:pk>/paid/", payment_mark_paid, name="payment_mark_paid"),
]
