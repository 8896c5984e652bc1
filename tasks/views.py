"""Task list pages: the role lists with filters, saved filters and bulk actions; the create and edit form
(also from a chat message, a stream post or a template); the templates pages.

Thin views: they read through selectors and write through services (via the forms). A task, template,
message or post the user may not see answers 404; a visible one without the right answers 403. An htmx
request of the list gets the results partial; anything else the whole page.
"""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import selectors, services
from .choices import TaskRole, TaskStatus
from .filters import TaskFilterSet
from .forms import (
    ResponsibleFilterForm,
    SavedFilterForm,
    TaskBulkForm,
    TaskForm,
    TaskTemplateForm,
    group_choices,
    source_initial,
)
from .forms_extras import is_report, report_initial
from .models import Task

PAGE_SIZE = 50
DEFAULT_ROLE = TaskRole.DO
# Filters of the list page that live outside the filter form (tabs, sorting, paging).
NOT_IN_FORM = ("role", "sort", "page")


def _htmx_partial(request: HttpRequest) -> bool:
    """An htmx swap of a part of the page (not a boosted navigation, not a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


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


# A subtask's row names its parent: only the parent's id and title come along, in the same query.
PARENT_DEFERRED = tuple(
    f"parent__{field.name}" for field in Task._meta.concrete_fields if field.name not in ("id", "title")
)


def _with_parents(tasks: QuerySet[Task], user) -> QuerySet[Task]:
    """Join each row's parent (id and title) and mark whether `user` may see it: a parent the viewer cannot
    see is not named (its title would leak a hidden task)."""
    visible_parent = Task.objects.visible_to(user).filter(pk=OuterRef("parent_id"))
    return (
        tasks.select_related("parent").defer(*PARENT_DEFERRED).annotate(parent_visible=Exists(visible_parent))
    )


def _list_params(request: HttpRequest) -> QueryDict:
    """The list's query: the role defaults to "I do", open tasks by default, several tags joined."""
    params = request.GET.copy()
    if params.get("role") not in TaskRole.values:
        params["role"] = DEFAULT_ROLE
    if "open" not in params:
        params["open"] = "true"
    tags = [part for value in params.getlist("tag") for part in value.split(",") if part.strip()]
    if tags:
        params["tag"] = ",".join(dict.fromkeys(tags))
    else:
        params.pop("tag", None)
    return params


def _list_context(request: HttpRequest) -> dict:
    user = request.user
    params = _list_params(request)
    filterset = TaskFilterSet(params, queryset=Task.objects.none(), user=user)
    form = filterset.form
    valid = form.is_valid()
    usable = params.copy()
    if not valid:
        for field in form.errors:
            usable.pop(field, None)
    tasks = _with_parents(selectors.task_list(user=user, filters=usable), user)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    role = params["role"]
    counts = selectors.task_role_counts(user=user)
    tab_params = params.copy()
    tab_params.pop("page", None)
    tabs = []
    for value, label in TaskRole.choices:
        tab_params["role"] = value
        count = counts[value]
        capped = count > selectors.ROLE_COUNT_CAP
        tabs.append(
            {
                "role": value,
                "label": label,
                "count": selectors.ROLE_COUNT_CAP if capped else count,
                "capped": capped,
                "query": tab_params.urlencode(),
            }
        )
    query = params.copy()
    query.pop("page", None)
    # The boards show closed tasks in their own columns: pass "open" on only when the person chose it.
    board_query = query.copy()
    if "open" not in request.GET:
        board_query.pop("open", None)
    selected_tags = set(params.get("tag", "").split(",")) if params.get("tag") else set()
    statuses = set(params.getlist("status"))
    return {
        "nav_area": "tasks",
        "role": role,
        "tabs": tabs,
        "filter_form": form,
        "filter_errors": [
            (form.fields[name].label if name in form.fields else name, errors)
            for name, errors in form.errors.items()
        ]
        if not valid
        else [],
        "params": params,
        "page_obj": page,
        "tasks": page.object_list,
        "query": query.urlencode(),
        "board_query": board_query.urlencode(),
        "saved_filters": list(selectors.saved_filter_list(user=user)),
        "bulk_actions": TaskBulkForm.ACTION_CHOICES,
        # Person pickers: they render only the chosen person, never everyone the viewer may pick.
        "responsible_filter": ResponsibleFilterForm(params, user=user),
        "bulk_form": TaskBulkForm(user=user, auto_id="bulk-%s"),
        "groups": list(group_choices(user)),
        "tags": list(selectors.tag_list(user=user)),
        "selected_tags": selected_tags,
        "statuses": TaskStatus.choices,
        "selected_statuses": statuses,
        "board_urls": {
            "kanban": _url_or_none("tasks:kanban"),
            "plan": _url_or_none("tasks:plan"),
            "gantt": _url_or_none("tasks:gantt"),
        },
    }


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    """The role lists ("I do" by default) with filters, sorting, saved filters and bulk actions."""
    context = _list_context(request)
    template = "tasks/partials/list_results.html" if _htmx_partial(request) else "tasks/task_list.html"
    return render(request, template, context)


# --- saved filters -----------------------------------------------------------------------------------


@login_required
@require_POST
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    form = SavedFilterForm(request.POST)
    query = request.POST.get("query", "")
    if form.is_valid():
        saved = form.save(actor=request.user)
        if saved is not None:
            messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
            return redirect(reverse("tasks:home") + (f"?{saved.query}" if saved.query else ""))
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(reverse("tasks:home") + (f"?{query}" if query else ""))


@login_required
@require_POST
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = selectors.saved_filter_get(user=request.user, pk=pk)
    services.saved_filter_delete(actor=request.user, saved_filter=saved)
    messages.success(request, _("Filter “%(name)s” deleted.") % {"name": saved.name})
    return redirect(_safe_next(request, reverse("tasks:home")))


# --- bulk actions ------------------------------------------------------------------------------------


def _bulk_report(result: services.BulkResult) -> tuple[str, list[str]]:
    """The summary ("N changed, M skipped") and the reasons, each with how many tasks it stopped."""
    changed = ngettext("%(n)d task changed", "%(n)d tasks changed", len(result.done)) % {
        "n": len(result.done)
    }
    skipped = len(result.skipped)
    if not skipped:
        return changed, []
    summary = changed + ", " + ngettext("%(n)d skipped", "%(n)d skipped", skipped) % {"n": skipped}
    reasons = [f"{reason} ({count})" for reason, count in Counter(result.skipped.values()).most_common()]
    return summary, reasons


@login_required
@require_POST
def task_bulk(request: HttpRequest) -> HttpResponse:
    """Apply one change to the selected tasks and report what changed and what was skipped, and why."""
    form = TaskBulkForm(request.POST, user=request.user)
    target = _safe_next(request, reverse("tasks:home"))
    if form.is_valid():
        result = form.save(actor=request.user)
        if result is not None:
            summary, reasons = _bulk_report(result)
            if reasons:
                messages.warning(request, summary + ": " + "; ".join(reasons))
            else:
                messages.success(request, summary + ".")
            return redirect(target)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(target)


# --- create and edit ---------------------------------------------------------------------------------


def _source_of(request: HttpRequest):
    """The chat message (?from_message=), stream post (?from_entry=) or work report (?from_report=) a new
    task is made from; 404 when the user may not see it."""
    message_id = request.GET.get("from_message")
    if message_id:
        from portal.chat import selectors as chat_selectors

        return chat_selectors.message_get(user=request.user, pk=message_id)
    entry_id = request.GET.get("from_entry")
    if entry_id:
        from portal.stream import selectors as stream_selectors

        return stream_selectors.entry_get_plain(user=request.user, pk=entry_id)
    report_id = request.GET.get("from_report")
    if report_id:
        from reports import selectors as report_selectors

        return report_selectors.report_get(user=request.user, pk=report_id)
    return None


def _form_context(request: HttpRequest, form: TaskForm, *, task=None, source=None, parent=None) -> dict:
    return {
        "nav_area": "tasks",
        "form": form,
        "task": task,
        "source": source,
        "parent": parent,
        "tag_names": list(
            selectors.tag_list(user=request.user).order_by("name").values_list("name", flat=True).distinct()
        ),
        "templates": list(selectors.template_list(user=request.user).order_by("title", "id")[:20])
        if task is None and source is None
        else [],
    }


@login_required
@require_http_methods(["GET", "POST"])
def task_create(request: HttpRequest) -> HttpResponse:
    """The new-task form; ?parent= makes a subtask, ?from_message= / ?from_entry= quote the source,
    ?from_report=&part=&line= quotes a line of a work report, ?template= creates the task from one of my
    templates."""
    if request.GET.get("template"):
        return template_run(request, request.GET["template"])
    source = _source_of(request)
    initial: dict = {}
    parent = None
    if request.GET.get("parent"):
        parent = selectors.task_get_plain(user=request.user, pk=request.GET["parent"])
        initial.update({"parent": parent.pk, "group": parent.group_id})
    if is_report(source):
        initial.update(report_initial(source, part=request.GET.get("part"), line=request.GET.get("line")))
    elif source is not None:
        initial.update(source_initial(source))
    form = TaskForm(request.POST or None, user=request.user, source=source, initial=initial)
    if request.method == "POST" and form.is_valid():
        task = form.save(actor=request.user)
        if task is not None:
            messages.success(request, _("Task “%(title)s” created.") % {"title": task.title})
            if request.POST.get("another"):
                return redirect(request.get_full_path())
            return redirect(task)
    return render(request, "tasks/task_form.html", _form_context(request, form, source=source, parent=parent))


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a task as a whole (its creator and admins); the task page edits its parts in place."""
    task = selectors.task_get(user=request.user, pk=pk)
    if not selectors.can_edit(request.user, task):
        raise PermissionDenied(_("Only the task's creator changes it as a whole."))
    form = TaskForm(request.POST or None, user=request.user, task=task)
    if request.method == "POST" and form.is_valid():
        if form.save(actor=request.user) is not None:
            messages.success(request, _("Saved."))
            return redirect(task)
    return render(
        request,
        "tasks/task_form.html",
        _form_context(request, form, task=task, parent=task.parent if task.parent_visible else None),
    )


# --- templates ---------------------------------------------------------------------------------------


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    templates = selectors.template_list(user=request.user).order_by("title", "id")
    return render(request, "tasks/template_list.html", {"nav_area": "tasks", "templates": templates})


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    form = TaskTemplateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        template = form.save(actor=request.user)
        if template is not None:
            messages.success(request, _("Template “%(title)s” saved.") % {"title": template.title})
            return redirect("tasks:templates")
    return render(request, "tasks/template_form.html", {"nav_area": "tasks", "form": form, "template": None})


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
        request, "tasks/template_form.html", {"nav_area": "tasks", "form": form, "template": template}
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
    return render(request, "tasks/template_run.html", context, status=400 if errors else 200)
