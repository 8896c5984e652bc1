"""Page pages: read a page (breadcrumbs, the tree, files), write one (from a template; preview; the optimistic
lock keeps the editor's text when someone saved meanwhile), publish, move (dragged in the tree, or the form),
delete, and its files (upload, the permission-checked download, removal)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.attachments import AttachmentDownloadView
from portal.core.errors import Invalid, NotAllowed, NotFound

from ..forms.pages import TEMPLATE_CHOICES, FileForm, PageCreateForm, PageForm, PageMoveForm
from ..markdown import broken_links, render_page_body
from ..models import Page, PageFile
from ..page_templates import page_template
from ..selectors.pages import breadcrumbs, page_files, page_get, tree_around, tree_flat
from ..selectors.spaces import space_get, space_may_edit
from ..services import pages as services
from .spaces import space_context

# Parts other features add to a page's view ("top": under the title, "end": after the text), in order:
# (template, context) where `context(request=, page=, base=)` returns what the template needs beyond the page's
# own context (`page`, `space`, `may_edit`, `may_admin`, `role`, `user`). A feature registers its parts from its
# `registrations` module with `register_page_part`; this view renders each one.
PAGE_PARTS: dict[str, list[tuple[str, Callable | None]]] = {"top": [], "end": []}


def register_page_part(where: str, template: str, context: Callable | None = None) -> None:
    """Add a part to every page's view: `where` is "top" (under the title) or "end" (after the text)."""
    parts = PAGE_PARTS[where]
    if all(existing != template for existing, _context in parts):
        parts.append((template, context))


def _render_parts(request: HttpRequest, page: Page, base: dict) -> dict[str, list[str]]:
    rendered: dict[str, list[str]] = {}
    for where, parts in PAGE_PARTS.items():
        rendered[where] = []
        for template, context in parts:
            extra = context(request=request, page=page, base=base) if context is not None else {}
            rendered[where].append(render_to_string(template, {**base, **(extra or {})}, request=request))
    return rendered


def _page_for_edit(request: HttpRequest, pk: int) -> Page:
    page = page_get(user=request.user, pk=pk)
    if not space_may_edit(user=request.user, space=page.space):
        raise NotAllowed(_("You may read this space but not edit it."))
    return page


def _parent(request: HttpRequest, value) -> Page | None:
    return page_get(user=request.user, pk=value) if value not in (None, "") else None


@login_required
@require_GET
def page_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = page_get(user=request.user, pk=pk)
    context = space_context(request, page.space)
    context.update(
        {
            "tree": tree_around(context["tree"], page.pk),
            "page": page,
            "crumbs": breadcrumbs(user=request.user, page=page),
            "body_html": render_page_body(user=request.user, space=page.space, text=page.body),
            "files": list(page_files(user=request.user, page=page)),
            "tags": [t.name for t in page.tags.all()],
            "file_form": FileForm() if context["may_edit"] else None,
        }
    )
    context["parts"] = _render_parts(request, page, context)
    return render(request, "knowledgebase/pages/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def page_create(request: HttpRequest, space_pk: int) -> HttpResponse:
    space = space_get(user=request.user, pk=space_pk)
    if not space_may_edit(user=request.user, space=space):
        raise NotAllowed(_("You may read this space but not edit it."))
    context = space_context(request, space)
    flat = tree_flat(context["tree"])
    template = page_template(request.GET.get("template", ""))
    initial = {"language": space.language, "parent": request.GET.get("parent") or None, "publish": True}
    if template is not None:
        initial.update({"title": str(template.label), "body": str(template.body)})
    form = PageCreateForm(request.POST or None, user=request.user, tree=flat, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            page = services.page_create(
                actor=request.user,
                space=space,
                title=data["title"],
                body=data["body"],
                parent=_parent(request, data.get("parent")),
                tags=data["tags"],
                responsible=data["responsible"],
                review_by=data["review_by"],
                language=data["language"],
                publish=data["publish"],
                comment=data["comment"],
            )
        except Invalid as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The page “%(title)s” is saved.") % {"title": page.title})
            return redirect(page.get_absolute_url())
    context.update(
        {"form": form, "templates": TEMPLATE_CHOICES, "chosen_template": request.GET.get("template", "")}
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "knowledgebase/pages/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def page_edit(request: HttpRequest, pk: int) -> HttpResponse:
    page = _page_for_edit(request, pk)
    form = PageForm(request.POST or None, user=request.user, page=page)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.page_update(
                actor=request.user,
                page=page,
                base_revision=data["base_revision"],
                title=data["title"],
                body=data["body"],
                comment=data["comment"],
                minor=data["minor"],
                tags=data["tags"],
                responsible=data["responsible"],
                review_by=data["review_by"],
                language=data["language"],
            )
        except services.EditConflict as exc:
            conflict = exc
            # The user's text stays; the next save is based on the revision they have now seen.
            form.data = form.data.copy()
            form.data["base_revision"] = str(exc.current.number)
            form.add_error(None, exc.message)
        except Invalid as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The page is saved."))
            return redirect(page.get_absolute_url())
    context = space_context(request, page.space)
    context.update({"form": form, "page": page, "conflict": conflict})
    status = 409 if conflict else (400 if request.method == "POST" else 200)
    return render(request, "knowledgebase/pages/form.html", context, status=status)


@login_required
@require_POST
def page_preview(request: HttpRequest, space_pk: int) -> HttpResponse:
    """The editor's text rendered as the page will show it (htmx swaps it into the preview pane)."""
    space = space_get(user=request.user, pk=space_pk)
    text = request.POST.get("body", "")[: services.BODY_MAX]
    return render(
        request,
        "knowledgebase/pages/partials/preview.html",
        {
            "body_html": render_page_body(user=request.user, space=space, text=text),
            "broken": broken_links(user=request.user, space=space, text=text),
        },
    )


@login_required
@require_POST
def page_publish(request: HttpRequest, pk: int) -> HttpResponse:
    page = _page_for_edit(request, pk)
    services.page_publish(actor=request.user, page=page)
    messages.success(request, _("The page is published."))
    return redirect(page.get_absolute_url())


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_http_methods(["GET", "POST"])
def page_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the page: the tree's script posts `parent` and `position` when a page is dropped (and reads JSON);
    without script, the form."""
    page = _page_for_edit(request, pk)
    context = space_context(request, page.space)
    form = PageMoveForm(
        request.POST or None,
        tree=tree_flat(context["tree"]),
        page=page,
        initial={"parent": page.parent_id, "position": page.position},
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.page_move(
                    actor=request.user,
                    page=page,
                    parent=_parent(request, form.cleaned_data["parent"]),
                    position=form.cleaned_data["position"],
                )
            except (Invalid, NotFound) as exc:
                if _wants_json(request):
                    return JsonResponse({"detail": exc.message}, status=400)
                form.add_error(None, exc.message)
            else:
                if _wants_json(request):
                    return JsonResponse({"ok": True})
                messages.success(request, _("The page is moved."))
                return redirect(page.get_absolute_url())
        elif _wants_json(request):
            return JsonResponse({"detail": _("Choose a place in this space.")}, status=400)
    context.update({"form": form, "page": page})
    status = 400 if request.method == "POST" else 200
    return render(request, "knowledgebase/pages/move.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def page_delete(request: HttpRequest, pk: int) -> HttpResponse:
    page = _page_for_edit(request, pk)
    if request.method == "POST":
        space_url = page.space.get_absolute_url()
        services.page_delete(actor=request.user, page=page)
        messages.success(request, _("The page “%(title)s” is deleted.") % {"title": page.title})
        return redirect(space_url)
    context = space_context(request, page.space)
    context.update({"page": page, "children": page.children.count()})
    return render(request, "knowledgebase/pages/delete.html", context)


@login_required
@require_POST
def page_file_upload(request: HttpRequest, pk: int) -> HttpResponse:
    page = _page_for_edit(request, pk)
    form = FileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            stored = services.page_file_add(actor=request.user, page=page, upload=form.cleaned_data["file"])
        except Invalid as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("“%(name)s” is attached.") % {"name": stored.name})
    else:
        messages.error(request, _("Choose a file."))
    return redirect(reverse("kb:page_detail", args=[page.pk]) + "#kb-files")


@login_required
@require_POST
def page_file_delete(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    page = _page_for_edit(request, pk)
    stored = PageFile.objects.visible_to(request.user).filter(page=page, pk=file_pk).first()
    if stored is None:
        raise NotFound(_("No file matches the given query."))
    services.page_file_delete(actor=request.user, file=stored)
    messages.success(request, _("The file is removed."))
    return redirect(reverse("kb:page_detail", args=[page.pk]) + "#kb-files")


def _files(request, **kwargs):
    return PageFile.objects.visible_to(request.user)


urls = [
    path("spaces/<int:space_pk>/pages/new/", page_create, name="page_create"),
    path("spaces/<int:space_pk>/preview/", page_preview, name="page_preview"),
    path("pages/<int:pk>/", page_detail, name="page_detail"),
    path("pages/<int:pk>/edit/", page_edit, name="page_edit"),
    path("pages/<int:pk>/publish/", page_publish, name="page_publish"),
    path("pages/<int:pk>/move/", page_move, name="page_move"),
    path("pages/<int:pk>/delete/", page_delete, name="page_delete"),
    path("pages/<int:pk>/files/", page_file_upload, name="page_file_upload"),
    path("pages/<int:pk>/files/<int:file_pk>/delete/", page_file_delete, name="page_file_delete"),
    path(
        "files/<int:pk>/download/",
        AttachmentDownloadView.as_view(queryset=_files, inline_allowed=True),
        name="page_file_download",
    ),
]
