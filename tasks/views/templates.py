"""Tasks: the task templates pages (list, create, edit, delete, run now)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors, services
from ..forms.templates import TaskTemplateForm


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    templates = selectors.template_list(user=request.user).order_by("title", "id")
    return render(request, "tasks/templates/list.html", {"nav_area": "tasks", "templates": templates})


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    form = TaskTemplateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        template = form.save(actor=request.user)
        if template is not None:
            messages.success(request, _("Template “%(title)s” saved.") % {"title": template.title})
            return redirect("tasks:templates")
    return render(request, "tasks/templates/form.html", {"nav_area": "tasks", "form": form, "template": None})


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.template_get(user=request.user, pk=pk)
    form = TaskTemplateForm(request.POST or None, user=request.user, template=template)
    if request.method == "POST" and form.is_valid():
        if form.save(actor=request.user) is not None:
            messages.success(request, _("Saved."))
            return redirect("tasks:templates")
    return render(
        request, "tasks/templates/form.html", {"nav_area": "tasks", "form": form, "template": template}
    )


@login_required
@require_POST
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.template_get(user=request.user, pk=pk)
    services.template_delete(actor=request.user, template=template)
    messages.success(request, _("Template “%(title)s” deleted.") % {"title": template.title})
    return redirect("tasks:templates")


@login_required
@require_http_methods(["GET", "POST"])
def template_run(request: HttpRequest, pk) -> HttpResponse:
    """Create a task (with its subtasks) from one of my templates: GET asks, POST creates."""
    template = selectors.template_get(user=request.user, pk=pk)
    errors: list[str] = []
    if request.method == "POST":
        from django.core.exceptions import ValidationError

        try:
            task = services.task_from_template(actor=request.user, template=template)
        except ValidationError as exc:
            errors = list(exc.messages)
        else:
            messages.success(
                request, _("Task “%(title)s” created from the template.") % {"title": task.title}
            )
            return redirect(task)
    context = {"nav_area": "tasks", "template": template, "errors": errors}
    return render(request, "tasks/templates/run.html", context, status=400 if errors else 200)
