"""CRM settings: online-store connections (list, connect, change the status map, new secret, disconnect)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.errors import Invalid

from ..forms.stores import StoreForm
from ..selectors import stores as selectors
from ..services import stores as services

NAV = {"nav_area": "crm", "crm_tab": "settings"}
# The new secret waits in the session for the one page that shows it.
SECRET_SESSION_KEY = "crm_store_secret_{pk}"


@login_required
@require_GET
def store_list(request: HttpRequest) -> HttpResponse:
    connections = selectors.store_list(user=request.user)
    return render(request, "crm/stores/list.html", {**NAV, "connections": connections})


@login_required
@require_http_methods(["GET", "POST"])
def store_create(request: HttpRequest) -> HttpResponse:
    selectors.store_list(user=request.user)  # CRM administrators only (404 otherwise)
    form = StoreForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                connection, secret = services.store_create(
                    actor=request.user, adapter=form.cleaned_data["adapter"], **form.values()
                )
            except Invalid as exc:
                form.add_error(None, exc)
            else:
                request.session[SECRET_SESSION_KEY.format(pk=connection.pk)] = secret
                messages.success(
                    request,
                    _("Store “%(name)s” connected. Copy its address and secret into the store.")
                    % {"name": connection.name},
                )
                return redirect("crm:store_edit", pk=connection.pk)
        return render(request, "crm/stores/form.html", {**NAV, "form": form, "connection": None}, status=400)
    return render(request, "crm/stores/form.html", {**NAV, "form": form, "connection": None})


@login_required
@require_http_methods(["GET", "POST"])
def store_edit(request: HttpRequest, pk: int) -> HttpResponse:
    connection = selectors.store_get(user=request.user, pk=pk)
    form = StoreForm(request.POST or None, connection=connection)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.store_update(
                    actor=request.user, connection=connection, status_map=form.status_map(), **form.values()
                )
            except Invalid as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("crm:store_edit", pk=connection.pk)
        status = 400
    context = {
        **NAV,
        "form": form,
        "connection": connection,
        "webhook_url": request.build_absolute_uri(reverse("crm-store-webhook", args=[connection.token])),
        "secret": request.session.pop(SECRET_SESSION_KEY.format(pk=connection.pk), ""),
        "deliveries": selectors.store_deliveries(connection=connection),
    }
    return render(request, "crm/stores/form.html", context, status=status)


@login_required
@require_POST
def store_secret_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    connection = selectors.store_get(user=request.user, pk=pk)
    secret = services.store_secret_regenerate(actor=request.user, connection=connection)
    request.session[SECRET_SESSION_KEY.format(pk=connection.pk)] = secret
    messages.warning(
        request, _("A new secret is set: the old one no longer works. Put the new one in the store.")
    )
    return redirect("crm:store_edit", pk=connection.pk)


@login_required
@require_POST
def store_delete(request: HttpRequest, pk: int) -> HttpResponse:
    connection = selectors.store_get(user=request.user, pk=pk)
    services.store_delete(actor=request.user, connection=connection)
    messages.success(request, _("Store “%(name)s” disconnected.") % {"name": connection.name})
    return redirect("crm:store_list")


urls = [
    path("settings/stores/", store_list, name="store_list"),
    path("settings/stores/new/", store_create, name="store_create"),
    path("settings/stores/<int:pk>/", store_edit, name="store_edit"),
    path("settings/stores/<int:pk>/secret/", store_secret_regenerate, name="store_secret_regenerate"),
    path("settings/stores/<int:pk>/delete/", store_delete, name="store_delete"),
]
