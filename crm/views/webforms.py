"""CRM pages: the web form builder (settings, CRM administrators only; others get 404) and the public form
that visitors of the company's site fill in, at its own address or embedded."""

from __future__ import annotations

from urllib.parse import urlsplit

from csp.constants import SELF
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from portal.core.errors import Invalid, NotFound
from portal.core.htmx import partial_or_redirect, redirect_htmx, render_htmx
from portal.core.http import client_ip

from .. import rights
from ..forms.webforms import WebFormForm, embed_html, fields_formset, public_widget
from ..models import WebForm
from ..selectors import webforms as selectors
from ..services import webforms as services

NAV = "crm"
TAB = "settings"


def _require_admin(request) -> None:
    if not rights.is_crm_admin(request.user):
        raise NotFound()


# --- the builder (CRM administrators) -----------------------------------------------------------------------


def public_url(form: WebForm) -> str:
    """The form's public address, absolute (it is pasted into another site)."""
    return settings.LUMEN_BASE_URL.rstrip("/") + reverse("crm:webform_public", args=[form.token])


def embed_snippets(form: WebForm) -> dict:
    """The HTML to paste into the company's site: a plain form (no script) and an iframe."""
    url = public_url(form)
    return {
        "html": embed_html(form, url),
        "iframe": render_to_string(
            "crm/webforms/partials/iframe.html", {"form": form, "action": url}
        ).strip(),
    }


def _builder_page(request, form, formset, *, webform=None, status=200) -> HttpResponse:
    context = {
        "form": form,
        "formset": formset,
        "webform": webform,
        "public_url": public_url(webform) if webform else "",
        "snippets": embed_snippets(webform) if webform and webform.fields else {},
        "nav_area": NAV,
        "crm_tab": TAB,
    }
    return render_htmx(request, "crm/webforms/edit.html", context, status=status)


def _show_errors(form, formset, error: Invalid) -> None:
    """A service's `Invalid` next to the inputs: the form's fields or a field row (`fields-<n>`)."""
    rows = [
        f
        for f in formset.forms
        if (getattr(f, "cleaned_data", None) or {}).get("label")
        or (getattr(f, "cleaned_data", None) or {}).get("name")
    ]
    rows = [f for f in rows if not f.cleaned_data.get("DELETE")]
    for name, texts in (error.fields or {"__all__": [error.message]}).items():
        if name.startswith("fields-") and name.rsplit("-", 1)[1].isdecimal():
            position = int(name.rsplit("-", 1)[1])
            if position < len(rows):
                rows[position].add_error(None, texts)
                continue
        form.add_error(name if name in form.fields else None, texts)


def _service_values(form, formset) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "target": data["target"],
        "fields": formset.rows(),
        "title": data["title"],
        "thank_you": data["thank_you"],
        "redirect_url": data["redirect_url"],
        "pipeline": data["pipeline"],
        "responsible": data["responsible"],
        "is_active": data["is_active"],
    }


@login_required
def webform_list(request: HttpRequest) -> HttpResponse:
    forms = list(selectors.webform_list(user=request.user))
    for webform in forms:
        webform.public_url = public_url(webform)
    context = {"webforms": forms, "nav_area": NAV, "crm_tab": TAB}
    return render_htmx(request, "crm/webforms/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def webform_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    user = request.user
    if request.method == "GET":
        return _builder_page(request, WebFormForm(user=user), fields_formset())
    form = WebFormForm(request.POST, user=user)
    formset = fields_formset(request.POST, target=request.POST.get("target", ""))
    if form.is_valid() and formset.is_valid():
        try:
            webform = services.webform_create(actor=user, **_service_values(form, formset))
        except Invalid as error:
            _show_errors(form, formset, error)
        else:
            messages.success(request, _("The web form is created. Copy its address or embed code below."))
            return redirect_htmx(request, reverse("crm:webform_edit", args=[webform.pk]))
    return _builder_page(request, form, formset, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def webform_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    webform = selectors.webform_get(user=user, pk=pk)
    if request.method == "GET":
        form = WebFormForm(user=user, instance=webform)
        return _builder_page(
            request, form, fields_formset(instance=webform, target=webform.target), webform=webform
        )
    form = WebFormForm(request.POST, user=user, instance=webform)
    formset = fields_formset(request.POST, target=request.POST.get("target", ""))
    if form.is_valid() and formset.is_valid():
        try:
            services.webform_update(actor=user, form=webform, **_service_values(form, formset))
        except Invalid as error:
            _show_errors(form, formset, error)
        else:
            messages.success(request, _("The web form is saved."))
            return redirect_htmx(request, reverse("crm:webform_edit", args=[webform.pk]))
    return _builder_page(request, form, formset, webform=webform, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def webform_delete(request: HttpRequest, pk: int) -> HttpResponse:
    webform = selectors.webform_get(user=request.user, pk=pk)
    if request.method == "GET":
        context = {"webform": webform, "nav_area": NAV, "crm_tab": TAB}
        return render_htmx(request, "crm/webforms/delete.html", context)
    services.webform_delete(actor=request.user, form=webform)
    return partial_or_redirect(request, reverse("crm:webform_list"), success=_("The web form is deleted."))


# --- the public form (anonymous visitors) -------------------------------------------------------------------


def _utm(request) -> dict:
    """UTM tags from the posted hidden fields, else from the address the form was opened or posted with."""
    return {
        key: request.POST.get(key) or request.GET.get(key) or ""
        for key in services.UTM_KEYS
        if request.POST.get(key) or request.GET.get(key)
    }


def _public_page(request, webform: WebForm, *, values=None, errors=None, sent=False, status=200):
    errors = errors or {}
    values = values or {}
    context = {
        "webform": webform,
        "fields": [
            public_widget(field, value=values.get(field["name"], ""), error=field["name"] in errors)
            | {"errors": errors.get(field["name"], [])}
            for field in webform.fields
        ],
        # Errors that belong to no field of the form (a service rule, a hidden field) are shown on top.
        "form_errors": [
            text
            for name, texts in errors.items()
            if name not in {f["name"] for f in webform.fields}
            for text in texts
        ],
        "utm": _utm(request),
        "honeypot": services.HONEYPOT,
        "sent": sent,
        "action": reverse("crm:webform_public", args=[webform.token]),
    }
    response = render(request, "crm/webforms/public.html", context, status=status)
    return _frameable(response, webform)


def _frameable(response: HttpResponse, webform: WebForm) -> HttpResponse:
    """Let any site frame this page (the iframe embed) and let the form lead on to the form's redirect
    address: the portal's policy forbids both everywhere else. The middleware reads these attributes, as
    django-csp's own view decorators set them."""
    sources = [SELF]
    if webform.redirect_url:
        parts = urlsplit(webform.redirect_url)
        sources.append(f"{parts.scheme}://{parts.netloc}")
    response._csp_replace = {"frame-ancestors": ["*"], "form-action": sources}
    return response


# Exempt from CSRF: the embed snippet is a plain HTML form on another site, which cannot carry this site's
# CSRF token, and the post acts for nobody (no session, no one's rights): it only files a lead, which the
# honeypot and the per-address rate limit guard. Exempt from X-Frame-Options: the iframe embed.
@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def webform_public(request: HttpRequest, token) -> HttpResponse:
    webform = selectors.webform_public_get(token=token)
    if request.method == "GET":
        return _public_page(request, webform, values=request.GET)
    try:
        services.webform_submit(
            form=webform,
            data=request.POST,
            utm=_utm(request),
            address=services.address_hash(client_ip(request)),
        )
    except services.TooManySubmissions as error:
        response = render(
            request, "crm/webforms/limited.html", {"webform": webform, "message": error.message}, status=429
        )
        response["Retry-After"] = str(int(services.RATE_WINDOW.total_seconds()))
        return _frameable(response, webform)
    except Invalid as error:
        return _public_page(request, webform, values=request.POST, errors=error.fields, status=400)
    if webform.redirect_url:
        return _frameable(HttpResponseRedirect(webform.redirect_url), webform)
    return _public_page(request, webform, sent=True)


urls = [
    path("settings/webforms/", webform_list, name="webform_list"),
    path("settings/webforms/new/", webform_create, name="webform_create"),
    path("settings/webforms/<int:pk>/", webform_edit, name="webform_edit"),
    path("settings/webforms/<int:pk>/delete/", webform_delete, name="webform_delete"),
    path("f/<uuid:token>/", webform_public, name="webform_public"),
]
