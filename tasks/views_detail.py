"""The task page (/tasks/<id>/) and its htmx parts.

The page is made of blocks (header, description, people, dates, tags, rules, time, subtasks, links,
checklist, files, comments, history), each a partial in tasks/templates/tasks/partials/detail_<block>.html
with the element id "task-<block>". A POST to a block's endpoint calls one service and, for htmx, answers
with that block re-rendered (errors shown inside it) plus the blocks the change also touches as
out-of-band swaps; without htmx it redirects back to the page with a message. A form refused for bad input
comes back with what the person typed and the error next to it (for htmx in the block; without htmx in the
whole page, since a redirect would lose the input).

Every endpoint starts from a selector: a task the user may not see answers 404, and a service refusing a
visible task answers 403 (PermissionDenied).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from portal.core.attachments import file_response
from portal.core.permissions import is_portal_admin

from . import selectors, services
from .choices import DependantsPolicy, MemberRole, OpenSubtasksPolicy, TaskPriority
from .forms_detail import (
    ActionForm,
    ChecklistItemForm,
    CommentForm,
    DatesForm,
    DescriptionForm,
    EstimateForm,
    FileForm,
    LinkForm,
    PeopleForm,
    RulesForm,
    TagsForm,
    TimeEntryForm,
    TitleForm,
    form_errors,
    parse_ids,
)

COMMENTS_SHOWN = 100  # the latest comments on the page; "show all" loads the rest
TIME_ENTRIES_SHOWN = 20
PICKER_LIMIT = 10

# action -> (label, icon, button style, what it asks for: "" | "comment" | "reason")
ACTION_BUTTONS: dict[str, tuple[str, str, str, str]] = {
    "accept": (gettext_lazy("Accept"), "bi-hand-thumbs-up", "btn-outline-primary", ""),
    "start": (gettext_lazy("Start"), "bi-play-fill", "btn-primary", ""),
    "pause": (gettext_lazy("Pause"), "bi-pause-fill", "btn-outline-secondary", ""),
    "complete": (gettext_lazy("Complete"), "bi-check2-circle", "btn-success", ""),
    "approve": (gettext_lazy("Accept the result"), "bi-check2-all", "btn-success", ""),
    "return": (
        gettext_lazy("Return for rework"),
        "bi-arrow-counterclockwise",
        "btn-outline-danger",
        "comment",
    ),
    "defer": (gettext_lazy("Defer"), "bi-hourglass-split", "btn-outline-secondary", ""),
    "decline": (gettext_lazy("Decline"), "bi-x-circle", "btn-outline-danger", "reason"),
    "renew": (gettext_lazy("Renew"), "bi-arrow-repeat", "btn-outline-primary", ""),
}

# Labels of the source a task was made from, by "app_label.model".
SOURCE_LABELS = {
    "chat.message": gettext_lazy("Created from a chat message"),
    "stream.entry": gettext_lazy("Created from a post"),
    "reports.workreport": gettext_lazy("Created from a work report"),
}


# --- context of each block -----------------------------------------------------------------------------


def _url_or_empty(name: str, *args) -> str:
    """Routes owned by other parts of the app (the edit form): absent routes just hide their button."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _source_link(task) -> dict | None:
    if not task.source_type_id or not task.source_id:
        return None
    ct = task.source_type
    key = f"{ct.app_label}.{ct.model}"
    label = SOURCE_LABELS.get(key, _("Created from %(what)s") % {"what": ct.name})
    url = ""
    # Only the address is built here: the source's own page checks who may see it.
    model = ct.model_class()
    if key == "stream.entry" and task.source_id.isdecimal():
        url = reverse("stream:entry", args=[int(task.source_id)])
    elif key == "chat.message" and model is not None:
        chat_id = model._default_manager.filter(pk=task.source_id).values_list("chat_id", flat=True).first()
        if chat_id:
            url = reverse("chat:detail", args=[chat_id]) + f"#message-{task.source_id}"
    elif key == "reports.workreport" and task.source_id.isdecimal():
        url = reverse("reports:report_detail", args=[int(task.source_id)])
    elif model is not None and hasattr(model, "get_absolute_url"):
        obj = model._default_manager.filter(pk=task.source_id).first()
        url = obj.get_absolute_url() if obj is not None else ""
    return {"label": label, "url": url}


def _header_context(request, task, perms) -> dict:
    actions = selectors.available_actions(request.user, task)
    return {
        "action_buttons": [
            {"action": a, "label": label, "icon": icon, "style": style, "asks": asks}
            for a in actions
            if a in ACTION_BUTTONS
            for label, icon, style, asks in [ACTION_BUTTONS[a]]
        ],
        "source": _source_link(task),
        "edit_url": _url_or_empty("tasks:edit", task.pk),
        "open_subtasks_choices": OpenSubtasksPolicy.choices,
    }


def _description_context(request, task, perms) -> dict:
    from .markdown import render_markdown

    return {"description_html": render_markdown(task.description)}


def _people_context(request, task, perms) -> dict:
    members = list(task.members.all())  # prefetched by task_get
    participants = [m.user for m in members if m.role == MemberRole.PARTICIPANT]
    observers = [m.user for m in members if m.role == MemberRole.OBSERVER]
    return {
        "participants": participants,
        "observers": observers,
        "people_fields": [
            ("responsible", _("Responsible person"), [task.responsible]),
            ("participants", _("Participants"), participants),
            ("observers", _("Observers"), observers),
        ],
    }


def _dates_context(request, task, perms) -> dict:
    return {"dependants_choices": DependantsPolicy.choices}


def _tags_context(request, task, perms) -> dict:
    # Personal tags are their owner's: each person sees (and edits) the task's tags they may use.
    tags = list(selectors.tag_list(user=request.user).filter(task_tags__task=task))
    return {"tags": tags, "tag_names": ", ".join(t.name for t in tags)}


def _rules_context(request, task, perms) -> dict:
    return {"priority_choices": TaskPriority.choices}


def _time_context(request, task, perms) -> dict:
    entries = selectors.time_entry_list(user=request.user, task=task)
    totals = list(
        entries.order_by()
        .values("user_id", "user__first_name", "user__last_name", "user__email")
        .annotate(seconds=Sum("seconds"), entries=Count("id"))
        .order_by("-seconds", "user_id")
    )
    for row in totals:
        row["name"] = f"{row['user__first_name']} {row['user__last_name']}".strip() or row["user__email"]
    running = selectors.running_timer(user=request.user)
    spent = task.time_spent
    shown = list(entries[:TIME_ENTRIES_SHOWN])
    admin = is_portal_admin(request.user)
    for entry in shown:
        entry.deletable = bool(entry.ended_at) and (admin or entry.user_id == request.user.pk)
    return {
        "time_entries": shown,
        "time_entries_more": max(0, sum(r["entries"] for r in totals) - TIME_ENTRIES_SHOWN),
        "time_totals": totals,
        "running_timer": running,
        "timer_here": bool(running and running.task_id == task.pk),
        "estimate_hours": task.time_estimate // 3600 if task.time_estimate else None,
        "estimate_minutes": (task.time_estimate % 3600) // 60 if task.time_estimate else None,
        "time_percent": min(100, round(100 * spent / task.time_estimate)) if task.time_estimate else 0,
    }


def _subtasks_context(request, task, perms) -> dict:
    return {
        "subtasks": list(selectors.subtask_list(user=request.user, task=task)),
        "create_subtask_url": reverse("tasks:create") + f"?parent={task.pk}",
    }


def _links_context(request, task, perms) -> dict:
    links = selectors.task_links(user=request.user, task=task)
    for link in links["before"]:
        link.other = link.predecessor
    for link in links["after"]:
        link.other = link.successor
    return {
        "link_groups": [
            (_("Before this task (it depends on them)"), links["before"], "before"),
            (_("After this task (they depend on it)"), links["after"], "after"),
        ],
        "link_form": LinkForm(),
    }


def _checklist_context(request, task, perms) -> dict:
    items = list(selectors.checklist_items(task=task))
    ids = [item.pk for item in items]
    for index, item in enumerate(items):
        # The orders a "move up"/"move down" button posts (no JavaScript needed to reorder).
        if index > 0:
            up = ids.copy()
            up[index - 1], up[index] = up[index], up[index - 1]
            item.order_up = ",".join(map(str, up))
        if index < len(ids) - 1:
            down = ids.copy()
            down[index + 1], down[index] = down[index], down[index + 1]
            item.order_down = ",".join(map(str, down))
        item.can_toggle = perms.participate or item.assignee_id == request.user.pk
    return {"checklist": items, "assignee_choices": _task_people(task)}


def _files_context(request, task, perms) -> dict:
    return {"files": list(selectors.file_list(task=task))}


def _comments_context(request, task, perms) -> dict:
    comments = selectors.comment_list(task=task)
    # An edit posted from the whole list keeps the whole list (the edited comment may be an early one).
    show_all = "all" in (request.GET.get("comments"), request.POST.get("comments"))
    total = task.comments_count
    if show_all:
        shown = list(comments)
    else:
        # The latest ones, oldest first.
        shown = list(reversed(list(comments.order_by("-created_at", "-id")[:COMMENTS_SHOWN])))
    return {
        "comments": shown,
        "comments_all": show_all,
        "comments_hidden": 0 if show_all else max(0, total - len(shown)),
    }


def _history_context(request, task, perms) -> dict:
    return {"history": list(selectors.task_history(task=task))}


BLOCKS: dict[str, Callable[..., dict]] = {
    "header": _header_context,
    "description": _description_context,
    "people": _people_context,
    "dates": _dates_context,
    "tags": _tags_context,
    "rules": _rules_context,
    "time": _time_context,
    "subtasks": _subtasks_context,
    "links": _links_context,
    "checklist": _checklist_context,
    "files": _files_context,
    "comments": _comments_context,
    "history": _history_context,
}


def _task_people(task) -> list:
    """Creator, responsible person and members (for the checklist's assignee choice)."""
    people = {task.creator_id: task.creator, task.responsible_id: task.responsible}
    for member in task.members.all():
        people.setdefault(member.user_id, member.user)
    return sorted(people.values(), key=lambda p: (p.full_name or p.email).lower())


def _block_context(request, task, blocks: Iterable[str]) -> dict:
    perms = selectors.task_permissions(user=request.user, task=task)
    # Each block's errors when the whole page comes back after a refused form (see _render_page).
    page_errors: dict[str, list[str]] = {name: [] for name in BLOCKS}
    context = {"task": task, "perms": perms, "nav_area": "tasks", "page_errors": page_errors}
    for block in blocks:
        context.update(BLOCKS[block](request, task, perms))
    return context


def _template(block: str) -> str:
    return f"tasks/partials/detail_{block}.html"


def _render_blocks(
    request, task, block: str, *, also: Iterable[str] = (), errors=(), extra=None
) -> HttpResponse:
    """The block and, out of band, the other blocks a change touched (the history always)."""
    others = [b for b in dict.fromkeys([*also, "history"]) if b != block]
    context = _block_context(request, task, [block, *others])
    context.update(extra or {})
    html = render_to_string(_template(block), {**context, "errors": list(errors)}, request)
    for other in others:
        html += render_to_string(_template(other), {**context, "errors": [], "oob": True}, request)
    return HttpResponse(html)


# Blocks whose template shows `page_errors[block]` next to the form when the whole page is rendered after a
# refused form (the others get the errors as messages at the top of the page).
PAGE_ERROR_BLOCKS = frozenset(
    {"description", "dates", "rules", "time", "links", "checklist", "files", "comments"}
)


def _render_page(request, task, block: str, *, errors: list[str], extra: dict) -> HttpResponse:
    """The whole page after a refused form without htmx: the form keeps what was typed (`extra`)."""
    context = _block_context(request, task, BLOCKS)
    context.update(extra)
    if block in PAGE_ERROR_BLOCKS:
        context["page_errors"][block] = errors
    else:
        for error in errors:
            messages.error(request, error)
    return render(request, "tasks/task_detail.html", context)


def _respond(
    request,
    pk: int,
    block: str,
    *,
    errors=(),
    also: Iterable[str] = (),
    success: str = "",
    extra: dict | None = None,
    keep: dict | None = None,
) -> HttpResponse:
    """After a write: the re-rendered block for htmx, else back to the page with a message.

    `keep` puts what the person typed back into the block's form when there are errors (the bound form under
    the name the block's template reads, e.g. {"dates_form": form}); without htmx the page is then rendered
    with it instead of a redirect."""
    errors = list(errors)
    if errors and keep:
        extra = {**(extra or {}), **keep}
    if request.htmx:
        try:
            task = selectors.task_get(user=request.user, pk=pk)
        except Http404:
            # The change took the task out of the user's sight.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("tasks:home")
            return response
        return _render_blocks(request, task, block, also=also, errors=errors, extra=extra)
    if errors and keep:
        try:
            task = selectors.task_get(user=request.user, pk=pk)
        except Http404:
            return redirect("tasks:home")
        return _render_page(request, task, block, errors=errors, extra=extra or {})
    for error in errors:
        messages.error(request, error)
    if success and not errors:
        messages.success(request, success)
    try:
        selectors.task_get_plain(user=request.user, pk=pk)
    except Http404:
        return redirect("tasks:home")
    return redirect(reverse("tasks:detail", args=[pk]) + f"#task-{block}")


def _attempt(call: Callable[[], object]) -> list[str]:
    """Run a service call; its ValidationError becomes the block's error lines (nothing was written)."""
    try:
        call()
    except ValidationError as exc:
        return list(exc.messages)
    return []


def _task(request, pk):
    return selectors.task_get(user=request.user, pk=pk)


def _same_minute(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)


# --- the page ------------------------------------------------------------------------------------------


@login_required
@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole task page. Looking at it marks the task's comments as seen."""
    task = _task(request, pk)
    services.task_mark_seen(user=request.user, task=task)
    context = _block_context(request, task, BLOCKS)
    action = request.GET.get("action", "")
    if request.GET.get("ask") == "open_subtasks" and action in ACTION_BUTTONS:
        # Without htmx the question comes back as a page (see task_action).
        context["open_subtasks_question"] = {"action": action, "comment": "", "text": ""}
    return render(request, "tasks/task_detail.html", context)


@login_required
@require_GET
def task_block(request: HttpRequest, pk: int, block: str) -> HttpResponse:
    """One block of the page on its own (htmx refreshes, "show all comments")."""
    if block not in BLOCKS:
        raise Http404("No such part of the task page.")
    task = _task(request, pk)
    if block == "comments":
        services.task_mark_seen(user=request.user, task=task)
    context = _block_context(request, task, [block])
    if not request.htmx:
        return redirect(reverse("tasks:detail", args=[pk]) + f"#task-{block}")
    return render(request, _template(block), context)


# --- header: title, status, delete ---------------------------------------------------------------------


@login_required
@require_POST
def task_title(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = TitleForm(request.POST)
    if not form.is_valid():
        return _respond(request, pk, "header", errors=form_errors(form))
    title = form.cleaned_data["title"]
    # A value equal to the current one changes nothing (the service needs no right for it).
    errors = _attempt(lambda: services.task_update(actor=request.user, task=task, title=title))
    return _respond(request, pk, "header", errors=errors, success=_("Saved."))


@login_required
@require_POST
def task_action(request: HttpRequest, pk: int) -> HttpResponse:
    """A status button. Completing a parent with open subtasks asks first (complete them too / keep)."""
    task = _task(request, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return _respond(request, pk, "header", errors=form_errors(form))
    data = form.cleaned_data
    try:
        services.task_transition(
            actor=request.user,
            task=task,
            action=data["action"],
            comment=data["comment"],
            open_subtasks=data["open_subtasks"] or None,
        )
    except ValidationError as exc:
        asks = (
            "open_subtasks" in getattr(exc, "error_dict", {}) or getattr(exc, "code", "") == "open_subtasks"
        )
        if asks and request.htmx:
            question = {"action": data["action"], "comment": data["comment"], "text": " ".join(exc.messages)}
            return _respond(request, pk, "header", extra={"open_subtasks_question": question})
        if asks:
            messages.warning(request, " ".join(exc.messages))
            url = reverse("tasks:detail", args=[pk])
            return redirect(f"{url}?ask=open_subtasks&action={data['action']}#task-header")
        return _respond(request, pk, "header", errors=list(exc.messages))
    label = ACTION_BUTTONS[data["action"]][0]
    return _respond(
        request,
        pk,
        "header",
        also=("subtasks", "dates", "time", "comments", "checklist"),
        success=_("Done: %(action)s.") % {"action": label},
    )


@login_required
@require_POST
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    errors = _attempt(lambda: services.task_delete(actor=request.user, task=task))
    if errors:
        return _respond(request, pk, "header", errors=errors)
    messages.success(request, _("The task “%(title)s” is deleted.") % {"title": task.title})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("tasks:home")
        return response
    return redirect("tasks:home")


# --- description, people, dates, tags, rules ------------------------------------------------------------


@login_required
@require_POST
def task_description(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = DescriptionForm(request.POST)
    keep = {"description_form": form}
    if not form.is_valid():
        return _respond(request, pk, "description", errors=form_errors(form), keep=keep)
    text = form.cleaned_data["description"]
    errors = _attempt(lambda: services.task_update(actor=request.user, task=task, description=text))
    return _respond(request, pk, "description", errors=errors, keep=keep, success=_("Saved."))


@login_required
@require_POST
def task_people(request: HttpRequest, pk: int) -> HttpResponse:
    """Responsible person, participants and observers in one go (all or nothing)."""
    task = _task(request, pk)
    form = PeopleForm(request.POST)
    if not form.is_valid():
        return _respond(request, pk, "people", errors=form_errors(form))
    data = form.cleaned_data

    def save():
        with transaction.atomic():
            services.task_update(actor=request.user, task=task, responsible=data["responsible"])
            services.task_set_members(
                actor=request.user,
                task=task,
                participants=list(data["participants"]),
                observers=list(data["observers"]),
            )

    errors = _attempt(save)
    return _respond(request, pk, "people", errors=errors, also=("header", "checklist"), success=_("Saved."))


@login_required
@require_GET
def people_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Colleagues matching ?q= for the people block's picker (checkboxes or radios to add)."""
    from portal.stream.selectors import mention_candidates

    task = _task(request, pk)
    field = request.GET.get("field", "participants")
    if field not in ("participants", "observers", "responsible"):
        raise Http404("No such field.")
    people = list(mention_candidates(user=request.user, query=request.GET.get("q", ""), limit=PICKER_LIMIT))
    return render(
        request,
        "tasks/partials/detail_people_results.html",
        {"task": task, "people": people, "field": field, "query": request.GET.get("q", "").strip()},
    )


@login_required
@require_POST
def task_dates(request: HttpRequest, pk: int) -> HttpResponse:
    """Deadline and planned dates; dependent tasks shift or are only flagged, as the person chooses."""
    task = _task(request, pk)
    form = DatesForm(request.POST)
    keep = {"dates_form": form}
    if not form.is_valid():
        return _respond(request, pk, "dates", errors=form_errors(form), keep=keep)
    changes = {
        name: form.cleaned_data[name]
        for name in ("deadline", "planned_start", "planned_end")
        if name in request.POST and not _same_minute(form.cleaned_data[name], getattr(task, name))
    }
    policy = form.cleaned_data["dependants"] or DependantsPolicy.SHIFT
    errors, flagged = [], []
    if changes:

        def reschedule():
            result = services.task_reschedule(actor=request.user, task=task, dependants=policy, **changes)
            flagged.extend(getattr(result, "flagged", ()))

        errors = _attempt(reschedule)
    notice = ""
    if flagged and not errors:
        # Dependants the person may not reschedule stayed where they were: say which (hidden ones counted only).
        from .views_boards import flagged_notice

        notice = flagged_notice(selectors.task_refs(user=request.user, tasks=flagged))
        if not request.htmx:
            messages.warning(request, notice)
    return _respond(
        request,
        pk,
        "dates",
        errors=errors,
        keep=keep,
        also=("links", "header"),
        success=_("Saved."),
        extra={"dates_notice": notice} if notice else None,
    )


@login_required
@require_POST
def task_tags(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = TagsForm(request.POST)
    keep = {"tag_names": request.POST.get("tags", "")}  # what the block's input shows
    if not form.is_valid():
        return _respond(request, pk, "tags", errors=form_errors(form), keep=keep)
    names = form.names()
    # A name the task already carries (or a shared tag of the task's group) keeps that tag; other names
    # become the person's own tags.
    known: dict[str, object] = {}
    candidates = selectors.tag_list(user=request.user).filter(
        Q(task_tags__task=task) | Q(group_id=task.group_id, group__isnull=False)
    )
    for tag in candidates.distinct():
        known.setdefault(tag.name.casefold(), tag)
    kept = [known[n.casefold()] for n in names if n.casefold() in known]
    new_names = [n for n in names if n.casefold() not in known]

    def save():
        with transaction.atomic():
            created = services.tags_resolve(actor=request.user, names=new_names) if new_names else []
            services.task_set_tags(actor=request.user, task=task, tags=[*kept, *created])

    return _respond(request, pk, "tags", errors=_attempt(save), keep=keep, success=_("Saved."))


@login_required
@require_POST
def task_rules(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = RulesForm(request.POST)
    keep = {"rules_form": form}
    if not form.is_valid():
        return _respond(request, pk, "rules", errors=form_errors(form), keep=keep)
    errors = _attempt(lambda: services.task_update(actor=request.user, task=task, **form.cleaned_data))
    return _respond(
        request, pk, "rules", errors=errors, keep=keep, also=("header", "dates"), success=_("Saved.")
    )


# --- time ---------------------------------------------------------------------------------------------


@login_required
@require_POST
def task_estimate(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = EstimateForm(request.POST)
    keep = {"estimate_form": form}
    if not form.is_valid():
        return _respond(request, pk, "time", errors=form_errors(form), keep=keep)
    estimate = form.estimate()
    errors = _attempt(lambda: services.task_update(actor=request.user, task=task, time_estimate=estimate))
    return _respond(request, pk, "time", errors=errors, keep=keep, success=_("Saved."))


@login_required
@require_POST
def timer_start(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    errors = _attempt(lambda: services.timer_start(actor=request.user, task=task))
    return _respond(request, pk, "time", errors=errors, success=_("The timer runs."))


@login_required
@require_POST
def timer_stop(request: HttpRequest, pk: int) -> HttpResponse:
    _task(request, pk)
    errors = _attempt(lambda: services.timer_stop(actor=request.user))
    return _respond(request, pk, "time", errors=errors, success=_("The timer is stopped."))


@login_required
@require_POST
def time_entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = TimeEntryForm(request.POST)
    keep = {"time_form": form}
    if not form.is_valid():
        return _respond(request, pk, "time", errors=form_errors(form), keep=keep)
    errors = _attempt(
        lambda: services.time_entry_add(
            actor=request.user, task=task, seconds=form.seconds(), comment=form.cleaned_data["comment"]
        )
    )
    return _respond(request, pk, "time", errors=errors, keep=keep, success=_("Time added."))


@login_required
@require_POST
def time_entry_delete(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    _task(request, pk)
    entry = selectors.time_entry_get(user=request.user, pk=entry_pk)
    if entry.task_id != pk:
        raise Http404("No such time entry in this task.")
    errors = _attempt(lambda: services.time_entry_delete(actor=request.user, entry=entry))
    return _respond(request, pk, "time", errors=errors, success=_("Time entry deleted."))


# --- links --------------------------------------------------------------------------------------------


@login_required
@require_POST
def link_add(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = LinkForm(request.POST)
    keep = {"link_form": form}
    if not form.is_valid():
        return _respond(request, pk, "links", errors=form_errors(form), keep=keep)
    data = form.cleaned_data
    try:
        other = selectors.task_get_plain(user=request.user, pk=data["other"])
    except Http404:
        errors = [_("There is no task #%(id)s you can see.") % {"id": data["other"]}]
        return _respond(request, pk, "links", errors=errors, keep=keep)
    before = data["direction"] == "before"
    errors = _attempt(
        lambda: services.link_create(
            actor=request.user,
            predecessor=other if before else task,
            successor=task if before else other,
            kind=data["kind"],
        )
    )
    return _respond(request, pk, "links", errors=errors, keep=keep, success=_("Link added."))


@login_required
@require_POST
def link_delete(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    _task(request, pk)
    link = selectors.link_get(user=request.user, pk=link_pk)
    if pk not in (link.predecessor_id, link.successor_id):
        raise Http404("No such link of this task.")
    errors = _attempt(lambda: services.link_delete(actor=request.user, link=link))
    return _respond(request, pk, "links", errors=errors, success=_("Link removed."))


@login_required
@require_GET
def link_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Visible tasks matching ?q= (words of the title, or a task number) to link to this one."""
    task = _task(request, pk)
    query = request.GET.get("q", "").strip().lstrip("#")
    results = []
    if query.isdecimal():
        results = list(selectors.task_list(user=request.user).filter(pk=int(query)).exclude(pk=task.pk))
    elif len(query) >= 2:
        results = list(selectors.task_list(user=request.user, filters={"q": query}).exclude(pk=task.pk)[:10])
    return render(request, "tasks/partials/detail_link_results.html", {"task": task, "results": results})


# --- checklist ----------------------------------------------------------------------------------------


def _item(request, pk, item_pk):
    _task(request, pk)
    item = selectors.checklist_item_get(user=request.user, pk=item_pk)
    if item.task_id != pk:
        raise Http404("No such checklist item in this task.")
    return item


@login_required
@require_POST
def checklist_add(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = ChecklistItemForm(request.POST)
    keep = {"checklist_form": form}
    if not form.is_valid():
        return _respond(request, pk, "checklist", errors=form_errors(form), keep=keep)
    data = form.cleaned_data
    errors = _attempt(
        lambda: services.checklist_item_add(
            actor=request.user, task=task, text=data["text"], assignee=data["assignee"]
        )
    )
    return _respond(request, pk, "checklist", errors=errors, keep=keep, success=_("Item added."))


@login_required
@require_POST
def checklist_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(request, pk, item_pk)
    form = ChecklistItemForm(request.POST)
    keep = {"checklist_edit_form": form, "checklist_edit_pk": item.pk}
    if not form.is_valid():
        return _respond(request, pk, "checklist", errors=form_errors(form), keep=keep)
    data = form.cleaned_data
    errors = _attempt(
        lambda: services.checklist_item_update(
            actor=request.user, item=item, text=data["text"], assignee=data["assignee"]
        )
    )
    return _respond(request, pk, "checklist", errors=errors, keep=keep, success=_("Saved."))


@login_required
@require_POST
def checklist_toggle(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(request, pk, item_pk)
    done = {"1": True, "0": False}.get(request.POST.get("done", ""))
    errors = _attempt(lambda: services.checklist_item_toggle(actor=request.user, item=item, done=done))
    return _respond(request, pk, "checklist", errors=errors)


@login_required
@require_POST
def checklist_delete(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(request, pk, item_pk)
    errors = _attempt(lambda: services.checklist_item_delete(actor=request.user, item=item))
    return _respond(request, pk, "checklist", errors=errors, success=_("Item deleted."))


@login_required
@require_POST
def checklist_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    """The new order of the items: repeated `item` fields (drag and drop) or `order` = "3,1,2" (buttons)."""
    task = _task(request, pk)
    ids = parse_ids(request.POST.getlist("item") + request.POST.getlist("order"))
    if not ids:
        return _respond(request, pk, "checklist", errors=[_("The new order of the items is missing.")])
    errors = _attempt(lambda: services.checklist_reorder(actor=request.user, task=task, item_ids=ids))
    return _respond(request, pk, "checklist", errors=errors)


# --- files --------------------------------------------------------------------------------------------


@login_required
@require_POST
def file_upload(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = FileForm(request.POST, request.FILES)
    # A browser cannot put a file back into a file input: the form only places the error next to it.
    keep = {"file_form": form}
    if not form.is_valid():
        return _respond(request, pk, "files", errors=form_errors(form), keep=keep)
    errors = _attempt(
        lambda: services.file_attach(actor=request.user, task=task, upload=form.cleaned_data["file"])
    )
    return _respond(request, pk, "files", errors=errors, keep=keep, success=_("File attached."))


def _file(request, pk, file_pk):
    _task(request, pk)
    task_file = selectors.file_get(user=request.user, pk=file_pk)
    if task_file.task_id != pk:
        raise Http404("No such file in this task.")
    return task_file


@login_required
@require_GET
def file_download(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    """Files leave only through this permission-checked view, always as attachments."""
    task_file = _file(request, pk, file_pk)
    return file_response(
        task_file.file,
        content_type=task_file.content_type,
        download_name=task_file.name,
        inline_allowed=False,
    )


@login_required
@require_POST
def file_delete(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    task_file = _file(request, pk, file_pk)
    errors = _attempt(lambda: services.file_delete(actor=request.user, file=task_file))
    return _respond(request, pk, "files", errors=errors, success=_("File deleted."))


# --- comments -----------------------------------------------------------------------------------------


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = CommentForm(request.POST)
    keep = {"comment_form": form}
    if not form.is_valid():
        return _respond(request, pk, "comments", errors=form_errors(form), keep=keep)
    errors = _attempt(
        lambda: services.comment_add(actor=request.user, task=task, body=form.cleaned_data["body"])
    )
    return _respond(request, pk, "comments", errors=errors, keep=keep, success=_("Comment added."))


def _comment(request, pk, comment_pk):
    _task(request, pk)
    comment = selectors.comment_get(user=request.user, pk=comment_pk)
    if comment.task_id != pk:
        raise Http404("No such comment in this task.")
    return comment


@login_required
@require_POST
def comment_edit(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    comment = _comment(request, pk, comment_pk)
    form = CommentForm(request.POST)
    keep = {"comment_edit_form": form, "comment_edit_pk": comment.pk}
    if not form.is_valid():
        return _respond(request, pk, "comments", errors=form_errors(form), keep=keep)
    errors = _attempt(
        lambda: services.comment_edit(actor=request.user, comment=comment, body=form.cleaned_data["body"])
    )
    return _respond(request, pk, "comments", errors=errors, keep=keep, success=_("Comment saved."))


@login_required
@require_POST
def comment_delete(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    comment = _comment(request, pk, comment_pk)
    errors = _attempt(lambda: services.comment_delete(actor=request.user, comment=comment))
    return _respond(request, pk, "comments", errors=errors, success=_("Comment deleted."))
