"""CRM settings: custom fields per record kind (CRM administrators only; others get 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.errors import Invalid
from portal.core.htmx import redirect_htmx

from ..choices import Entity
from ..forms.fields import CustomFieldForm
from ..selectors import fields as selectors
from ..services import fields as services

NAV = "crm"


def _context(**extra) -> dict:
    return {"nav_area": NAV, "crm_tab": "settings", **extra}


@login_required
@require_GET
def field_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.field_list(user=request.user))
    groups = [
        {"entity": value, "label": label, "fields": [row for row in rows if row.entity == value]}
        for value, label in Entity.choices
    ]
    return render(request, "crm/fields/list.html", _context(groups=groups))


def _save(request, form: CustomFieldForm, field=None) -> HttpResponse | None:
    if not form.is_valid():
        return None
    try:
        if field is None:
            saved = services.field_create(actor=request.user, **form.values())
        else:
            saved = services.field_update(actor=request.user, field=field, **form.values())
    except Invalid as exc:
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return None
    messages.success(request, _("Field “%(label)s” saved.") % {"label": saved.label})
    return redirect("crm:field_list")


@login_required
@require_http_methods(["GET", "POST"])
def field_create(request: HttpRequest) -> HttpResponse:
    selectors.field_list(user=request.user)  # 404 for anyone but a CRM administrator
    initial = {"entity": request.GET.get("entity")} if request.GET.get("entity") in Entity.values else None
    form = CustomFieldForm(request.POST or None, initial=initial)
    if request.method == "POST" and (answer := _save(request, form)) is not None:
        return answer
    status = 400 if form.errors else 200
    return render(request, "crm/fields/form.html", _context(form=form, field=None), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def field_edit(request: HttpRequest, pk: int) -> HttpResponse:
    field = selectors.field_get(user=request.user, pk=pk)
    form = CustomFieldForm(request.POST or None, field=field)
    if request.method == "POST" and (answer := _save(request, form, field)) is not None:
        return answer
    status = 400 if form.errors else 200
    return render(request, "crm/fields/form.html", _context(form=form, field=field), status=status)


@login_required
@require_POST
def field_delete(request: HttpRequest, pk: int) -> HttpResponse:
    field = selectors.field_get(user=request.user, pk=pk)
    services.field_delete(actor=request.user, field=field)
    messages.success(
        request, _("Field “%(label)s” deleted; stored values are kept.") % {"label": field.label}
    )
    return redirect_htmx(request, "crm:field_list")


urls = [
    path("settings/fields/", field_list, name="field_list"),
    path("settings/fields/new/", field_create, name="field_create"),
    path("settings/fields/<int:pk>/", field_edit, name="field_edit"),
    path("settings/fields/<int:pk>/delete/", field_delete, name="field_delete"),
]
