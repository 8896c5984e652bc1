"""Process templates pages (portal admins; anyone else gets 404, as the CRM's settings pages answer): the list,
the editor (the template's settings, its form and its route, saved together; a changed form or route becomes
a new version), the delete question, and the versions with a read-only view of each."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from portal.core.errors import Invalid

from ..choices import TemplateKind
from ..forms.templates import TemplateEditor
from ..selectors import templates as selectors
from ..services import templates as services

NAV = {"nav_area": "workflows", "settings_tab": "templates"}


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "kind": request.GET.get("kind", ""),
        "active": request.GET.get("active", ""),
        "query": request.GET.get("q", "")[:100],
    }
    templates = selectors.template_list(user=request.user, **filters)
    context = {**NAV, "templates": templates, "filters": filters, "kinds": TemplateKind.choices}
    return render(request, "workflows/templates/list.html", context)


def _rows(formset) -> list[dict]:
    """The rows as the page shows them: in their order (a re-shown form keeps the order it was posted in),
    numbered among the rows not removed."""

    def removed(form) -> bool:
        return str(form["DELETE"].value() or "").lower() in ("true", "on", "1")

    def order(pair):
        index, form = pair
        try:
            return (0, int(form["ORDER"].value()), index)
        except (TypeError, ValueError):
            return (1, 0, index)

    forms = [form for _index, form in sorted(enumerate(formset.forms), key=order)]
    rows, number = [], 0
    for form in forms:
        gone = removed(form)
        if not gone:
            number += 1
        rows.append({"form": form, "number": number, "removed": gone})
    return rows


def _editor_page(request: HttpRequest, editor: TemplateEditor, *, status: int = 200) -> HttpResponse:
    template = editor.template
    version = template.current_version if template is not None else None
    context = {
        **NAV,
        "editor": editor,
        "template": template,
        "version": version,
        "running": selectors.running_on(version) if version is not None else 0,
        "field_rows": _rows(editor.fields),
        "step_rows": _rows(editor.steps),
        "errors": editor.has_errors(),
    }
    return render(request, "workflows/templates/editor.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    selectors.template_list(user=request.user)  # 404 for anyone but a portal admin
    editor = TemplateEditor(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "GET":
        return _editor_page(request, editor)
    if editor.is_valid():
        try:
            template = services.template_create(actor=request.user, **editor.service_kwargs())
        except Invalid as exc:
            editor.show_errors(exc)
        else:
            messages.success(request, _("The template is made: version 1."))
            return redirect("workflows:template_edit", pk=template.pk)
    return _editor_page(request, editor, status=400)


def _saved_message(result: services.SaveResult) -> str:
    if not result.created:
        return _("Saved. The form and the route did not change: still version %(n)d.") % {
            "n": result.version.number
        }
    if result.kept and result.previous is not None:
        return ngettext(
            "Saved as version %(n)d; %(kept)d running process keeps version %(old)d.",
            "Saved as version %(n)d; %(kept)d running processes keep version %(old)d.",
            result.kept,
        ) % {"n": result.version.number, "kept": result.kept, "old": result.previous.number}
    return _("Saved as version %(n)d.") % {"n": result.version.number}


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.template_edit_get(user=request.user, pk=pk)
    if request.method == "GET":
        return _editor_page(request, TemplateEditor(user=request.user, template=template))
    editor = TemplateEditor(request.POST, user=request.user, template=template)
    if editor.is_valid():
        try:
            result = services.template_save(
                actor=request.user,
                template=template,
                comment=editor.comment_text(),
                **editor.service_kwargs(),
            )
        except Invalid as exc:
            template.refresh_from_db()
            editor.show_errors(exc)
        else:
            messages.success(request, _saved_message(result))
            return redirect("workflows:template_edit", pk=template.pk)
    return _editor_page(request, editor, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.template_edit_get(user=request.user, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            services.template_delete(actor=request.user, template=template)
        except Invalid as exc:
            error = exc.message
        else:
            messages.success(request, _("The template “%(name)s” is deleted.") % {"name": template.name})
            return redirect("workflows:template_list")
    context = {**NAV, "template": template, "error": error, "count": template.processes.count()}
    return render(request, "workflows/templates/delete.html", context, status=400 if error else 200)


@login_required
@require_GET
def template_versions(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.template_edit_get(user=request.user, pk=pk)
    versions = selectors.template_versions(user=request.user, template=template)
    return render(
        request, "workflows/templates/versions.html", {**NAV, "template": template, "versions": versions}
    )


@login_required
@require_GET
def template_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    template = selectors.template_edit_get(user=request.user, pk=pk)
    version = selectors.template_version_get(user=request.user, template=template, number=number)
    context = {
        **NAV,
        "template": template,
        "version": version,
        "view": selectors.version_view(version),
        "running": selectors.running_on(version),
        "is_current": version.pk == template.current_version_id,
    }
    return render(request, "workflows/templates/version.html", context)


urls = [
    path("templates/", template_list, name="template_list"),
    path("templates/new/", template_create, name="template_create"),
    path("templates/<int:pk>/", template_edit, name="template_edit"),
    path("templates/<int:pk>/delete/", template_delete, name="template_delete"),
    path("templates/<int:pk>/versions/", template_versions, name="template_versions"),
    path("templates/<int:pk>/versions/<int:number>/", template_version, name="template_version"),
]
