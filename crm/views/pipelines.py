"""CRM settings: pipelines and their stages (CRM administrators only; others get 404).

The stage editor lists the stages in their order: each row is a small form (name, kind, probability,
colour); rows are reordered by dragging (crm/kanban.js posts the new order) or with the up/down buttons."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.errors import Invalid

from .. import rights
from ..forms.pipelines import PipelineForm, StageForm
from ..models import Pipeline
from ..selectors import pipelines as selectors
from ..services import pipelines as services

NAV = {"nav_area": "crm", "crm_tab": "settings"}


def _require_admin(request: HttpRequest) -> None:
    if not rights.is_crm_admin(request.user):
        raise Http404("Not a CRM administrator.")


def _add_errors(form, exc: Invalid) -> None:
    if not exc.fields:
        form.add_error(None, exc.message)
    for key, errors in exc.fields.items():
        form.add_error(key if key in form.fields else None, errors)


@login_required
@require_GET
def pipeline_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    pipelines = selectors.pipeline_list(active_only=False).annotate(deal_count=Count("deals", distinct=True))
    return render(request, "crm/pipelines/list.html", {**NAV, "pipelines": pipelines})


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = PipelineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pipeline = services.pipeline_create(
                actor=request.user,
                name=data["name"],
                idle_days=data["idle_days"],
                is_default=data["is_default"],
            )
        except Invalid as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The pipeline is made with four stages: rename them as you need."))
            return redirect("crm:pipeline_edit", pk=pipeline.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/pipelines/create.html", {**NAV, "form": form}, status=status)


def _editor(
    request: HttpRequest, pipeline: Pipeline, form=None, stage_forms=None, new_stage=None, status=200
):
    stages = selectors.pipeline_stages_editor(pipeline)
    stage_forms = stage_forms or {}
    rows = [
        {
            "stage": stage,
            "form": stage_forms.get(stage.pk)
            or StageForm(
                initial={
                    "name": stage.name,
                    "kind": stage.kind,
                    "probability": stage.probability,
                    "color": stage.color,
                },
                prefix=f"stage-{stage.pk}",
            ),
            "first": index == 0,
            "last": index == len(stages) - 1,
        }
        for index, stage in enumerate(stages)
    ]
    form = form or PipelineForm(
        initial={
            "name": pipeline.name,
            "idle_days": pipeline.idle_days,
            "is_default": pipeline.is_default,
            "is_active": pipeline.is_active,
        }
    )
    context = {
        **NAV,
        "pipeline": pipeline,
        "form": form,
        "rows": rows,
        "new_stage": new_stage or StageForm(prefix="new"),
        "reorder_url": reverse("crm:stage_reorder", args=[pipeline.pk]),
    }
    return render(request, "crm/pipelines/edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    pipeline = selectors.pipeline_get(pk=pk)
    if request.method == "GET":
        return _editor(request, pipeline)
    form = PipelineForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.pipeline_update(
                actor=request.user,
                pipeline=pipeline,
                name=data["name"],
                idle_days=data["idle_days"],
                is_default=data["is_default"],
                is_active=data["is_active"],
            )
        except Invalid as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The pipeline is saved."))
            return redirect("crm:pipeline_edit", pk=pipeline.pk)
    return _editor(request, pipeline, form=form, status=400)


@login_required
@require_POST
def pipeline_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    pipeline = selectors.pipeline_get(pk=pk)
    try:
        services.pipeline_delete(actor=request.user, pipeline=pipeline)
    except Invalid as exc:
        messages.error(request, exc.message)
        return redirect("crm:pipeline_edit", pk=pipeline.pk)
    messages.success(request, _("The pipeline is deleted."))
    return redirect("crm:pipeline_list")


@login_required
@require_POST
def stage_create(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    pipeline = selectors.pipeline_get(pk=pk)
    form = StageForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            services.stage_create(actor=request.user, pipeline=pipeline, **form.cleaned_data)
        except Invalid as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The stage is added."))
            return redirect("crm:pipeline_edit", pk=pipeline.pk)
    return _editor(request, pipeline, new_stage=form, status=400)


@login_required
@require_POST
def stage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    stage = selectors.stage_get(pk=pk)
    form = StageForm(request.POST, prefix=f"stage-{stage.pk}")
    if form.is_valid():
        try:
            services.stage_update(actor=request.user, stage=stage, **form.cleaned_data)
        except Invalid as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The stage is saved."))
            return redirect("crm:pipeline_edit", pk=stage.pipeline_id)
    return _editor(request, stage.pipeline, stage_forms={stage.pk: form}, status=400)


@login_required
@require_POST
def stage_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    stage = selectors.stage_get(pk=pk)
    try:
        services.stage_delete(actor=request.user, stage=stage)
    except Invalid as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The stage is deleted."))
    return redirect("crm:pipeline_edit", pk=stage.pipeline_id)


@login_required
@require_POST
def stage_move(request: HttpRequest, pk: int) -> HttpResponse:
    """The up/down buttons beside a stage."""
    _require_admin(request)
    stage = selectors.stage_get(pk=pk)
    try:
        services.stage_move(actor=request.user, stage=stage, direction=request.POST.get("direction", ""))
    except Invalid as exc:
        messages.error(request, exc.message)
    return redirect("crm:pipeline_edit", pk=stage.pipeline_id)


@login_required
@require_POST
def stage_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    """The stages' new order after a drag (`stage` repeated, every stage once): JSON."""
    _require_admin(request)
    pipeline = selectors.pipeline_get(pk=pk)
    try:
        stages = services.stages_reorder(
            actor=request.user, pipeline=pipeline, stage_ids=request.POST.getlist("stage")
        )
    except Invalid as exc:
        body = {"error": {"status": 400, "code": "invalid", "message": exc.message, "fields": exc.fields}}
        return JsonResponse(body, status=400)
    return JsonResponse({"stages": [stage.pk for stage in stages]})


urls = [
    path("settings/pipelines/", pipeline_list, name="pipeline_list"),
    path("settings/pipelines/new/", pipeline_create, name="pipeline_create"),
    path("settings/pipelines/<int:pk>/", pipeline_edit, name="pipeline_edit"),
    path("settings/pipelines/<int:pk>/delete/", pipeline_delete, name="pipeline_delete"),
    path("settings/pipelines/<int:pk>/stages/", stage_create, name="stage_create"),
    path("settings/pipelines/<int:pk>/stages/order/", stage_reorder, name="stage_reorder"),
    path("settings/stages/<int:pk>/", stage_edit, name="stage_edit"),
    path("settings/stages/<int:pk>/delete/", stage_delete, name="stage_delete"),
    path("settings/stages/<int:pk>/move/", stage_move, name="stage_move"),
]
