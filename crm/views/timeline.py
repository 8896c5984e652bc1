"""The record's timeline (loaded into the record page's panel with htmx): the composer and the entries, newest
first, with "older" pages; comments edited and deleted in place by their author."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.errors import Invalid
from portal.core.htmx import is_htmx, redirect_htmx

from .. import selectors as _selectors  # noqa: F401 - the package, for the modules below
from ..choices import ActivityKind, TimelineKind
from ..forms.activities import ActivityForm
from ..forms.timeline import CommentForm, FileForm
from ..markdown import markdown_html
from ..models.links import LINK_FIELDS
from ..selectors import activities as activity_selectors
from ..selectors import timeline as selectors
from ..selectors.records import record_get
from ..services import activities as activity_services
from ..services import files as file_services
from ..services import timeline as services

ENTITIES = "lead|contact|company|deal"
TABS = ("comment", ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.EMAIL, ActivityKind.TODO, "file")
ICONS = {
    TimelineKind.CREATED: "bi-plus-circle",
    TimelineKind.COMMENT: "bi-chat-left-text",
    TimelineKind.STAGE: "bi-arrow-right-circle",
    TimelineKind.FIELDS: "bi-pencil-square",
    TimelineKind.FILE: "bi-paperclip",
    TimelineKind.CONVERTED: "bi-shuffle",
    TimelineKind.MERGED: "bi-union",
    TimelineKind.LINKED: "bi-link-45deg",
}
ACTIVITY_ICONS = {
    ActivityKind.CALL: "bi-telephone",
    ActivityKind.MEETING: "bi-people",
    ActivityKind.EMAIL: "bi-envelope",
    ActivityKind.TODO: "bi-check2-square",
}


# --- what an entry shows ----------------------------------------------------------------------------------


def activity_view(activity, *, user, can_edit: bool, now=None) -> dict:
    """The card of an activity (the timeline's and the activity list's), without a query of its own (its
    records, responsible person and files come loaded)."""
    from django.utils import timezone

    now = now or timezone.now()
    links = [
        {"label": str(record), "url": activity_selectors.record_url(name, record.pk), "entity": name}
        for name in LINK_FIELDS
        if getattr(activity, f"{name}_id") and (record := getattr(activity, name)) is not None
    ]
    may_change = can_edit or activity.responsible_id == user.pk
    return {
        "activity": activity,
        "icon": ACTIVITY_ICONS.get(activity.kind, "bi-calendar-event"),
        "overdue": not activity.is_done and activity.deadline is not None and activity.deadline < now,
        "may_change": may_change,
        "records": links,
        "files": list(activity.files.all()) if hasattr(activity, "_prefetched_objects_cache") else [],
        "task_url": activity_selectors.task_url(activity.task_id),
        "task_create_url": activity_selectors.task_create_url(activity.pk)
        if may_change and activity.kind == ActivityKind.TODO and not activity.task_id and not activity.is_done
        else "",
        "duration_minutes": activity.duration // 60 if activity.duration else None,
    }


def entry_view(entry, *, user, entity: str, record, can_edit: bool) -> dict:
    view = {
        "entry": entry,
        "kind": entry.kind,
        "icon": ICONS.get(entry.kind, "bi-dot"),
        "actor": entry.actor,
        "mine": entry.actor_id == user.pk,
    }
    data = entry.data or {}
    if entry.kind == TimelineKind.COMMENT:
        view["html"] = markdown_html(entry.text)
    elif entry.kind == TimelineKind.ACTIVITY and entry.activity is not None:
        view["card"] = activity_view(entry.activity, user=user, can_edit=can_edit)
    elif entry.kind == TimelineKind.STAGE:
        view["from"], view["to"] = data.get("from", ""), data.get("to", "")
        view["stage_kind"] = data.get("kind", "")
    elif entry.kind == TimelineKind.FIELDS:
        view["changes"] = [
            row for row in data.get("changes", []) if isinstance(row, list | tuple) and len(row) == 3
        ]
    elif entry.kind == TimelineKind.FILE:
        view["file"] = entry.file
    if entry.kind in (TimelineKind.CONVERTED, TimelineKind.LINKED, TimelineKind.CREATED, TimelineKind.MERGED):
        # The other records the event concerns (the lead's contact and deal, the contact's company).
        view["links"] = [
            {"label": str(other), "url": activity_selectors.record_url(name, other.pk), "entity": name}
            for name in LINK_FIELDS
            if name != entity and getattr(entry, f"{name}_id") and (other := getattr(entry, name)) is not None
        ]
        merged = data.get("merged")
        view["merged"] = merged.get("label", "") if isinstance(merged, dict) else ""
    return view


# --- the panel --------------------------------------------------------------------------------------------


def _forms(request, *, kind=None, bound=None) -> dict:
    """The composer's forms, one per tab; `bound` replaces the one of `kind` (posted with errors)."""
    forms = {
        "comment": CommentForm(prefix="comment"),
        "file": FileForm(prefix="file"),
        **{k: ActivityForm(user=request.user, kind=k, prefix=k) for k in ActivityKind.values},
    }
    if kind is not None and bound is not None:
        forms[kind] = bound
    return forms


def _context(request, *, entity, pk, before: str = "", tab: str = "comment", bound=None) -> dict:
    data = selectors.timeline_get(user=request.user, entity=entity, pk=pk, before=before)
    record = data["record"]
    data["views"] = [
        entry_view(e, user=request.user, entity=entity, record=record, can_edit=data["can_edit"])
        for e in data["entries"]
    ]
    data["tab"] = tab
    data["tabs"] = TABS
    if not before:
        data["forms"] = _forms(request, kind=tab, bound=bound)
    return data


def _panel(request, *, entity, pk, tab="comment", bound=None, status=200) -> HttpResponse:
    context = _context(request, entity=entity, pk=pk, tab=tab, bound=bound)
    return render(request, "crm/timeline/partials/timeline.html", context, status=status)


@login_required
@require_GET
def timeline(request: HttpRequest, entity: str, pk: int) -> HttpResponse:
    """The composer and the first page of entries; `?before=<cursor>` the next older page only."""
    before = request.GET.get("before", "")
    if before:
        context = _context(request, entity=entity, pk=pk, before=before)
        return render(request, "crm/timeline/partials/entries.html", context)
    if not is_htmx(request):
        context = _context(request, entity=entity, pk=pk)
        context.update({"nav_area": "crm", "crm_tab": f"{entity}s" if entity != "company" else "companies"})
        return render(request, "crm/timeline/page.html", context)
    return _panel(request, entity=entity, pk=pk)


@login_required
@require_POST
def timeline_add(request: HttpRequest, entity: str, pk: int) -> HttpResponse:
    """The composer's post: a comment, a call, a meeting, an e-mail or a to-do (the `tab`); answers the
    refreshed panel, or the panel with the tab's errors and what was typed."""
    tab = request.POST.get("tab", "comment")
    if tab not in TABS or tab == "file":
        tab = "comment"
    if tab == "comment":
        form = CommentForm(request.POST, prefix="comment")
        if form.is_valid():
            record = record_get(user=request.user, entity=entity, pk=pk)
            try:
                services.timeline_comment_add(
                    actor=request.user, record=record, text=form.cleaned_data["text"]
                )
            except Invalid as exc:
                form.add_error(None, exc)
    else:
        form = ActivityForm(request.POST, user=request.user, kind=tab, prefix=tab)
        if form.is_valid():
            record = record_get(user=request.user, entity=entity, pk=pk)
            try:
                activity_services.activity_create(
                    actor=request.user,
                    kind=tab,
                    records=[record],
                    is_done=bool(form.cleaned_data.get("is_done")),
                    **form.service_values(),
                )
            except Invalid as exc:
                _add_errors(form, exc)
    return _answer(request, entity=entity, pk=pk, tab=tab, form=form)


def _add_errors(form, exc: Invalid) -> None:
    for field, messages in exc.message_dict.items():
        name = {"duration": "duration_minutes"}.get(field, field)
        form.add_error(name if name in form.fields else None, messages)


def _answer(request, *, entity, pk, tab, form) -> HttpResponse:
    if form.errors:
        if is_htmx(request):
            return _panel(request, entity=entity, pk=pk, tab=tab, bound=form)
        context = _context(request, entity=entity, pk=pk, tab=tab, bound=form)
        context.update({"nav_area": "crm"})
        return render(request, "crm/timeline/page.html", context, status=400)
    if is_htmx(request):
        return _panel(request, entity=entity, pk=pk)
    return redirect_htmx(request, "crm:timeline", entity, pk)


@login_required
@require_POST
def file_add(request: HttpRequest, entity: str, pk: int) -> HttpResponse:
    """The composer's file tab: keep the file on the record and answer the refreshed panel."""
    form = FileForm(request.POST, request.FILES, prefix="file")
    if form.is_valid():
        record = record_get(user=request.user, entity=entity, pk=pk)
        try:
            file_services.file_upload(actor=request.user, record=record, upload=form.cleaned_data["file"])
        except Invalid as exc:
            for messages in exc.message_dict.values():
                form.add_error("file", messages)
    return _answer(request, entity=entity, pk=pk, tab="file", form=form)


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit one's own comment in place: GET the form, POST the text (answers the entry)."""
    entry = selectors.timeline_entry_get(user=request.user, pk=pk)
    form = CommentForm(request.POST or None, prefix=f"edit{entry.pk}", initial={"text": entry.text})
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.timeline_comment_edit(
                actor=request.user, entry=entry, text=form.cleaned_data["text"]
            )
        except Invalid as exc:
            form.add_error("text", exc.messages)
        else:
            if not is_htmx(request):
                return redirect_htmx(request, "crm:timeline", *_first_record(entry))
            view = {"entry": entry, "kind": entry.kind, "icon": ICONS[entry.kind], "actor": entry.actor,
                    "mine": True, "html": markdown_html(entry.text)}  # fmt: skip
            return render(request, "crm/timeline/partials/entry.html", {"view": view})
    elif request.method == "GET" and entry.actor_id != request.user.pk:
        from portal.core.errors import NotAllowed

        raise NotAllowed(_("Only the author changes a comment."))
    return render(request, "crm/timeline/partials/comment_form.html", {"entry": entry, "form": form})


def _first_record(entry) -> tuple[str, int]:
    for name in LINK_FIELDS:
        if getattr(entry, f"{name}_id"):
            return name, getattr(entry, f"{name}_id")
    return "lead", 0


@login_required
@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.timeline_entry_get(user=request.user, pk=pk)
    where = _first_record(entry)
    services.timeline_comment_delete(actor=request.user, entry=entry)
    if is_htmx(request):
        return HttpResponse("")
    return redirect_htmx(request, "crm:timeline", *where)


urls = [
    path("timeline/<str:entity>/<int:pk>/", timeline, name="timeline"),
    path("timeline/<str:entity>/<int:pk>/add/", timeline_add, name="timeline_add"),
    path("timeline/<str:entity>/<int:pk>/file/", file_add, name="timeline_file"),
    path("timeline/comments/<int:pk>/edit/", comment_edit, name="timeline_comment_edit"),
    path("timeline/comments/<int:pk>/delete/", comment_delete, name="timeline_comment_delete"),
]
