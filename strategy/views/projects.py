"""The project register and a project's status notes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.core.errors import NotAllowed
from portal.core.htmx import render_htmx

from ..choices import Rag
from ..filters.projects import PROJECT_STATUSES
from ..forms.projects import StatusNoteForm
from ..selectors import projects as selectors
from ..selectors.goals import goal_choices
from ..services import projects as services

NAV = {"nav_area": "strategy"}
PAGE_SIZE = 50


@login_required
@require_GET
def project_register(request: HttpRequest) -> HttpResponse:
    """Projects with their goals and weights, owner, dates, status, progress, open/overdue tasks, last note."""
    filterset, queryset = selectors.project_list(user=request.user, filters=request.GET, request=request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **NAV,
        "rows": selectors.project_rows(list(page.object_list)),
        "page": page,
        "query": query.urlencode(),
        "filter_form": filterset.form,
    }

    def page_context():
        from portal.people.models import Department

        return {
            "statuses": PROJECT_STATUSES,
            "goals": goal_choices(user=request.user, limit=300),
            "departments": [
                (d.pk, d.name) for d in Department.objects.visible_to(request.user).only("id", "name")
            ],
        }

    return render_htmx(
        request,
        "strategy/projects/register.html",
        context,
        partial="strategy/projects/partials/register_table.html",
        page_context=page_context,
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_notes(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's weekly status notes; its owner writes this week's."""
    project = services.project_visible(user=request.user, project_id=pk)
    may_note = services.project_may_note(request.user, project)
    form = StatusNoteForm(request.POST or None) if may_note else None
    if request.method == "POST":
        if form is None:
            raise NotAllowed(_("Only the project's owner writes its status."))
        if form.is_valid() and form.run(
            services.project_status_note_add,
            actor=request.user,
            project=project,
            rag=form.cleaned_data["rag"],
            text=form.cleaned_data["text"],
        ):
            return redirect(reverse("strategy:project_notes", args=[project.pk]))
    context = {
        **NAV,
        "project": project,
        "notes": selectors.project_notes(user=request.user, project=project),
        "form": form,
        "rags": Rag.choices,
    }
    return render(
        request,
        "strategy/projects/notes.html",
        context,
        status=400 if form is not None and form.errors else 200,
    )
