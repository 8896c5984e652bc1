"""Export of a page, or of a page with its sub-pages, to print-ready HTML (the browser prints it to PDF), and
the import of Markdown (.md, or a .zip of a folder tree) into a space."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from portal.core.errors import Invalid, NotAllowed

from ..forms.pages import ImportForm
from ..markdown import render_page_body
from ..models import Page
from ..selectors.pages import page_get, space_tree, tree_flat
from ..selectors.spaces import space_get, space_may_edit
from ..services.transfer import pages_import
from .spaces import space_context

EXPORT_MAX_PAGES = 500


def _subtree_ids(roots, page_id: int) -> list[tuple[int, int]]:
    """(id, depth below the page) of the page and its sub-pages, in reading order."""
    for node in tree_flat(roots):
        if node.id == page_id:
            out = []
            stack = [(node, 0)]
            while stack:
                current, depth = stack.pop()
                out.append((current.id, depth))
                stack.extend((child, depth + 1) for child in reversed(current.children))
            return out
    return [(page_id, 0)]


@login_required
@require_GET
def page_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The page (`?subtree=1`: with its sub-pages) as one print-ready HTML document."""
    page = page_get(user=request.user, pk=pk)
    wanted = [(page.pk, 0)]
    if request.GET.get("subtree"):
        wanted = _subtree_ids(space_tree(user=request.user, space=page.space), page.pk)[:EXPORT_MAX_PAGES]
    found = {p.pk: p for p in Page.objects.visible_to(request.user).filter(pk__in=[pk for pk, _d in wanted])}
    sections = [
        {
            "page": found[pk],
            "level": min(depth + 1, 6),
            "html": render_page_body(user=request.user, space=page.space, text=found[pk].body),
        }
        for pk, depth in wanted
        if pk in found
    ]
    return render(
        request,
        "knowledgebase/transfer/export.html",
        {
            "page": page,
            "space": page.space,
            "sections": sections,
            "subtree": bool(request.GET.get("subtree")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pages_import_view(request: HttpRequest, space_pk: int) -> HttpResponse:
    space = space_get(user=request.user, pk=space_pk)
    if not space_may_edit(user=request.user, space=space):
        raise NotAllowed(_("You may read this space but not edit it."))
    context = space_context(request, space)
    form = ImportForm(request.POST or None, request.FILES or None, tree=tree_flat(context["tree"]))
    if request.method == "POST" and form.is_valid():
        parent = form.cleaned_data.get("parent")
        try:
            made = pages_import(
                actor=request.user,
                space=space,
                upload=form.cleaned_data["file"],
                parent=page_get(user=request.user, pk=parent) if parent else None,
            )
        except Invalid as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                ngettext("%(n)s page is imported.", "%(n)s pages are imported.", len(made))
                % {"n": len(made)},
            )
            return redirect(made[0].get_absolute_url() if made else space.get_absolute_url())
    context["form"] = form
    status = 400 if request.method == "POST" else 200
    return render(request, "knowledgebase/transfer/import.html", context, status=status)


urls = [
    path("pages/<int:pk>/export/", page_export, name="page_export"),
    path("spaces/<int:space_pk>/import/", pages_import_view, name="pages_import"),
]
