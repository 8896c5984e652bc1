"""The company: the first-run registration page and the company settings (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.core.permissions import is_portal_admin

from .. import selectors, services
from ..forms import CompanySettingsForm, SetupForm, apply_service_errors, style_widget

PAGE_SIZE = 50


LOGIN_BACKEND = "portal.people.backends.PersonBackend"


def _area(request: HttpRequest) -> dict:
    """What every company page needs: the navigation area and whether to show the invitations tab."""
    return {"nav_area": "company", "can_invite": services.can_invite(request.user)}


def _styled(form):
    for field in form.fields.values():
        style_widget(field.widget)
    return form


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Register the portal on an empty database; afterwards the page only leads home."""
    if selectors.company_get() is not None:
        return redirect("home")
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            admin = services.company_register(
                company_name=data["company_name"],
                email=data["email"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                time_zone=data["time_zone"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, form.field_map)
        else:
            login(request, admin, backend=LOGIN_BACKEND)
            messages.success(
                request,
                _("%(company)s is ready. Invite your colleagues next.") % {"company": data["company_name"]},
            )
            return redirect("home")
    return render(request, "registration/setup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def company_settings(request: HttpRequest) -> HttpResponse:
    if not is_portal_admin(request.user):
        raise PermissionDenied(_("Only a portal administrator may do this."))
    company = selectors.company_get()
    if company is None:
        raise Http404
    form = CompanySettingsForm(request.POST or None, instance=company)
    if request.method == "POST" and form.is_valid():
        try:
            services.company_update(actor=request.user, company=company, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The company settings are saved."))
            return redirect("people:company_settings")
    return render(request, "people/company_settings.html", {**_area(request), "form": form})
