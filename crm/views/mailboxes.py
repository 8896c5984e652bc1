"""CRM settings: the mailboxes the e-mail intake reads (list, connect, change, disconnect, check now)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.errors import Invalid
from portal.core.htmx import partial_or_redirect

from ..forms.mailboxes import MailboxForm
from ..selectors import mailboxes as selectors
from ..services import mailboxes as services

NAV = {"nav_area": "crm", "crm_tab": "settings"}


@login_required
@require_GET
def mailbox_list(request: HttpRequest) -> HttpResponse:
    mailboxes = selectors.mailbox_list(user=request.user)
    return render(request, "crm/mailboxes/list.html", {**NAV, "mailboxes": mailboxes})


def _form_page(request: HttpRequest, form: MailboxForm, mailbox=None, status: int = 200) -> HttpResponse:
    return render(
        request, "crm/mailboxes/form.html", {**NAV, "form": form, "mailbox": mailbox}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def mailbox_create(request: HttpRequest) -> HttpResponse:
    selectors.mailbox_list(user=request.user)  # CRM administrators only (404 otherwise)
    form = MailboxForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                mailbox = services.mailbox_create(
                    actor=request.user, password=form.cleaned_data["password"], **form.values()
                )
            except Invalid as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Mailbox “%(name)s” connected.") % {"name": mailbox.name})
                return redirect("crm:mailbox_edit", pk=mailbox.pk)
        return _form_page(request, form, status=400)
    return _form_page(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def mailbox_edit(request: HttpRequest, pk: int) -> HttpResponse:
    mailbox = selectors.mailbox_get(user=request.user, pk=pk)
    form = MailboxForm(request.POST or None, mailbox=mailbox)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.mailbox_update(
                    actor=request.user,
                    mailbox=mailbox,
                    password=form.cleaned_data["password"],
                    **form.values(),
                )
            except Invalid as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("crm:mailbox_list")
        return _form_page(request, form, mailbox, status=400)
    return _form_page(request, form, mailbox)


@login_required
@require_POST
def mailbox_delete(request: HttpRequest, pk: int) -> HttpResponse:
    mailbox = selectors.mailbox_get(user=request.user, pk=pk)
    services.mailbox_delete(actor=request.user, mailbox=mailbox)
    messages.success(request, _("Mailbox “%(name)s” disconnected.") % {"name": mailbox.name})
    return redirect("crm:mailbox_list")


@login_required
@require_POST
def mailbox_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Connect, sign in and open the folder now; the answer says how it went (and the error is kept)."""
    mailbox = selectors.mailbox_get(user=request.user, pk=pk)
    error = services.mailbox_check(actor=request.user, mailbox=mailbox)
    back = (
        "crm:mailbox_list" if request.POST.get("next") != "edit" else redirect("crm:mailbox_edit", pk=pk).url
    )
    return partial_or_redirect(
        request,
        back,
        partial="crm/mailboxes/partials/status.html",
        context={"mailbox": mailbox, "checked": True},
        success=_("The connection works."),
        errors=[error] if error else [],
    )


urls = [
    path("settings/mailboxes/", mailbox_list, name="mailbox_list"),
    path("settings/mailboxes/new/", mailbox_create, name="mailbox_create"),
    path("settings/mailboxes/<int:pk>/", mailbox_edit, name="mailbox_edit"),
    path("settings/mailboxes/<int:pk>/delete/", mailbox_delete, name="mailbox_delete"),
    path("settings/mailboxes/<int:pk>/check/", mailbox_check, name="mailbox_check"),
]
