"""CRM pages: the lists of leads, contacts, companies and deals (one view and template for the four), their
saved filters, the columns chooser, the bulk actions and the export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.errors import DomainError, NotFound
from portal.core.htmx import is_htmx, render_htmx

from .. import rights
from ..choices import Action, Entity, LeadStatus
from ..exports import FORMATS, csv_response, xlsx_response
from ..forms.lists import BulkForm, ColumnsForm, SavedFilterForm, bulk_actions, filter_form
from ..models import CrmSavedFilter, Pipeline, Stage
from ..selectors import exports as export_selectors
from ..selectors import lists as selectors
from ..services import bulk as bulk_services
from ..services import lists as services

TABS = {Entity.LEAD: "leads", Entity.CONTACT: "contacts", Entity.COMPANY: "companies", Entity.DEAL: "deals"}


def _spec(entity: str):
    return selectors.list_spec(entity)


def _list_url(spec, query: str = "") -> str:
    url = reverse(spec.url_route)
    return f"{url}?{query}" if query else url


def _back(request: HttpRequest, spec) -> str:
    """Where an action returns: the list as it was (a local URL only), else the plain list."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return _list_url(spec)


def _deal_stages(pipeline_id):
    """The stages offered by the deal list: of the chosen pipeline, else of every active pipeline."""
    stages = Stage.objects.select_related("pipeline").order_by("pipeline__sort", "pipeline_id", "sort", "id")
    if pipeline_id:
        stages = stages.filter(pipeline_id=pipeline_id)
    return stages


def _sort_links(page, query: QueryDict) -> list[dict]:
    """The header of each column: its label, and a link sorting by it (ascending, then descending)."""
    headers = []
    for column in page.columns:
        header = {"label": column.label, "key": column.key, "url": "", "state": ""}
        if column.sort:
            current = page.sort
            wanted = f"-{column.key}" if current == column.key else column.key
            params = query.copy()
            params["sort"] = wanted
            params.pop("page", None)
            header["url"] = f"?{params.urlencode()}"
            header["state"] = (
                "asc" if current == column.key else "desc" if current == f"-{column.key}" else ""
            )
        headers.append(header)
    return headers


def _page_links(page, query: QueryDict) -> dict:
    def at(number):
        params = query.copy()
        params["page"] = str(number)
        return f"?{params.urlencode()}"

    return {
        "previous": at(page.page - 1) if page.page > 1 else "",
        "next": at(page.page + 1) if page.has_next else "",
    }


def _results_context(request: HttpRequest, spec, page, bulk_form=None) -> dict:
    query = request.GET.copy()
    query.pop("page", None)
    entity = spec.entity
    may_edit = rights.may(request.user, entity, Action.EDIT) or rights.may(
        request.user, entity, Action.DELETE
    )
    stages = None
    if entity == Entity.DEAL and may_edit:
        stages = list(
            _deal_stages(
                request.GET.get("pipeline") if str(request.GET.get("pipeline", "")).isdecimal() else None
            )
        )
    return {
        "spec": spec,
        "page": page,
        "headers": _sort_links(page, request.GET),
        "pages": _page_links(page, request.GET),
        "query": query.urlencode(),
        "full_path": request.get_full_path(),
        "may_bulk": may_edit,
        "bulk_form": bulk_form or (BulkForm(entity=entity, user=request.user) if may_edit else None),
        "bulk_actions": bulk_actions(entity),
        "stages": stages,
        "statuses": [(v, label) for v, label in LeadStatus.choices if v != LeadStatus.CONVERTED],
        "may_export": rights.may(request.user, entity, Action.EXPORT),
        "formats": FORMATS,
    }


def _page_context(request: HttpRequest, spec, page) -> dict:
    form = filter_form(page.filterset, request.user)
    if spec.entity == Entity.DEAL:
        pipelines = list(Pipeline.objects.filter(is_active=True).order_by("sort", "name"))
        form.fields["pipeline"].widget = _select(
            [("", _("Any pipeline"))] + [(p.pk, p.name) for p in pipelines]
        )
        chosen = request.GET.get("pipeline")
        stages = _deal_stages(chosen if str(chosen or "").isdecimal() else None)
        form.fields["stage"].widget = _select(
            [("", _("Any stage"))]
            + [(s.pk, s.name if chosen else f"{s.pipeline.name}: {s.name}") for s in stages]
        )
    custom_names = [name for name in form.fields if name.startswith(selectors.CUSTOM_PREFIX)]
    return {
        "crm_tab": TABS[spec.entity],
        "nav_area": "crm",
        "filter_form": form,
        "main_fields": [form[name] for name in ("q",) if name in form.fields],
        "other_fields": [
            form[name]
            for name in form.fields
            if name != "q" and name not in custom_names and not _is_flag(form.fields[name])
        ],
        "flag_fields": [form[name] for name in form.fields if _is_flag(form.fields[name])],
        "custom_fields": [form[name] for name in custom_names],
        "saved_filters": CrmSavedFilter.objects.filter(user=request.user, entity=spec.entity).order_by(
            "name"
        ),
        "saved_form": SavedFilterForm(initial={"query": request.GET.urlencode()}),
        "may_create": rights.may(request.user, spec.entity, Action.ADD),
        "may_import": spec.entity != Entity.DEAL and rights.may(request.user, spec.entity, Action.IMPORT),
        "create_url": reverse(spec.create_route),
        "kanban_url": reverse("crm:deal_kanban") if spec.entity == Entity.DEAL else "",
    }


def _select(choices):
    from django import forms

    return forms.Select(choices=choices, attrs={"class": "form-select form-select-sm"})


def _is_flag(field) -> bool:
    from django import forms

    return isinstance(field.widget, forms.CheckboxInput)


def _page_number(request: HttpRequest) -> int:
    value = request.GET.get("page") or "1"
    return min(int(value), 10_000) if value.isdecimal() and int(value) > 0 else 1


@login_required
@require_GET
def record_list(request: HttpRequest, entity: str) -> HttpResponse:
    spec = _spec(entity)
    if not rights.may(request.user, spec.entity, Action.VIEW):
        raise NotFound()
    page = selectors.list_page(
        user=request.user, entity=spec.entity, data=request.GET, page=_page_number(request)
    )
    return render_htmx(
        request,
        "crm/lists/list.html",
        _results_context(request, spec, page),
        partial="crm/lists/partials/results.html",
        page_context=lambda: _page_context(request, spec, page),
    )


def list_view(entity: str):
    def view(request: HttpRequest) -> HttpResponse:
        return record_list(request, entity)

    view.__name__ = f"{entity}_list"
    return view


# --- saved filters --------------------------------------------------------------------------------------------


@login_required
@require_POST
def filter_save(request: HttpRequest, entity: str) -> HttpResponse:
    spec = _spec(entity)
    form = SavedFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the filter a name."))
        return redirect(_back(request, spec))
    try:
        saved = services.saved_filter_save(
            user=request.user,
            entity=spec.entity,
            name=form.cleaned_data["name"],
            query=form.cleaned_data["query"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_back(request, spec))
    messages.success(request, _("The filter “%(name)s” is saved.") % {"name": saved.name})
    return redirect(_list_url(spec, saved.query))


@login_required
@require_POST
def filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entity = services.saved_filter_delete(user=request.user, pk=pk)
    spec = _spec(entity)
    if is_htmx(request):
        return HttpResponse("")
    messages.success(request, _("The filter is deleted."))
    return redirect(_back(request, spec))


# --- columns -------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def columns(request: HttpRequest, entity: str) -> HttpResponse:
    spec = _spec(entity)
    available = selectors.available_columns(spec, selectors.custom_fields(spec.entity))
    chosen = [
        column.key for column in selectors.chosen_columns(user=request.user, spec=spec, available=available)
    ]
    form = ColumnsForm(request.POST or None, available=available, initial={"columns": chosen})
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data.get("reset"):
                services.list_columns_reset(user=request.user, entity=spec.entity)
            else:
                services.list_columns_set(
                    user=request.user, entity=spec.entity, columns=form.chosen(), available=available
                )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The columns are saved."))
            return redirect(_back(request, spec))
    ordered = chosen + [key for key in available if key not in chosen]
    return render_htmx(
        request,
        "crm/lists/columns.html",
        {
            "spec": spec,
            "form": form,
            "items": [(key, available[key].label, key in chosen) for key in ordered],
            "next": request.GET.get("next") or request.POST.get("next") or _list_url(spec),
            "crm_tab": TABS[spec.entity],
            "nav_area": "crm",
        },
        partial="crm/lists/partials/columns_form.html",
        status=400 if request.method == "POST" else 200,
        partial_status=200,
    )


# --- bulk actions --------------------------------------------------------------------------------------------


@login_required
@require_POST
def bulk(request: HttpRequest, entity: str) -> HttpResponse:
    spec = _spec(entity)
    stages = Stage.objects.all() if spec.entity == Entity.DEAL else None
    form = BulkForm(request.POST, entity=spec.entity, user=request.user, stages=stages)
    back = _back(request, spec)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(
                    request, error if field == "__all__" else f"{form.fields[field].label}: {error}"
                )
        return redirect(back)
    data = form.cleaned_data
    action, ids, user = data["action"], data["ids"], request.user
    try:
        if action == "assign":
            done = bulk_services.bulk_assign(
                actor=user, entity=spec.entity, ids=ids, responsible=data["responsible"]
            )
        elif action == "stage":
            done = bulk_services.bulk_stage(
                actor=user, ids=ids, stage=data["stage"], lost_reason=data["reason"]
            )
        elif action == "status":
            done = bulk_services.bulk_status(
                actor=user, ids=ids, status=data["status"], reason=data["reason"]
            )
        else:
            done = bulk_services.bulk_delete(actor=user, entity=spec.entity, ids=ids)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(
        request, ngettext("%(count)s record changed.", "%(count)s records changed.", done) % {"count": done}
    )
    return redirect(back)


# --- export --------------------------------------------------------------------------------------------------


@login_required
@require_GET
def export(request: HttpRequest, entity: str) -> HttpResponse:
    spec = _spec(entity)
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        raise NotFound()
    data = request.GET.copy()
    data.pop("format", None)
    headers, rows = export_selectors.export_rows(user=request.user, entity=spec.entity, data=data)
    filename = f"{TABS[spec.entity]}"
    if fmt == "xlsx":
        return xlsx_response(headers, rows, filename, title=str(spec.title))
    return csv_response(headers, rows, filename)


urls = [
    path("leads/", list_view(Entity.LEAD), name="lead_list"),
    path("contacts/", list_view(Entity.CONTACT), name="contact_list"),
    path("companies/", list_view(Entity.COMPANY), name="company_list"),
    path("deals/list/", list_view(Entity.DEAL), name="deal_list"),
    path("lists/<str:entity>/filters/", filter_save, name="list_filter_save"),
    path("lists/filters/<int:pk>/delete/", filter_delete, name="list_filter_delete"),
    path("lists/<str:entity>/columns/", columns, name="list_columns"),
    path("lists/<str:entity>/bulk/", bulk, name="list_bulk"),
    path("lists/<str:entity>/export/", export, name="list_export"),
]
