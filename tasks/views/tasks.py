"""Tasks: the role lists (with saved filters and bulk changes), the create/edit form, and the task page with
the parts that change the task itself (title, status action, delete, description, people, dates, tags,
rules, estimate). See `task_page` for how the page's blocks answer.
"""

from __future__ import annotations

from collections import Counter
from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.htmx import is_htmx, partial_or_redirect, redirect_htmx, render_htmx
from portal.core.links import url_for_pk
from portal.core.registry import registry

from .. import selectors, services
from ..choices import HANDED_IN_STATUSES, DependantsPolicy, TaskRole, TaskStatus
from ..filters import TaskFilterSet
from ..forms.fields import form_errors, group_choices
from ..forms.tasks import (
    ActionForm,
    DatesForm,
    DescriptionForm,
    EstimateForm,
    PeopleForm,
    ResponsibleFilterForm,
    RulesForm,
    TagsForm,
    TaskBulkForm,
    TaskForm,
    TitleForm,
    is_report,
    origin_of,
    report_initial,
    source_initial,
)
from ..models import Task
from ..templatetags.tasks_tags import (
    person_chip,
    priority_mark,
    status_badge,
    subtasks_progress_label,
    task_deadline,
)
from .boards import flagged_notice
from .task_page import (
    ACTION_BUTTONS,
    BLOCKS,
    _attempt,
    _block_context,
    _respond,
    _safe_next,
    _same_minute,
    _task,
    _template,
    _url_or_none,
)
from .templates import template_run

PAGE_SIZE = 50


DEFAULT_ROLE = TaskRole.DO


# Filters of the list page that live outside the filter form (tabs, sorting, paging).
NOT_IN_FORM = ("role", "sort", "page")


# The columns a row of the list page shows (`_list_rows`): never the description or the search text (large),
# nor whole rows of the people and the group.
LIST_ROW_ONLY = (
    "id", "title", "status", "priority", "deadline", "responsible_id", "group_id", "parent_id", "created_at",
    "schedule_conflict", "comments_count", "checklist_count", "checklist_done", "subtasks_count",
    "subtasks_done", "responsible__id", "responsible__first_name", "responsible__last_name",
    "responsible__email", "responsible__photo", "group__id", "group__name", "parent__id", "parent__title",
    "parent__creator_id", "parent__responsible_id",
)  # fmt: skip


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
    # One FilterSet for the request: the list and the form. A role tab lists only tasks the person is named
    # on, which they always see: its query leaves the visibility rule out (`visible_in_role`).
    filterset = TaskFilterSet(params, queryset=Task.objects.visible_in_role(user, params["role"]), user=user)
    form = filterset.form
    valid = form.is_valid()
    if valid:
        tasks = selectors.task_list_sorted(filterset)
    else:
        usable = params.copy()
        for field in form.errors:
            usable.pop(field, None)
        tasks = selectors.task_list(user=user, filters=usable, decorate=False)
    tasks = selectors.task_list_decorate(tasks, user=user).select_related(None)
    tasks = tasks.select_related("responsible", "group", "parent").only(*LIST_ROW_ONLY)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    role = params["role"]
    counts = selectors.task_tab_counts(user=user)
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
    groups = list(group_choices(user).values_list("pk", "name"))
    tags = list(selectors.tag_list(user=user).values_list("pk", "name", "group__name"))
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
        "rows": _list_rows(request, page.object_list, user=user),
        "query": query.urlencode(),
        "board_query": board_query.urlencode(),
        "saved_filters": list(selectors.saved_filter_list(user=user)),
        "bulk_actions": TaskBulkForm.ACTION_CHOICES,
        # Person pickers: they render only the chosen person, never everyone the viewer may pick.
        "responsible_filter": ResponsibleFilterForm(params, user=user),
        "bulk_form": TaskBulkForm(user=user, auto_id="bulk-%s"),
        "groups": groups,
        "tags": tags,
        # The filter's and the bulk form's choices, built in one go: a company has hundreds of groups.
        "group_options": _options((pk, params.get("group") == str(pk), name) for pk, name in groups),
        "tag_filter_options": _options(
            (pk, str(pk) in selected_tags, f"#{name} · {group}" if group is not None else f"#{name}")
            for pk, name, group in tags
        ),
        "tag_options": _options((pk, False, f"#{name}") for pk, name, _group in tags),
        "selected_tags": selected_tags,
        "statuses": TaskStatus.choices,
        "selected_statuses": statuses,
        "board_urls": {
            "kanban": _url_or_none("tasks:kanban"),
            "plan": _url_or_none("tasks:plan"),
            "gantt": _url_or_none("tasks:gantt"),
        },
    }


def _options(choices) -> str:
    """`<option>`s of (id, selected, label) built in one go: a company has hundreds of groups and thousands of
    tags, and `format_html` per option was a visible share of the list page. Ids come from the database
    (integers); labels (plain strings from the database) are escaped as Django's `escape` does, without its
    lazy-string wrapper."""
    return mark_safe(
        "".join(
            f'<option value="{int(pk)}"{" selected" if selected else ""}>{escape(label)}</option>'
            for pk, selected, label in choices
        )
    )


def _visible_parents(tasks, user) -> set[int]:
    """Ids of the parents of `tasks` that `user` may see: a parent the viewer cannot see is not named (its
    title would leak a hidden task). Those the viewer is named on as creator or responsible person are
    known from the joined row; the others are asked of the visibility rule in one query (none without)."""
    known: set[int] = set()
    ask: set[int] = set()
    for task in tasks:
        if task.parent_id:
            parent = task.parent
            if user.pk in (parent.creator_id, parent.responsible_id):
                known.add(parent.pk)
            else:
                ask.add(parent.pk)
    if ask:
        known.update(Task.objects.visible_to(user).filter(pk__in=ask).values_list("pk", flat=True))
    return known


def _list_rows(request: HttpRequest, tasks, *, user) -> list[dict]:
    """What each row of the list shows, computed here once per page rather than by template tags per row:
    a status badge per status, a person chip per person, a group link per group and a filter link per tag
    are built once and reused; task links are one reversed prefix plus the id."""
    now = timezone.now()
    tasks = list(tasks)
    visible_parents = _visible_parents(tasks, user)
    badges: dict[str, str] = {}
    chips: dict[int | None, str] = {}
    groups: dict[int, dict] = {}
    tag_links: dict[int, str] = {}
    tag_params = request.GET.copy()
    tag_params.pop("page", None)
    rows = []
    for task in tasks:
        status = task.status
        if status not in badges:
            badges[status] = status_badge(status)
        if task.responsible_id not in chips:
            chips[task.responsible_id] = person_chip(task.responsible)
        group = None
        if task.group_id is not None:
            group = groups.get(task.group_id)
            if group is None:
                group = groups[task.group_id] = {
                    "name": task.group.name,
                    "url": task.group.get_absolute_url(),
                }
        tags = []
        for tag in task.tags.all():
            link = tag_links.get(tag.pk)
            if link is None:
                tag_params["tag"] = tag.pk
                link = tag_links[tag.pk] = "?" + tag_params.urlencode()
            tags.append({"pk": tag.pk, "name": tag.name, "link": link})
        created = timezone.localtime(task.created_at)
        parent_visible = task.parent_id in visible_parents
        rows.append(
            {
                "pk": task.pk,
                "title": task.title,
                "url": url_for_pk("tasks:detail", task.pk),
                "overdue": bool(task.deadline and status not in HANDED_IN_STATUSES and task.deadline < now),
                "priority": priority_mark(task),
                "comments_count": task.comments_count,
                "checklist_count": task.checklist_count,
                "checklist_done": task.checklist_done,
                "schedule_conflict": task.schedule_conflict,
                "parent_id": task.parent_id,
                "parent_visible": task.parent_id and parent_visible,
                "parent_title": task.parent.title if parent_visible else "",
                "parent_url": url_for_pk("tasks:detail", task.parent_id) if task.parent_id else "",
                "status": badges[status],
                "deadline": task_deadline(task),
                "responsible": chips[task.responsible_id],
                "group": group,
                "tags": tags,
                "subtasks_count": task.subtasks_count,
                "subtasks_progress": task.subtasks_progress,
                "subtasks_label": subtasks_progress_label(task),
                "created_title": formats.date_format(created, "DATETIME_FORMAT"),
                "created": formats.date_format(created, "SHORT_DATE_FORMAT"),
            }
        )
    texts = _row_texts()
    for row in rows:
        row["html"] = _row_html(row, texts)
    return rows


def _row_texts() -> dict[str, str]:
    """The words every row repeats, translated once per page (escaped: they land in attributes and text)."""
    return {
        key: escape(str(text))
        for key, text in (
            ("comments", _("Comments")),
            ("checklist", _("Checklist")),
            ("conflict", _("Conflicts with a linked task")),
            ("parent", _("Parent task")),
            ("hidden_parent", _("Subtask of a task you cannot see")),
            ("subtasks_done", _("Subtasks done")),
            ("select", _("Select %(title)s")),
        )
    }


OVERDUE_ROW = ' class="task-row-overdue"'


def _row_html(row: dict, texts: dict[str, str]) -> str:
    """One `<tr>` of the list, built in Python from the row's dict (a template loop over every cell of every
    row was most of the page's rendering). The markup `list_results.html` had for a row."""
    pk = int(row["pk"])
    parts = [
        f'<tr data-task="{pk}"{OVERDUE_ROW if row["overdue"] else ""}>',
        '<td class="text-center"><input class="form-check-input" type="checkbox" name="ids" '
        f'value="{pk}" form="bulk-form" data-bulk-row aria-label="'
        f'{texts["select"] % {"title": escape(row["title"])}}"></td>',
        f"<td>{row['priority']}</td>",
        '<td class="min-w-0"><a class="fw-semibold link-body-emphasis text-decoration-none" '
        f'href="{escape(row["url"])}">{escape(row["title"])}</a>',
    ]
    if row["comments_count"]:
        parts.append(
            f'<span class="small text-body-secondary ms-1" title="{texts["comments"]}"><i class="bi bi-chat" aria-hidden="true">'
            f"</i> {int(row['comments_count'])}</span>"
        )
    if row["checklist_count"]:
        parts.append(
            f'<span class="small text-body-secondary ms-1" title="{texts["checklist"]}"><i class="bi '
            f'bi-list-check" aria-hidden="true"></i> {int(row["checklist_done"])}/{int(row["checklist_count"])}</span>'
        )
    if row["schedule_conflict"]:
        parts.append(
            f'<span class="small text-warning ms-1" title="{texts["conflict"]}"><i class="bi '
            'bi-exclamation-triangle" aria-hidden="true"></i></span>'
        )
    if row["parent_id"]:
        parts.append(
            '<div class="small text-truncate task-parent lumen-maxw-32" '
            f'data-parent="{int(row["parent_id"])}">'
        )
        if row["parent_visible"]:
            parts.append(
                f'<a class="link-secondary text-decoration-none" href="{escape(row["parent_url"])}" '
                f'title="{texts["parent"]}">↳ {escape(row["parent_title"])}</a>'
            )
        else:
            parts.append(f'<span class="text-body-secondary">↳ {texts["hidden_parent"]}</span>')
        parts.append("</div>")
    parts.append(
        f"</td><td>{row['status']}</td>"
        f'<td class="small text-nowrap">{row["deadline"]}</td>'
        f'<td class="small">{row["responsible"]}</td>'
        '<td class="small d-none d-lg-table-cell">'
    )
    group = row["group"]
    if group:
        parts.append(f'<a class="link-secondary" href="{escape(group["url"])}">{escape(group["name"])}</a>')
    parts.append('</td><td class="small d-none d-md-table-cell">')
    for tag in row["tags"]:
        parts.append(
            '<a class="badge rounded-pill text-bg-light border text-decoration-none fw-normal me-1" '
            f'href="{escape(tag["link"])}" data-tag="{int(tag["pk"])}">#{escape(tag["name"])}</a>'
        )
    parts.append('</td><td class="small d-none d-md-table-cell lumen-minw-6">')
    if row["subtasks_count"]:
        progress = int(row["subtasks_progress"])
        parts.append(
            '<div class="progress lumen-progress-40" role="progressbar" '
            f'aria-label="{texts["subtasks_done"]}" aria-valuenow="{progress}" aria-valuemin="0" '
            f'aria-valuemax="100"><div class="progress-bar bg-success" data-width="{progress}"></div></div>'
            f'<span class="text-body-secondary">{escape(row["subtasks_label"])}</span>'
        )
    parts.append(
        '</td><td class="small text-end text-body-secondary text-nowrap" '
        f'title="{escape(row["created_title"])}">{escape(row["created"])}</td></tr>'
    )
    return mark_safe("".join(parts))


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    """The role lists ("I do" by default) with filters, sorting, saved filters and bulk actions."""
    context = _list_context(request)
    return render_htmx(
        request, "tasks/tasks/list.html", context, partial="tasks/tasks/partials/list_results.html"
    )


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


def _source_of(request: HttpRequest):
    """The chat message (?from_message=), stream post (?from_entry=) or registered origin (a work report:
    ?from_report=) a new task is made from; 404 when the user may not see it."""
    message_id = request.GET.get("from_message")
    if message_id:
        from portal.chat import selectors as chat_selectors

        return chat_selectors.message_get(user=request.user, pk=message_id)
    entry_id = request.GET.get("from_entry")
    if entry_id:
        from portal.stream import selectors as stream_selectors

        return stream_selectors.entry_get_plain(user=request.user, pk=entry_id)
    # Another app's object a task is made from (a work report: `registry.task_origins`).
    for origin in registry.task_origins:
        pk = request.GET.get(f"from_{origin.key}")
        if pk:
            return origin.get(user=request.user, pk=pk)
    return None


def _away_warning(request: HttpRequest, responsible, deadline) -> dict:
    """The warning under the form's responsible person when they are away on the deadline (today without
    one): {"away_person", "away"} or {} (`responsible` and `deadline` as the form holds or posts them)."""
    if isinstance(deadline, str):
        try:
            deadline = TaskForm.base_fields["deadline"].clean(deadline) if deadline.strip() else None
        except ValidationError:
            deadline = None
    if deadline is not None and timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline)
    found = selectors.responsible_away(
        user=request.user, responsible=getattr(responsible, "pk", responsible), deadline=deadline
    )
    if found is None:
        return {}
    person, away = found
    return {"away_person": person, "away": away}


def _form_context(request: HttpRequest, form: TaskForm, *, task=None, source=None, parent=None) -> dict:
    return {
        **_away_warning(request, form["responsible"].value(), form["deadline"].value()),
        "nav_area": "tasks",
        "form": form,
        "task": task,
        "source": source,
        "source_label": origin.label
        if source is not None and (origin := origin_of(source)) is not None
        else "",
        "parent": parent,
        "tag_names": list(
            selectors.tag_list(user=request.user).order_by("name").values_list("name", flat=True).distinct()
        ),
        "templates": list(selectors.template_list(user=request.user).order_by("title", "id")[:20])
        if task is None and source is None
        else [],
    }


@login_required
@require_GET
def task_responsible_away(request: HttpRequest) -> HttpResponse:
    """The task form asks (htmx, on a change of the responsible person or the deadline) whether the chosen
    person is away on the deadline: the warning, or nothing."""
    context = _away_warning(request, request.GET.get("responsible"), request.GET.get("deadline", ""))
    return render(request, "tasks/tasks/partials/away.html", context)


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
        # A registered origin may prefill the form itself (a CRM to-do: its deadline and responsible person).
        origin = origin_of(source)
        prefill = origin.initial if origin is not None and origin.initial is not None else source_initial
        initial.update(prefill(source))
    form = TaskForm(request.POST or None, user=request.user, source=source, initial=initial)
    if request.method == "POST" and form.is_valid():
        task = form.save(actor=request.user)
        if task is not None:
            messages.success(request, _("Task “%(title)s” created.") % {"title": task.title})
            if request.POST.get("another"):
                return redirect(request.get_full_path())
            return redirect(task)
    return render(
        request, "tasks/tasks/form.html", _form_context(request, form, source=source, parent=parent)
    )


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
        "tasks/tasks/form.html",
        _form_context(request, form, task=task, parent=task.parent if task.parent_visible else None),
    )


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
        context["open_subtasks_question"] = {
            "action": action,
            "comment": "",
            "text": "",
            "confirm_checklist": request.GET.get("confirm_checklist") == "1",
        }
    elif request.GET.get("ask") == "open_checklist" and action in ACTION_BUTTONS:
        context["open_checklist_question"] = {"action": action, "comment": "", "text": ""}
    return render(request, "tasks/task_page/detail.html", context)


@login_required
@require_GET
def task_block(request: HttpRequest, pk: int, block: str) -> HttpResponse:
    """One block of the page on its own (htmx refreshes, "show all comments")."""
    if block not in BLOCKS:
        raise Http404("No such part of the task page.")
    task = _task(request, pk)
    if block == "comments":
        services.task_mark_seen(user=request.user, task=task)
    return partial_or_redirect(
        request,
        reverse("tasks:detail", args=[pk]) + f"#task-{block}",
        partial=_template(block),
        context=lambda: _block_context(request, task, [block]),
    )


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
            confirm_checklist=data["confirm_checklist"],
        )
    except ValidationError as exc:
        # Open subtasks or open checklist items: the page asks, then posts the answer.
        fields = getattr(exc, "error_dict", {})
        asks = next(
            (q for q in ("open_checklist", "open_subtasks") if q in fields or getattr(exc, "code", "") == q),
            None,
        )
        if asks and is_htmx(request):  # the question is asked inline, in the header block
            question = {
                "action": data["action"],
                "comment": data["comment"],
                "text": " ".join(exc.messages),
                "confirm_checklist": data["confirm_checklist"],
            }
            return _respond(request, pk, "header", extra={f"{asks}_question": question})
        if asks:
            messages.warning(request, " ".join(exc.messages))
            url = reverse("tasks:detail", args=[pk])
            confirmed = "&confirm_checklist=1" if data["confirm_checklist"] else ""
            return redirect(f"{url}?ask={asks}&action={data['action']}{confirmed}#task-header")
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
    return redirect_htmx(request, "tasks:home")


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
    form = PeopleForm(request.POST, user=request.user)
    keep = {"people_form": form}
    if not form.is_valid():
        return _respond(request, pk, "people", errors=form_errors(form), keep=keep)
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
    return _respond(
        request, pk, "people", errors=errors, keep=keep, also=("header", "checklist"), success=_("Saved.")
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

        notice = flagged_notice(selectors.task_refs(user=request.user, tasks=flagged))
    return _respond(
        request,
        pk,
        "dates",
        errors=errors,
        keep=keep,
        also=("links", "header"),
        success=_("Saved."),
        warning=notice,
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
