"""Tasks: the "my tags" page (create, rename, merge, delete). Reads through the tag selectors, writes
through the services (via the forms).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.core.htmx import partial_or_redirect, render_htmx

from .. import selectors, services
from ..forms.tags import TagCreateForm, TagMergeForm, TagRenameForm, tag_label


def _tag_sections(tags) -> list[dict]:
    """My personal tags first, then each group's shared tags (the selector's order)."""
    sections: list[dict] = [{"group": None, "tags": []}]
    for tag in tags:
        if tag.group_id is None:
            sections[0]["tags"].append(tag)
            continue
        if sections[-1]["group"] is None or sections[-1]["group"].pk != tag.group_id:
            sections.append({"group": tag.group, "tags": []})
        sections[-1]["tags"].append(tag)
    return sections


def _tag_page_context(
    request: HttpRequest, *, create_form=None, merge_form=None, rename_form=None, done=""
) -> dict:
    user = request.user
    tags = list(selectors.tag_overview(user=user))
    managed = [tag for tag in tags if tag.can_manage]
    merge_form = merge_form or TagMergeForm(user=user)
    # The merge choices are the tags already in hand: no second query for the same rows.
    for name in ("source", "target"):
        merge_form.fields[name].choices = [("", "—"), *((t.pk, tag_label(t)) for t in managed)]
    return {
        "nav_area": "tasks",
        "sections": _tag_sections(tags),
        "tags_total": len(tags),
        "managed_count": len(managed),
        "create_form": create_form or TagCreateForm(user=user),
        "merge_form": merge_form,
        "rename_form": rename_form,
        "done": done,
        "list_url": reverse("tasks:home"),
    }


def _tags_page(request: HttpRequest, *, status: int = 200, **forms) -> HttpResponse:
    """The page, or its part for htmx; a refused form answers 400 for the page but 200 for htmx (so that
    htmx swaps the errors in)."""
    return render_htmx(
        request,
        "tasks/tags/tags.html",
        _tag_page_context(request, **forms),
        partial="tasks/tags/partials/tag_panel.html",
        status=status,
        partial_status=200,
    )


def _after_tag_write(request: HttpRequest, done: str | None, **forms) -> HttpResponse:
    """Success: htmx redraws the page's part with a note, a plain form goes back to the page. Failure: the
    part (htmx) or the page (status 400) again, the errors at their fields."""
    if done is not None:
        return partial_or_redirect(
            request, "tasks:tags", response=lambda: _tags_page(request, done=done), success=done
        )
    return _tags_page(request, status=400, **forms)


@login_required
@require_GET
def tags(request: HttpRequest) -> HttpResponse:
    """My personal tags and my groups' shared tags, with their numbers of tasks."""
    return _tags_page(request)


@login_required
@require_POST
def tag_create(request: HttpRequest) -> HttpResponse:
    form = TagCreateForm(request.POST, user=request.user)
    tag = form.save(actor=request.user) if form.is_valid() else None
    done = _("Tag “%(name)s” created.") % {"name": tag.name} if tag is not None else None
    return _after_tag_write(request, done, create_form=form)


@login_required
@require_POST
def tag_rename(request: HttpRequest, pk: int) -> HttpResponse:
    tag = selectors.tag_get(user=request.user, pk=pk)
    old = tag.name
    form = TagRenameForm(request.POST, tag=tag)
    renamed = form.save(actor=request.user) if form.is_valid() else None
    done = _("Tag “%(old)s” renamed to “%(new)s”.") % {"old": old, "new": renamed.name} if renamed else None
    return _after_tag_write(request, done, rename_form=form)


@login_required
@require_POST
def tag_merge(request: HttpRequest) -> HttpResponse:
    form = TagMergeForm(request.POST, user=request.user)
    target = form.save(actor=request.user) if form.is_valid() else None
    done = None
    if target is not None:
        done = _("Tag “%(source)s” merged into “%(target)s”.") % {
            "source": form.cleaned_data["source"].name,
            "target": target.name,
        }
    return _after_tag_write(request, done, merge_form=form)


@login_required
@require_POST
def tag_delete(request: HttpRequest, pk: int) -> HttpResponse:
    tag = selectors.tag_get(user=request.user, pk=pk)
    services.tag_delete(actor=request.user, tag=tag)
    return _after_tag_write(request, _("Tag “%(name)s” deleted.") % {"name": tag.name})
