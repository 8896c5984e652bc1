"""Tasks: how the task page (/tasks/<id>/) is put together, shared by the views of its parts.

The page is made of blocks (header, description, people, dates, tags, rules, time, subtasks, links,
checklist, files, comments, history), each a partial in tasks/templates/tasks/task_page/partials/<block>.html
with the element id "task-<block>". A POST to a block's endpoint calls one service and, for htmx, answers
with that block re-rendered (errors shown inside it) plus the blocks the change also touches as
out-of-band swaps; without htmx it redirects back to the page with a message. A form refused for bad input
comes back with what the person typed and the error next to it (for htmx in the block; without htmx in the
whole page, since a redirect would lose the input).

Every endpoint starts from a selector: a task the user may not see answers 404, and a service refusing a
visible task answers 403 (PermissionDenied).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from portal.core.errors import NotFound
from portal.core.htmx import is_htmx, partial_or_redirect, redirect_htmx
from portal.core.permissions import is_portal_admin

from .. import selectors
from ..choices import CLOSED_STATUSES, DependantsPolicy, MemberRole, OpenSubtasksPolicy, TaskPriority
from ..forms.links import LinkForm


def _url_or_none(name: str) -> str | None:
    """The boards' pages come from another part of the app: link them once their routes exist."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=False
    ):
        return target
    return fallback


COMMENTS_SHOWN = 100  # the latest comments on the page; "show all" loads the rest


TIME_ENTRIES_SHOWN = 20


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


# The page's fixed words, translated once per language (`page_words`) instead of by a {% translate %} per
# word and render: the blocks read them as `{{ words.<key> }}`.
PAGE_WORDS = {
    "checklist": gettext_lazy("Checklist"),
    "done": gettext_lazy("Done"),
    "undo": gettext_lazy("Undo"),
    "not_done": gettext_lazy("Not done"),
    "edit": gettext_lazy("Edit"),
    "item": gettext_lazy("Item"),
    "assignee": gettext_lazy("Assignee"),
    "nobody": gettext_lazy("Nobody"),
    "save": gettext_lazy("Save"),
    "move_up": gettext_lazy("Move up"),
    "move_down": gettext_lazy("Move down"),
    "delete": gettext_lazy("Delete"),
    "no_checklist_yet": gettext_lazy("No checklist yet."),
    "new_item": gettext_lazy("New item"),
    "add": gettext_lazy("Add"),
    "comments": gettext_lazy("Comments"),
    "edited": gettext_lazy("edited"),
    "comment": gettext_lazy("Comment"),
    "delete_this_comment": gettext_lazy("Delete this comment?"),
    "no_comments_yet": gettext_lazy("No comments yet."),
    "write_a_comment_mention_a_colleague_with": gettext_lazy(
        "Write a comment… @mention a colleague with the picker above"
    ),
    "send": gettext_lazy("Send"),
    "dates": gettext_lazy("Dates"),
    "deadline": gettext_lazy("Deadline"),
    "from_the_working_schedule": gettext_lazy("From the working schedule"),
    "planned_start": gettext_lazy("Planned start"),
    "planned_end": gettext_lazy("Planned end"),
    "started": gettext_lazy("Started"),
    "completed": gettext_lazy("Completed"),
    "a_task_this_one_depends_on_was_reschedul": gettext_lazy(
        "A task this one depends on was rescheduled: the dates no longer fit the links."
    ),
    "change_dates": gettext_lazy("Change dates"),
    "tasks_linked_after_this_one": gettext_lazy("Tasks linked after this one"),
    "description": gettext_lazy("Description"),
    "no_description": gettext_lazy("No description."),
    "edit_the_description": gettext_lazy("Edit the description"),
    "markdown_bold_italic_lists_links_https_c": gettext_lazy(
        "Markdown: **bold**, *italic*, lists, [links](https://…), `code`."
    ),
    "files": gettext_lazy("Files"),
    "delete_this_file": gettext_lazy("Delete this file?"),
    "no_files": gettext_lazy("No files."),
    "file": gettext_lazy("File"),
    "attach": gettext_lazy("Attach"),
    "tasks": gettext_lazy("Tasks"),
    "a_task_you_cannot_see": gettext_lazy("A task you cannot see"),
    "rename": gettext_lazy("Rename"),
    "title": gettext_lazy("Title"),
    "high_priority": gettext_lazy("High priority"),
    "overdue": gettext_lazy("Overdue"),
    "a_linked_task_was_rescheduled_check_the": gettext_lazy(
        "A linked task was rescheduled: check the dates."
    ),
    "schedule_conflict": gettext_lazy("Schedule conflict"),
    "the_task_is_done_and_waits_for_your_cont": gettext_lazy(
        "The task is done and waits for your control: accept the result or return it for rework."
    ),
    "this_task_has_subtasks_that_are_still_op": gettext_lazy(
        "This task has subtasks that are still open. What should happen to them?"
    ),
    "cancel": gettext_lazy("Cancel"),
    "why_do_you_decline_the_task": gettext_lazy("Why do you decline the task?"),
    "what_has_to_be_redone": gettext_lazy("What has to be redone?"),
    "delete_this_task_and_its_subtasks": gettext_lazy("Delete this task and its subtasks?"),
    "history": gettext_lazy("History"),
    "no_changes_recorded_yet": gettext_lazy("No changes recorded yet."),
    "linked_tasks": gettext_lazy("Linked tasks"),
    "remove_the_link": gettext_lazy("Remove the link"),
    "add_a_link": gettext_lazy("Add a link"),
    "the_other_task": gettext_lazy("The other task"),
    "kind": gettext_lazy("Kind"),
    "link": gettext_lazy("Link"),
    "people": gettext_lazy("People"),
    "responsible_person": gettext_lazy("Responsible person"),
    "participants": gettext_lazy("Participants"),
    "observers": gettext_lazy("Observers"),
    "created_by": gettext_lazy("Created by"),
    "change_people": gettext_lazy("Change people"),
    "rules": gettext_lazy("Rules"),
    "priority": gettext_lazy("Priority"),
    "responsible_person_may_change_the_deadli": gettext_lazy("Responsible person may change the deadline"),
    "task_requires_control_after_completion": gettext_lazy("Task requires control after completion"),
    "deadline_from_the_working_schedule": gettext_lazy("Deadline from the working schedule"),
    "change_rules": gettext_lazy("Change rules"),
    "a_complete_checklist_is_required": gettext_lazy("A complete checklist is required to complete the task"),
    "checklist_items_are_still_open_complete": gettext_lazy(
        "Checklist items are still open: complete the task anyway?"
    ),
    "complete_anyway": gettext_lazy("Complete anyway"),
    "back_to_the_checklist": gettext_lazy("Back to the checklist"),
    "task_requires_my_control_after_completio": gettext_lazy("Task requires my control after completion"),
    "subtasks": gettext_lazy("Subtasks"),
    "add_subtask": gettext_lazy("Add subtask"),
    "subtasks_closed": gettext_lazy("Subtasks closed"),
    "the_dates_no_longer_fit_the_links": gettext_lazy("The dates no longer fit the links"),
    "no_subtasks": gettext_lazy("No subtasks."),
    "tags": gettext_lazy("Tags"),
    "no_tags": gettext_lazy("No tags."),
    "change_tags": gettext_lazy("Change tags"),
    "design_urgent": gettext_lazy("design, urgent"),
    "tags_separated_by_commas": gettext_lazy("Tags, separated by commas"),
    "separate_tags_with_commas_new_names_beco": gettext_lazy(
        "Separate tags with commas; new names become your own tags."
    ),
    "time": gettext_lazy("Time"),
    "time_spent_of_the_estimate": gettext_lazy("Time spent of the estimate"),
    "more_time_is_spent_than_was_estimated": gettext_lazy("More time is spent than was estimated."),
    "stop_the_timer": gettext_lazy("Stop the timer"),
    "start_the_timer": gettext_lazy("Start the timer"),
    "running": gettext_lazy("running"),
    "timer": gettext_lazy("Timer"),
    "delete_this_time_entry": gettext_lazy("Delete this time entry?"),
    "no_time_logged_yet": gettext_lazy("No time logged yet."),
    "log_time": gettext_lazy("Log time"),
    "hours": gettext_lazy("Hours"),
    "h": gettext_lazy("h"),
    "minutes": gettext_lazy("Minutes"),
    "min": gettext_lazy("min"),
    "what_was_done_optional": gettext_lazy("What was done (optional)"),
    "estimate": gettext_lazy("Estimate"),
}


@functools.cache
def _page_words(language: str | None) -> dict[str, str]:
    return {key: str(word) for key, word in PAGE_WORDS.items()}


def page_words() -> dict[str, str]:
    """`PAGE_WORDS` in the active language (translated once per language and process)."""
    return _page_words(get_language())


# Labels of the source a task was made from, by "app_label.model".
SOURCE_LABELS = {
    "chat.message": gettext_lazy("Created from a chat message"),
    "stream.entry": gettext_lazy("Created from a post"),
    "reports.workreport": gettext_lazy("Created from a work report"),
}


def _url_or_empty(name: str, *args) -> str:
    """Routes owned by other parts of the app (the edit form): absent routes just hide their button."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _origin_for(model):
    """The registered task origin (a work report: `registry.task_origins`) of `model`, or None."""
    from portal.core.registry import registry

    return next((o for o in registry.task_origins if model is not None and o.model() is model), None)


def _source_link(task) -> dict | None:
    if not task.source_type_id or not task.source_id:
        return None
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_id(task.source_type_id)  # cached per process
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
    elif (origin := _origin_for(model)) is not None and task.source_id.isdecimal():
        url = origin.url(int(task.source_id))
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
    from ..markdown import render_markdown

    return {"description_html": render_markdown(task.description)}


def _people_context(request, task, perms) -> dict:
    from ..forms.tasks import PeopleForm

    members = list(task.members.all())  # prefetched by task_get
    participants = [m.user for m in members if m.role == MemberRole.PARTICIPANT]
    observers = [m.user for m in members if m.role == MemberRole.OBSERVER]
    # The responsible person away on the deadline (today without one): "Vacation until 12 Jan" by the chip.
    away = None
    if task.responsible is not None and task.status not in CLOSED_STATUSES:
        found = selectors.responsible_away(
            user=request.user, responsible=task.responsible, deadline=task.deadline
        )
        away = found[1] if found else None
    context = {"participants": participants, "observers": observers, "responsible_away": away}
    if perms.edit:
        # Chip pickers over the "people" lookup; a refused form comes back instead (`keep` in _respond).
        context["people_form"] = PeopleForm(
            initial={"responsible": task.responsible, "participants": participants, "observers": observers},
            user=request.user,
        )
    return context


def _dates_context(request, task, perms) -> dict:
    return {"dependants_choices": DependantsPolicy.choices}


def _tags_context(request, task, perms) -> dict:
    # Personal tags are their owner's: each person sees (and edits) the task's tags they may use.
    tags = list(
        selectors.tag_list(user=request.user)
        .filter(task_tags__task=task)
        .select_related(None)
        .only("id", "name")
    )
    return {"tags": tags, "tag_names": ", ".join(t.name for t in tags)}


def _rules_context(request, task, perms) -> dict:
    return {"priority_choices": TaskPriority.choices}


def _time_totals(entries) -> list[dict]:
    """Time per person of `entries` (all the task's entries), most first, as the aggregate query gives it."""
    totals: dict[int, dict] = {}
    for entry in entries:
        row = totals.setdefault(
            entry.user_id,
            {
                "user_id": entry.user_id,
                "user__first_name": entry.user.first_name,
                "user__last_name": entry.user.last_name,
                "user__email": entry.user.email,
                "seconds": 0,
                "entries": 0,
            },
        )
        row["seconds"] += entry.seconds
        row["entries"] += 1
    return sorted(totals.values(), key=lambda r: (-r["seconds"], r["user_id"]))


def _time_context(request, task, perms) -> dict:
    # One more entry than is shown: when they are all there, the totals are summed here, not in a query.
    shown, running = selectors.task_time_entries(user=request.user, task=task, limit=TIME_ENTRIES_SHOWN + 1)
    if len(shown) <= TIME_ENTRIES_SHOWN:
        totals = _time_totals(shown)
    else:
        shown = shown[:TIME_ENTRIES_SHOWN]
        # `task` came through `task_get`: its entries are all visible.
        entries = selectors.time_entry_list(user=request.user, task=task, task_visible=True)
        totals = list(
            entries.order_by()
            .values("user_id", "user__first_name", "user__last_name", "user__email")
            .annotate(seconds=Sum("seconds"), entries=Count("id"))
            .order_by("-seconds", "user_id")
        )
    for row in totals:
        row["name"] = f"{row['user__first_name']} {row['user__last_name']}".strip() or row["user__email"]
    spent = task.time_spent
    admin = is_portal_admin(request.user)
    for entry in shown:
        entry.task = task
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
        # The stored counts say when there is nothing to read (the page of most tasks).
        "subtasks": list(selectors.subtask_list(user=request.user, task=task)) if task.subtasks_count else [],
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
        "link_form": LinkForm(user=request.user),
    }


def _checklist_context(request, task, perms) -> dict:
    items = list(selectors.checklist_items(task=task)) if task.checklist_count else []
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
    return {"files": list(selectors.file_list(task=task)) if task.files_count else []}


COMMENT_FIELDS = (
    "id",
    "task_id",
    "author_id",
    "body",
    "created_at",
    "edited_at",
    *(f"author__{name}" for name in ("id", "first_name", "last_name", "email", "photo")),
)


def _comments_context(request, task, perms) -> dict:
    # What a comment shows of its author (name, avatar, profile link).
    comments = selectors.comment_list(task=task).only(*COMMENT_FIELDS)
    # An edit posted from the whole list keeps the whole list (the edited comment may be an early one).
    show_all = "all" in (request.GET.get("comments"), request.POST.get("comments"))
    total = task.comments_count
    if not total:
        shown = []
    elif show_all:
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
    context = {
        "task": task,
        "perms": perms,
        "nav_area": "tasks",
        "page_errors": page_errors,
        "words": page_words(),
    }
    for block in blocks:
        context.update(BLOCKS[block](request, task, perms))
    return context


def _template(block: str) -> str:
    return f"tasks/task_page/partials/{block}.html"


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
    return render(request, "tasks/task_page/detail.html", context)


def _respond(
    request,
    pk: int,
    block: str,
    *,
    errors=(),
    also: Iterable[str] = (),
    success: str = "",
    warning: str = "",
    extra: dict | None = None,
    keep: dict | None = None,
) -> HttpResponse:
    """After a write: the re-rendered block for htmx, else back to the page with a message.

    `keep` puts what the person typed back into the block's form when there are errors (the bound form under
    the name the block's template reads, e.g. {"dates_form": form}); without htmx the page is then rendered
    with it instead of a redirect. `warning` is flashed on the page only (the block shows its own notice)."""
    errors = list(errors)
    htmx = is_htmx(request)
    if errors and keep:
        extra = {**(extra or {}), **keep}
        if not htmx:
            try:
                task = selectors.task_get(user=request.user, pk=pk)
            except NotFound:
                return redirect("tasks:home")
            return _render_page(request, task, block, errors=errors, extra=extra)
    try:
        # The blocks need the whole task; the redirect only that the task is still in sight.
        task = (selectors.task_get if htmx else selectors.task_get_plain)(user=request.user, pk=pk)
        to = reverse("tasks:detail", args=[pk]) + f"#task-{block}"
    except NotFound:
        # The change took the task out of the user's sight: the whole page moves to the list.
        if htmx:
            return redirect_htmx(request, "tasks:home")
        task, to = None, "tasks:home"
    return partial_or_redirect(
        request,
        to,
        response=lambda: _render_blocks(request, task, block, also=also, errors=errors, extra=extra),
        errors=errors,
        warning=warning,
        success=success,
    )


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
