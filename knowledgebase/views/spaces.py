"""Space pages: the space with its page tree and home page, the settings form, the rights form and deletion."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.core.errors import Invalid, NotAllowed

from ..forms.spaces import SpaceForm, SpaceRightsForm
from ..markdown import render_page_body
from ..models import Page
from ..selectors.pages import space_top_level, space_tree
from ..selectors.spaces import space_get, space_may_admin, space_may_edit, space_role
from ..services import spaces as services

NAV = {"nav_area": "kb"}


def space_context(request: HttpRequest, space, *, tree: bool = True) -> dict:
    """What every page inside a space shows: the space, the reader's role and (with `tree`) the whole tree
    (one query)."""
    context = {
        **NAV,
        "space": space,
        "role": space_role(user=request.user, space=space),
        "may_edit": space_may_edit(user=request.user, space=space),
        "may_admin": space_may_admin(user=request.user, space=space),
    }
    if tree:
        context["tree"] = space_tree(user=request.user, space=space)
    return context


@login_required
@require_GET
def space_detail(request: HttpRequest, pk: int) -> HttpResponse:
    space = space_get(user=request.user, pk=pk)
    context = space_context(request, space, tree=False)
    # A big space's page shows its top level (a 5,000-page tree was a megabyte and a half per view); each
    # branch opens on its page.
    context["tree"] = space_top_level(user=request.user, space=space)
    home = None
    if space.home_page_id:  # within the space just read through its rights: the page rules alone
        home = Page.objects.visible_in_read_space(request.user, space).filter(pk=space.home_page_id).first()
    context["home"] = home
    context["home_html"] = render_page_body(user=request.user, space=space, text=home.body) if home else ""
    return render(request, "knowledgebase/spaces/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def space_create(request: HttpRequest) -> HttpResponse:
    form = SpaceForm(request.POST or None, user=request.user, initial={"responsible": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            space = services.space_create(actor=request.user, **form.create_kwargs())
        except Invalid as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The space “%(title)s” is made.") % {"title": space.title})
            return redirect(space.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "knowledgebase/spaces/form.html", {**NAV, "form": form}, status=status)


def _admin_space(request: HttpRequest, pk: int):
    space = space_get(user=request.user, pk=pk)
    if not space_may_admin(user=request.user, space=space):
        raise NotAllowed(_("Only the space's administrators may change it."))
    return space


@login_required
@require_http_methods(["GET", "POST"])
def space_edit(request: HttpRequest, pk: int) -> HttpResponse:
    space = _admin_space(request, pk)
    form = SpaceForm(request.POST or None, user=request.user, space=space)
    if request.method == "POST" and form.is_valid():
        try:
            services.space_update(actor=request.user, space=space, **form.update_kwargs())
        except Invalid as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The space is saved."))
            return redirect(space.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request, "knowledgebase/spaces/form.html", {**NAV, "form": form, "space": space}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def space_rights(request: HttpRequest, pk: int) -> HttpResponse:
    space = _admin_space(request, pk)
    form = SpaceRightsForm(request.POST or None, user=request.user, space=space)
    if request.method == "POST" and form.is_valid():
        try:
            services.space_rights_set(actor=request.user, space=space, **form.service_kwargs())
        except Invalid as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The rights are saved."))
            return redirect(space.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request, "knowledgebase/spaces/rights.html", {**NAV, "form": form, "space": space}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def space_delete(request: HttpRequest, pk: int) -> HttpResponse:
    space = _admin_space(request, pk)
    error = ""
    if request.method == "POST":
        try:
            services.space_delete(actor=request.user, space=space)
        except Invalid as exc:
            error = exc.message
        else:
            messages.success(request, _("The space “%(title)s” is deleted.") % {"title": space.title})
            return redirect("kb:home")
    status = 400 if error else 200
    return render(
        request, "knowledgebase/spaces/delete.html", {**NAV, "space": space, "error": error}, status=status
    )


urls = [
    path("spaces/new/", space_create, name="space_create"),
    path("spaces/<int:pk>/", space_detail, name="space_detail"),
    path("spaces/<int:pk>/edit/", space_edit, name="space_edit"),
    path("spaces/<int:pk>/rights/", space_rights, name="space_rights"),
    path("spaces/<int:pk>/delete/", space_delete, name="space_delete"),
]
