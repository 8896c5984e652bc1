"""The structure: the org chart and the department pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.htmx import render_htmx

from .. import selectors, services
from ..forms import (
    DepartmentCreateForm,
    DepartmentHeadForm,
    DepartmentMoveForm,
    DepartmentRenameForm,
    apply_service_errors,
)
from .company import PAGE_SIZE, _area


@login_required
@require_GET
def org_chart(request: HttpRequest) -> HttpResponse:
    tree = selectors.department_tree(user=request.user)
    context = {
        **_area(request),
        "tree": tree,
        "can_manage": selectors.departments_managed_by(request.user).exists(),
    }
    return render(request, "people/org_chart.html", context)


def _require_manager(user, department) -> None:
    if not services.can_manage_department(user, department):
        raise PermissionDenied(_("You may not manage this department."))


def _department_context(request: HttpRequest, department, **forms) -> dict:
    user = request.user
    members = selectors.department_members(user=user, department=department)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = services.can_manage_department(user, department)
    children = list(department.get_children().select_related("head"))
    context = {
        **_area(request),
        "department": department,
        "ancestors": list(department.get_ancestors()),
        "children": children,
        "page_obj": page,
        "members": page.object_list,
        "can_manage": can_manage,
    }
    if can_manage:
        managed = selectors.departments_managed_by(user)
        context.update(
            rename_form=forms.get("rename_form") or DepartmentRenameForm(initial={"name": department.name}),
            head_form=forms.get("head_form")
            or DepartmentHeadForm(
                people=selectors.head_candidates(user=user), initial={"head": department.head_id}
            ),
            can_delete=not department.is_root() and not children and department.members_count == 0,
        )
        if not department.is_root():
            parent_id = department.path[: -department.steplen]
            context["move_form"] = forms.get("move_form") or DepartmentMoveForm(
                departments=managed.exclude(path__startswith=department.path),
                initial={"parent": next((a.pk for a in context["ancestors"] if a.path == parent_id), None)},
            )
    return context


@login_required
@require_GET
def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(user=request.user, pk=pk)
    context = _department_context(request, department)
    return render_htmx(
        request, "people/department_detail.html", context, partial="people/partials/department_members.html"
    )


def _department_failed(request, department, **forms) -> HttpResponse:
    department = selectors.department_get(user=request.user, pk=department.pk)
    context = _department_context(request, department, **forms)
    return render(request, "people/department_detail.html", context)


@login_required
@require_POST
def department_rename(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(user=request.user, pk=pk)
    _require_manager(request.user, department)
    form = DepartmentRenameForm(request.POST)
    if form.is_valid():
        try:
            services.department_update(
                actor=request.user, department=department, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The department is renamed."))
            return redirect("people:department_detail", pk=pk)
    return _department_failed(request, department, rename_form=form)


@login_required
@require_POST
def department_set_head(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(user=request.user, pk=pk)
    _require_manager(request.user, department)
    form = DepartmentHeadForm(request.POST, people=selectors.head_candidates(user=request.user))
    if form.is_valid():
        head = form.cleaned_data["head"]
        try:
            services.department_set_head(actor=request.user, department=department, head=head)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if head is None:
                messages.success(request, _("The department has no head now."))
            else:
                messages.success(
                    request,
                    _("%(name)s heads %(department)s.")
                    % {"name": head.full_name, "department": department.name},
                )
            return redirect("people:department_detail", pk=pk)
    return _department_failed(request, department, head_form=form)


@login_required
@require_POST
def department_move(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(user=request.user, pk=pk)
    _require_manager(request.user, department)
    form = DepartmentMoveForm(request.POST, departments=selectors.departments_managed_by(request.user))
    if form.is_valid():
        try:
            services.department_move(
                actor=request.user, department=department, parent=form.cleaned_data["parent"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The department is moved."))
            return redirect("people:department_detail", pk=pk)
    return _department_failed(request, department, move_form=form)


@login_required
@require_POST
def department_delete(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(user=request.user, pk=pk)
    _require_manager(request.user, department)
    parent = department.get_parent()
    try:
        services.department_delete(actor=request.user, department=department)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("people:department_detail", pk=pk)
    messages.success(request, _("The department “%(name)s” is removed.") % {"name": department.name})
    if parent is not None:
        return redirect("people:department_detail", pk=parent.pk)
    return redirect("people:org_chart")


@login_required
@require_http_methods(["GET", "POST"])
def department_create(request: HttpRequest) -> HttpResponse:
    """A new department under one the user manages (`?parent=<id>` preselects it)."""
    managed = selectors.departments_managed_by(request.user)
    if not managed.exists():
        raise PermissionDenied(_("You may not add departments."))
    parent_id = request.POST.get("parent") or request.GET.get("parent")
    form = DepartmentCreateForm(request.POST or None, departments=managed, initial={"parent": parent_id})
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_create(
                actor=request.user, name=form.cleaned_data["name"], parent=form.cleaned_data["parent"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The department “%(name)s” is created.") % {"name": department.name})
            return redirect("people:department_detail", pk=department.pk)
    return render(request, "people/department_form.html", {**_area(request), "form": form})
