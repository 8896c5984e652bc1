"""Process roles pages (portal admins; anyone else gets 404): the list with each role's holders and the
routes that name it, the role form (name, code, description, holders) and the delete question."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.core.errors import Invalid

from ..forms.roles import RoleForm
from ..selectors import roles as selectors
from ..services import roles as services
from ..services.defaults import BUILTIN_ROLE_KEYS

NAV = {"nav_area": "workflows", "settings_tab": "roles"}


@login_required
@require_GET
def role_list(request: HttpRequest) -> HttpResponse:
    roles = selectors.role_list(user=request.user)
    routes = selectors.routes_by_role()
    rows = [{"role": role, "routes": routes.get(role.key, [])} for role in roles]
    return render(request, "workflows/roles/list.html", {**NAV, "rows": rows, "builtin": BUILTIN_ROLE_KEYS})


def _form_page(request: HttpRequest, role=None) -> HttpResponse:
    form = RoleForm(request.POST if request.method == "POST" else None, user=request.user, role=role)
    if request.method == "POST" and form.is_valid():
        try:
            if role is None:
                role = services.role_create(actor=request.user, **form.service_kwargs())
                messages.success(request, _("The role “%(name)s” is made.") % {"name": role.name})
            else:
                role = services.role_update(actor=request.user, role=role, **form.service_kwargs())
                messages.success(request, _("The role “%(name)s” is saved.") % {"name": role.name})
        except Invalid as exc:
            form.show_errors(exc)
        else:
            return redirect("workflows:role_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "workflows/roles/form.html", {**NAV, "form": form, "role": role}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def role_create(request: HttpRequest) -> HttpResponse:
    selectors.role_list(user=request.user)  # 404 for anyone but a portal admin
    return _form_page(request)


@login_required
@require_http_methods(["GET", "POST"])
def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, selectors.role_get(user=request.user, pk=pk))


@login_required
@require_http_methods(["GET", "POST"])
def role_delete(request: HttpRequest, pk: int) -> HttpResponse:
    role = selectors.role_get(user=request.user, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            services.role_delete(actor=request.user, role=role)
        except Invalid as exc:
            error = exc.message
        else:
            messages.success(request, _("The role “%(name)s” is deleted.") % {"name": role.name})
            return redirect("workflows:role_list")
    context = {
        **NAV,
        "role": role,
        "error": error,
        "routes": selectors.routes_naming(role.key),
        "builtin": role.key in BUILTIN_ROLE_KEYS,
        "holders": role.members.count(),
    }
    return render(request, "workflows/roles/delete.html", context, status=400 if error else 200)


urls = [
    path("roles/", role_list, name="role_list"),
    path("roles/new/", role_create, name="role_create"),
    path("roles/<int:pk>/", role_edit, name="role_edit"),
    path("roles/<int:pk>/delete/", role_delete, name="role_delete"),
]
