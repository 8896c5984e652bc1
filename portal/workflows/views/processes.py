"""Pages of the workflows app: processes. The list (mine / waiting for me / all I may see, with filters and the
export), starting one (the template's form), its page (the form as entered, the route picture, the history, the
action box), the actions (approve / reject / return / comment, withdraw), "edit and resubmit" after a return,
a new version of a revised file, and the permission-checked file download.

Thin views: reads through `selectors.processes`, writes through `services.processes` (the engine)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.attachments import AttachmentDownloadView
from portal.core.errors import Invalid, NotFound
from portal.core.htmx import is_htmx, redirect_htmx, render_htmx
from portal.core.permissions import get_visible

from ..choices import ProcessStatus, StepAction, TemplateKind
from ..definitions import field_defs, purpose_field
from ..exports import FORMATS, export_response
from ..filters.processes import SCOPES
from ..forms.processes import ProcessForm, balance_context
from ..models import Process, ProcessTemplate
from ..selectors import processes as selectors

NAV = {"nav_area": "workflows"}
PAGE_SIZE = 50


def _services():
    from ..services import processes

    return processes


def _page_number(request: HttpRequest) -> int:
    value = request.GET.get("page") or "1"
    return min(int(value), 10_000) if value.isdecimal() and int(value) > 0 else 1


def _scope(request: HttpRequest) -> str:
    scope = request.GET.get("scope", "mine")
    return scope if scope in SCOPES else "mine"


# --- the list ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def process_list(request: HttpRequest) -> HttpResponse:
    """The processes of a tab (mine, waiting for me, all I may see), filtered, a page at a time."""
    scope = _scope(request)
    data = request.GET.copy()
    data["scope"] = scope
    # A row shows neither the form's data nor the template's description: not read, nor decoded per row.
    queryset = selectors.process_list(user=request.user, filters=data).defer(*selectors.LIST_DEFERRED)
    page = Paginator(queryset, PAGE_SIZE).get_page(_page_number(request))
    query = data.copy()
    query.pop("page", None)
    context = {
        **NAV,
        "page": page,
        "processes": selectors.decorate(list(page.object_list), user=request.user),
        "scope": scope,
        "query": query.urlencode(),
        "export_links": [
            (fmt.upper(), f"{reverse('workflows:process_export')}?{_with(query, format=fmt)}")
            for fmt in FORMATS
        ],
        "previous_url": f"?{_with(query, page=page.previous_page_number())}" if page.has_previous() else "",
        "next_url": f"?{_with(query, page=page.next_page_number())}" if page.has_next() else "",
    }
    return render_htmx(
        request,
        "workflows/processes/list.html",
        context,
        partial="workflows/processes/partials/results.html",
        page_context=lambda: _list_page_context(request, scope, data),
    )


def _with(query, **changes) -> str:
    params = query.copy()
    for key, value in changes.items():
        params[key] = str(value)
    return params.urlencode()


def _list_page_context(request: HttpRequest, scope: str, data) -> dict:
    from portal.people.selectors import department_choices

    filterset = selectors.process_filterset(user=request.user, data=data)
    form = filterset.form
    templates = list(
        ProcessTemplate.objects.visible_to(request.user).order_by("name").values_list("pk", "name")
    )
    base = reverse("workflows:process_list")
    return {
        "filter_form": form,
        "templates": templates,
        "departments": department_choices(user=request.user),
        "statuses": ProcessStatus.choices,
        "kinds": TemplateKind.choices,
        "chosen_statuses": data.getlist("status"),
        "tabs": [
            {"key": key, "label": label, "url": f"{base}?{urlencode({'scope': key})}", "active": key == scope}
            for key, label in (
                ("mine", _("Mine")),
                ("waiting", _("Waiting for me")),
                ("all", _("All I may see")),
            )
        ],
        "filtered": any(data.get(name) for name in form.fields if name != "scope"),
    }


@login_required
@require_GET
def process_export(request: HttpRequest) -> HttpResponse:
    """The filtered list (the same filters as the page) as CSV or XLSX."""
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        raise NotFound()
    data = request.GET.copy()
    data.pop("format", None)
    data.setdefault("scope", "mine")
    headers, rows = selectors.export_rows(user=request.user, filters=data)
    return export_response(fmt, headers, rows, filename="processes", title=_("Processes"))


# --- starting one ------------------------------------------------------------------------------------------


def _startable(request: HttpRequest, template_id: int) -> ProcessTemplate:
    return get_visible(
        selectors.startable_templates(user=request.user).select_related("current_version"), pk=template_id
    )


def _form_page(request, form: ProcessForm, *, template, process=None, status: int = 200) -> HttpResponse:
    context = {
        **NAV,
        "form": form,
        "template": template,
        "process": process,
        "balance": _balance(request, form),
        "action_url": reverse("workflows:process_resubmit", args=[process.pk])
        if process
        else reverse("workflows:process_start", args=[template.pk]),
        "balance_url": reverse("workflows:process_start", args=[template.pk]),
        "return_action": _last_return(process) if process else None,
    }
    return render(request, "workflows/processes/form.html", context, status=status)


def _last_return(process: Process):
    from ..choices import ActionKind
    from ..models import ProcessAction

    return (
        ProcessAction.objects.filter(process=process, kind=ActionKind.RETURN)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )


def _balance(request: HttpRequest, form: ProcessForm) -> dict | None:
    """The leave balance beside a leave request's dates (nothing for other templates, or without absences)."""
    key = form.period_key
    if key is None or form.version.template.kind not in (TemplateKind.LEAVE,):
        return None
    start = end = None
    if form.is_bound:
        value = form.cleaned_data.get(key) if hasattr(form, "cleaned_data") else None
        if value:
            start, end = value
    else:
        initial = form.initial.get(key)
        if isinstance(initial, list | tuple) and len(initial) == 2:
            start, end = _date(initial[0]), _date(initial[1])
    return balance_context(request.user, start=start, end=end)


def _date(value):
    import datetime

    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _balance_partial(request: HttpRequest, template: ProcessTemplate) -> HttpResponse:
    """The leave balance again for dates being chosen (htmx, as the dates change)."""
    version = template.current_version
    period = purpose_field(field_defs(version), "period")
    start = end = None
    if period is not None:
        start = _date(request.GET.get(f"{period.key}_0"))
        end = _date(request.GET.get(f"{period.key}_1"))
    balance = balance_context(request.user, start=start, end=end)
    return render(request, "workflows/processes/partials/balance.html", {"balance": balance})


@login_required
@require_http_methods(["GET", "POST"])
def process_start(request: HttpRequest, template_id: int) -> HttpResponse:
    """The template's form; a valid one starts the process and leads to its page, a bad one shows the errors
    field by field and stores nothing."""
    template = _startable(request, template_id)
    if request.method == "GET" and is_htmx(request) and request.GET.get("balance"):
        return _balance_partial(request, template)
    version = template.current_version
    if request.method == "POST":
        form = ProcessForm(version=version, user=request.user, data=request.POST, files=request.FILES)
        if form.is_valid():
            data, uploads = form.cleaned_values()
            try:
                process = _services().process_start(
                    actor=request.user, template=template, data=data, uploads=uploads
                )
            except Invalid as exc:
                form.apply_errors(exc)
            else:
                for warning in form.warnings:
                    messages.warning(request, warning)
                messages.success(request, _("Your request is sent: “%(title)s”.") % {"title": process.title})
                return redirect(process.get_absolute_url())
        return _form_page(request, form, template=template, status=400)
    form = ProcessForm(version=version, user=request.user)
    return _form_page(request, form, template=template)


# --- the process's page ------------------------------------------------------------------------------------


def detail_context(request: HttpRequest, process: Process) -> dict:
    user = request.user
    allowed = list(_services().allowed_actions(user, process))
    acts = [a for a in allowed if a in StepAction.values]
    revised = purpose_field(field_defs(process.version), "revised_file")
    return {
        **NAV,
        "process": process,
        **selectors.process_page(process),
        "allowed": acts,
        "may_decide": any(a in acts for a in (StepAction.APPROVE, StepAction.REJECT, StepAction.RETURN)),
        "assignment": selectors.current_assignment(user=user, process=process) if acts else None,
        "is_requester": process.requester_id == user.pk,
        "may_withdraw": "withdraw" in allowed,
        "may_resubmit": "resubmit" in allowed,
        "revised_field": revised if revised is not None and "replace_file" in allowed else None,
    }


@login_required
@require_GET
def process_detail(request: HttpRequest, pk: int) -> HttpResponse:
    process = selectors.process_get(user=request.user, pk=pk)
    return render(request, "workflows/processes/detail.html", detail_context(request, process))


@login_required
@require_POST
def process_act(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve, reject, return for rework or comment (a comment is required to reject or return). From the
    "waiting for me" list (htmx) the answer is the list's row again, saying what happened; from the page, the
    page again. A step someone else decided first answers what they did."""
    process = selectors.process_get(user=request.user, pk=pk)
    action = request.POST.get("action", "")
    comment = (request.POST.get("comment") or "").strip()
    step = request.POST.get("step", "")
    in_list = is_htmx(request) and request.POST.get("from") == "list"
    error = done = ""
    if action not in StepAction.values:
        error = _("Choose what to do.")
    else:
        try:
            process = _services().process_act(
                actor=request.user,
                process=process,
                action=action,
                comment=comment,
                step_id=int(step) if step.isdecimal() else None,
            )
        except Invalid as exc:
            error = exc.fields.get("comment", [exc.message])[0] if exc.fields else exc.message
            if exc.code == "already_decided":
                error = exc.message
        else:
            done = {
                StepAction.APPROVE: _("Approved."),
                StepAction.REJECT: _("Rejected."),
                StepAction.RETURN: _("Returned for rework."),
                StepAction.COMMENT: _("Your comment is added."),
            }[action]
    if in_list:
        row = selectors.waiting_row(user=request.user, pk=process.pk)
        context = {"process": row, "done": done, "error": error, "action": action, "comment": comment}
        return render(request, "workflows/home/partials/waiting_row.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect_htmx(request, process.get_absolute_url())


@login_required
@require_POST
def process_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    process = selectors.process_get(user=request.user, pk=pk)
    try:
        _services().process_withdraw(
            actor=request.user, process=process, comment=(request.POST.get("comment") or "").strip()
        )
    except Invalid as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The request is withdrawn."))
    return redirect_htmx(request, process.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def process_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    """A returned request's form, prefilled, for its requester to edit and send again (a new round)."""
    process = selectors.process_get(user=request.user, pk=pk)
    if process.requester_id != request.user.pk:
        raise NotFound()
    if process.status != ProcessStatus.RETURNED:
        messages.info(request, _("The request is not waiting for your changes."))
        return redirect(process.get_absolute_url())
    template = process.template
    if request.method == "POST":
        form = ProcessForm(
            version=process.version,
            user=request.user,
            data=request.POST,
            files=request.FILES,
            initial=process.data,
            process=process,
        )
        if form.is_valid():
            data, uploads = form.cleaned_values()
            try:
                _services().process_resubmit(
                    actor=request.user,
                    process=process,
                    data=data,
                    uploads=uploads,
                    comment=(request.POST.get("resubmit_comment") or "").strip(),
                )
            except Invalid as exc:
                form.apply_errors(exc)
            else:
                for warning in form.warnings:
                    messages.warning(request, warning)
                messages.success(request, _("Your request is sent again."))
                return redirect(process.get_absolute_url())
        return _form_page(request, form, template=template, process=process, status=400)
    form = ProcessForm(version=process.version, user=request.user, initial=process.data, process=process)
    return _form_page(request, form, template=template, process=process)


@login_required
@require_POST
def process_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A new version of the process's revised file (a contract's draft): the approval runs again."""
    process = selectors.process_get(user=request.user, pk=pk)
    revised = purpose_field(field_defs(process.version), "revised_file")
    upload = request.FILES.get("file")
    if revised is None:
        messages.error(request, _("This request has no file to revise."))
    elif upload is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            _services().process_file_replace(
                actor=request.user, process=process, field=revised.key, upload=upload
            )
        except Invalid as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The new version is uploaded; the approval starts again."))
    return redirect_htmx(request, process.get_absolute_url())


class ProcessFileDownloadView(AttachmentDownloadView):
    """A process's file, for those who see the process (404 for the others)."""

    inline_allowed = True

    @staticmethod
    def queryset(request, **kwargs):
        return selectors.file_queryset(request.user)


urls = [
    path("processes/", process_list, name="process_list"),
    path("processes/export/", process_export, name="process_export"),
    path("start/<int:template_id>/", process_start, name="process_start"),
    path("processes/<int:pk>/", process_detail, name="process_detail"),
    path("processes/<int:pk>/act/", process_act, name="process_act"),
    path("processes/<int:pk>/withdraw/", process_withdraw, name="process_withdraw"),
    path("processes/<int:pk>/resubmit/", process_resubmit, name="process_resubmit"),
    path("processes/<int:pk>/file/", process_file, name="process_file"),
    path("files/<int:pk>/", ProcessFileDownloadView.as_view(), name="file_download"),
]
