"""CRM telephony pages: PBX connections (CRM settings) and the caller's card the pop-up fetches."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.errors import Invalid
from portal.core.htmx import redirect_htmx

from ..forms.telephony import PbxForm
from ..selectors import telephony as selectors
from ..services import telephony as services

NAV = {"nav_area": "crm", "crm_tab": "settings"}
# The new token waits in the session for the one page that shows it.
TOKEN_SESSION_KEY = "crm_pbx_token_{pk}"


@login_required
@require_GET
def pbx_list(request: HttpRequest) -> HttpResponse:
    connections = selectors.pbx_list(user=request.user)
    return render(request, "crm/telephony/list.html", {**NAV, "connections": connections})


@login_required
@require_http_methods(["GET", "POST"])
def pbx_create(request: HttpRequest) -> HttpResponse:
    selectors.pbx_list(user=request.user)  # CRM administrators only (404 otherwise)
    form = PbxForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                connection, token = services.pbx_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    is_active=form.cleaned_data["is_active"],
                    extensions=form.extensions(),
                )
            except Invalid as exc:
                form.add_service_errors(exc)
            else:
                request.session[TOKEN_SESSION_KEY.format(pk=connection.pk)] = token
                messages.success(
                    request,
                    _("PBX “%(name)s” connected. Copy its token into the exchange now.")
                    % {"name": connection.name},
                )
                return redirect("crm:pbx_edit", pk=connection.pk)
        status = 400
    return render(
        request, "crm/telephony/form.html", {**NAV, "form": form, "connection": None}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def pbx_edit(request: HttpRequest, pk: int) -> HttpResponse:
    connection = selectors.pbx_get(user=request.user, pk=pk)
    form = PbxForm(request.POST or None, user=request.user, connection=connection)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.pbx_update(
                    actor=request.user,
                    connection=connection,
                    name=form.cleaned_data["name"],
                    is_active=form.cleaned_data["is_active"],
                    extensions=form.extensions(),
                )
            except Invalid as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("crm:pbx_edit", pk=connection.pk)
        status = 400
    token = request.session.pop(TOKEN_SESSION_KEY.format(pk=connection.pk), "")
    context = {
        **NAV,
        "form": form,
        "connection": connection,
        "event_url": request.build_absolute_uri(reverse("crm-pbx-events")),
        "token": token,
        "calls": selectors.pbx_recent_calls(connection=connection),
    }
    return render(request, "crm/telephony/form.html", context, status=status)


@login_required
@require_POST
def pbx_token_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    connection = selectors.pbx_get(user=request.user, pk=pk)
    token = services.pbx_token_regenerate(actor=request.user, connection=connection)
    request.session[TOKEN_SESSION_KEY.format(pk=connection.pk)] = token
    messages.warning(
        request, _("A new token is set: the old one no longer works. Put the new one in the exchange.")
    )
    return redirect("crm:pbx_edit", pk=connection.pk)


@login_required
@require_POST
def pbx_delete(request: HttpRequest, pk: int) -> HttpResponse:
    connection = selectors.pbx_get(user=request.user, pk=pk)
    services.pbx_delete(actor=request.user, connection=connection)
    messages.success(request, _("PBX “%(name)s” disconnected.") % {"name": connection.name})
    return redirect("crm:pbx_list")


@login_required
@require_GET
def call_card(request: HttpRequest, pk: int) -> HttpResponse:
    """The pop-up card of a call, rendered for the person it rang (a fragment for the page's script)."""
    call = selectors.call_get(user=request.user, pk=pk)
    card = selectors.call_card(user=request.user, call=call)
    response = render(request, "crm/telephony/partials/card.html", {"card": card, "call": call})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def call_lead_create(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Create lead" on an unknown caller's card: the lead, then its page."""
    call = selectors.call_get(user=request.user, pk=pk)
    lead = services.call_lead_create(actor=request.user, call=call)
    messages.success(request, _("Lead created from the call."))
    return redirect_htmx(request, lead.get_absolute_url())


urls = [
    path("settings/telephony/", pbx_list, name="pbx_list"),
    path("settings/telephony/new/", pbx_create, name="pbx_create"),
    path("settings/telephony/<int:pk>/", pbx_edit, name="pbx_edit"),
    path("settings/telephony/<int:pk>/token/", pbx_token_regenerate, name="pbx_token_regenerate"),
    path("settings/telephony/<int:pk>/delete/", pbx_delete, name="pbx_delete"),
    path("calls/<int:pk>/card/", call_card, name="call_card"),
    path("calls/<int:pk>/lead/", call_lead_create, name="call_lead_create"),
]
