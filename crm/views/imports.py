"""CRM pages: importing leads, contacts and companies (upload → columns → preview → run → report)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.errors import Invalid, NotFound

from .. import rights
from ..choices import Action, ImportStatus
from ..exports import csv_response
from ..forms.imports import ImportMappingForm, ImportUploadForm
from ..selectors import imports as selectors
from ..services import imports as services

CONTEXT = {"crm_tab": "", "nav_area": "crm"}


def _entities(user) -> list[str]:
    return [entity for entity in services.ENTITIES if rights.may(user, entity, Action.IMPORT)]


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    entities = _entities(request.user)
    if not entities:
        raise NotFound()
    initial = {"entity": request.GET.get("entity")} if request.GET.get("entity") in entities else {}
    form = ImportUploadForm(request.POST or None, request.FILES or None, entities=entities, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            crm_import = services.import_upload(
                actor=request.user, entity=form.cleaned_data["entity"], upload=form.cleaned_data["file"]
            )
        except Invalid as error:
            form.add_error(
                "file" if "file" in error.fields else None, error.fields.get("file") or error.message
            )
        else:
            return redirect("crm:import_mapping", crm_import.pk)
    status = 400 if request.method == "POST" else 200
    limit_mb = round(services.settings.LUMEN_CRM_IMPORT_MAX_BYTES / 1048576, 1)
    return render(
        request, "crm/imports/start.html", {**CONTEXT, "form": form, "limit_mb": limit_mb}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    crm_import = selectors.import_get(user=request.user, pk=pk)
    if crm_import.status not in (ImportStatus.UPLOADED, ImportStatus.MAPPED):
        return redirect("crm:import_report", crm_import.pk)
    targets = selectors.import_targets(crm_import)
    initial = {f"map_{name}": str(index) for name, index in crm_import.mapping.items()}
    initial["duplicates"] = crm_import.duplicates
    form = ImportMappingForm(
        request.POST or None, targets=targets, headers=crm_import.headers, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.import_map(
                actor=request.user,
                crm_import=crm_import,
                mapping=form.mapping(),
                duplicates=form.cleaned_data["duplicates"],
            )
        except Invalid as error:
            form.add_error(None, error.fields.get("mapping") or error.message)
        else:
            return redirect("crm:import_preview", crm_import.pk)
    return render(
        request,
        "crm/imports/mapping.html",
        {**CONTEXT, "crm_import": crm_import, "form": form, "sample": crm_import.rows[:3]},
        status=400 if request.method == "POST" else 200,
    )


def _cells(crm_import, plan, targets) -> list:
    """The row's cleaned values (its raw text when they could not be cleaned)."""
    if plan.values:
        return [plan.values.get(name, "") for name, _label in targets]
    raw = crm_import.rows[plan.number - 1]
    return [
        raw[crm_import.mapping[name]] if crm_import.mapping[name] < len(raw) else ""
        for name, _label in targets
    ]


@login_required
@require_GET
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    crm_import = selectors.import_get(user=request.user, pk=pk)
    if crm_import.status != ImportStatus.MAPPED:
        return redirect(
            "crm:import_mapping" if crm_import.status == ImportStatus.UPLOADED else "crm:import_report", pk
        )
    targets = [
        (name, label) for name, label in selectors.import_targets(crm_import) if name in crm_import.mapping
    ]
    plans = selectors.import_preview(user=request.user, crm_import=crm_import)
    rows = [
        {
            "number": plan.number,
            "outcome": plan.outcome,
            "reason": plan.reason,
            "duplicate": plan.duplicate,
            "cells": _cells(crm_import, plan, targets),
        }
        for plan in plans
    ]
    return render(
        request,
        "crm/imports/preview.html",
        {
            **CONTEXT,
            "crm_import": crm_import,
            "targets": targets,
            "rows": rows,
            "total": len(crm_import.rows),
            "background": len(crm_import.rows) > services.SYNC_ROWS,
        },
    )


@login_required
@require_POST
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    crm_import = selectors.import_get(user=request.user, pk=pk)
    try:
        crm_import, queued = services.import_start(actor=request.user, crm_import=crm_import)
    except Invalid as error:
        messages.error(request, error.message)
        return redirect("crm:import_mapping", pk)
    if queued:
        messages.info(
            request, _("The import runs in the background; this page shows its report when it ends.")
        )
    return redirect("crm:import_report", pk)


@login_required
@require_GET
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    crm_import = selectors.import_get(user=request.user, pk=pk)
    report = crm_import.report or {}
    lines = [line for line in report.get("rows", []) if line.get("outcome") != "created"][:500]
    return render(
        request,
        "crm/imports/report.html",
        {
            **CONTEXT,
            "crm_import": crm_import,
            "counts": report.get("counts", {}),
            "lines": lines,
            "error": report.get("error", ""),
            "list_url": {
                "lead": "crm:lead_list",
                "contact": "crm:contact_list",
                "company": "crm:company_list",
            }[crm_import.entity],
        },
    )


@login_required
@require_GET
def import_rejected(request: HttpRequest, pk: int) -> HttpResponse:
    crm_import = selectors.import_get(user=request.user, pk=pk)
    rejected = selectors.import_rejected(crm_import)
    headers = [*crm_import.headers, _("Reason")]
    rows = ([*row, reason] for row, reason in rejected)
    return csv_response(headers, rows, f"import-{crm_import.pk}-rejected")


urls = [
    path("import/", import_start, name="import_start"),
    path("import/<int:pk>/", import_mapping, name="import_mapping"),
    path("import/<int:pk>/preview/", import_preview, name="import_preview"),
    path("import/<int:pk>/run/", import_run, name="import_run"),
    path("import/<int:pk>/report/", import_report, name="import_report"),
    path("import/<int:pk>/rejected.csv", import_rejected, name="import_rejected"),
]
