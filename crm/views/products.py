"""CRM pages: the product catalogue. Every employee may look it up; a CRM administrator adds, changes and
deactivates products (others get 404 on those pages)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.errors import Invalid
from portal.core.htmx import render_htmx

from .. import rights
from ..forms.products import ProductForm
from ..selectors import products as selectors
from ..services import products as services

NAV = {"nav_area": "crm", "crm_tab": "settings"}


def _require_admin(request: HttpRequest) -> None:
    if not rights.is_crm_admin(request.user):
        raise Http404("Not a CRM administrator.")


@login_required
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    admin = rights.is_crm_admin(request.user)
    show = request.GET.get("show", "active")
    active = None if admin and show == "all" else True
    q = request.GET.get("q", "")
    products = selectors.product_list(user=request.user, q=q, active=active)
    page = Paginator(products, 50).get_page(request.GET.get("page"))
    context = {**NAV, "page": page, "q": q, "admin": admin, "show": show}
    if not admin:
        context["crm_tab"] = ""
    return render_htmx(request, "crm/products/list.html", context, partial="crm/products/partials/rows.html")


def _form_page(request, form, product=None, status=200):
    return render(request, "crm/products/form.html", {**NAV, "form": form, "product": product}, status=status)


def _add_errors(form, exc: Invalid) -> None:
    if not exc.fields:
        form.add_error(None, exc.message)
    for key, errors in exc.fields.items():
        form.add_error(key if key in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def product_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        values.pop("is_active")
        try:
            services.product_create(actor=request.user, **values)
        except Invalid as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The product is added."))
            return redirect("crm:product_list")
    return _form_page(request, form, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    product = selectors.product_get(user=request.user, pk=pk)
    if request.method == "POST":
        form = ProductForm(request.POST)
        if form.is_valid():
            try:
                services.product_update(actor=request.user, product=product, **form.values())
            except Invalid as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The product is saved."))
                return redirect("crm:product_list")
        return _form_page(request, form, product, status=400)
    form = ProductForm(
        initial={
            "name": product.name,
            "sku": product.sku,
            "price": product.price.amount,
            "currency": str(product.price.currency),
            "description": product.description,
            "is_active": product.is_active,
        }
    )
    return _form_page(request, form, product)


@login_required
@require_POST
def product_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate a product (`active=1` brings it back)."""
    _require_admin(request)
    product = selectors.product_get(user=request.user, pk=pk)
    active = request.POST.get("active") == "1"
    services.product_set_active(actor=request.user, product=product, active=active)
    messages.success(
        request, _("The product is active again.") if active else _("The product is deactivated.")
    )
    return redirect("crm:product_list")


urls = [
    path("products/", product_list, name="product_list"),
    path("settings/products/new/", product_create, name="product_create"),
    path("settings/products/<int:pk>/edit/", product_edit, name="product_edit"),
    path("settings/products/<int:pk>/deactivate/", product_deactivate, name="product_deactivate"),
]
