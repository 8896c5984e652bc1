"""CRM settings pages of a CRM administrator: roles and rights, and the general settings. Anyone else gets 404
(the selectors and services refuse them)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.core.errors import Invalid

from ..forms.rights import CrmSettingsForm, RoleForm
from ..selectors import rights as selectors
from ..services import rights as services

NAV = {"nav_area": "crm", "crm_tab": "settings"}


def _show_errors(form, error: Invalid) -> None:
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


@login_required
def role_list(request):
    roles = list(selectors.role_list(user=request.user))
    rows = [{"role": role, "summary": selectors.role_summary(role)} for role in roles]
    return render(request, "crm/rights/list.html", {"rows": rows, **NAV})


def _role_form_page(request, role=None):
    initial = None
    if role is not None:
        initial = {
            "name": role.name,
            "is_admin": role.is_admin,
            "is_default": role.is_default,
            **selectors.role_holders(role),
        }
    table = selectors.role_table(role)
    form = RoleForm(request.POST or None, user=request.user, table=table, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if role is None:
                role = services.role_create(actor=request.user, **form.service_kwargs())
                messages.success(request, _("Role “%(name)s” created.") % {"name": role.name})
            else:
                role = services.role_update(actor=request.user, role=role, **form.service_kwargs())
                messages.success(request, _("Role “%(name)s” saved.") % {"name": role.name})
            return redirect("crm:role_list")
        except Invalid as error:
            _show_errors(form, error)
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/rights/form.html", {"form": form, "role": role, **NAV}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def role_create(request):
    selectors.role_list(user=request.user)  # 404 for anyone but a CRM administrator
    return _role_form_page(request)


@login_required
@require_http_methods(["GET", "POST"])
def role_edit(request, pk: int):
    return _role_form_page(request, selectors.role_get(user=request.user, pk=pk))


@login_required
@require_http_methods(["GET", "POST"])
def role_delete(request, pk: int):
    role = selectors.role_get(user=request.user, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            services.role_delete(actor=request.user, role=role)
        except Invalid as refused:
            error = "; ".join(m for ms in refused.message_dict.values() for m in ms)
        else:
            messages.success(request, _("Role “%(name)s” deleted.") % {"name": role.name})
            return redirect("crm:role_list")
    holders = role.assignments.count()
    return render(
        request,
        "crm/rights/delete.html",
        {"role": role, "holders": holders, "error": error, **NAV},
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_general(request):
    current = selectors.crm_settings_get(user=request.user)
    form = CrmSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.crm_settings_update(actor=request.user, **form.service_kwargs())
        except Invalid as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("crm:settings_general")
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/rights/general.html", {"form": form, **NAV}, status=status)


urls = [
    path("settings/roles/", role_list, name="role_list"),
    path("settings/roles/new/", role_create, name="role_create"),
    path("settings/roles/<int:pk>/", role_edit, name="role_edit"),
    path("settings/roles/<int:pk>/delete/", role_delete, name="role_delete"),
    path("settings/general/", settings_general, name="settings_general"),
]
