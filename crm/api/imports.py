"""CRM API: imports (/api/v1/crm/imports/).

- POST (multipart): `entity` (lead, contact, company), `file` (CSV or XLSX, at most
  `LUMEN_CRM_IMPORT_MAX_BYTES`), optional `mapping` (JSON: {field: column index}; guessed from the headers
  when left out), `duplicates` (skip, merge, create) and `run` (true: run it now; small files finish in the
  request, big ones in a background job). Answers the import with its mapping, status and report.
- GET /imports/ (the caller's imports), GET /imports/{id}/ (status and report), GET /imports/{id}/preview/
  (what would happen to the first rows), POST /imports/{id}/run/ (map and run an uploaded import).

The same rights as the pages: the import right on the entity; another person's import answers 404.
"""

from __future__ import annotations

import json

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from portal.core.errors import Invalid

from .. import rights
from ..choices import DuplicateMode, ImportStatus
from ..models import CrmImport
from ..selectors import imports as selectors
from ..services import imports as services


class ImportSerializer(serializers.ModelSerializer):
    rows_count = serializers.SerializerMethodField()

    class Meta:
        model = CrmImport
        fields = [
            "id", "entity", "file_name", "headers", "mapping", "duplicates", "status",
            "rows_count", "report", "created_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_rows_count(self, crm_import) -> int:
        return len(crm_import.rows)


class ImportUploadSerializer(serializers.Serializer):
    entity = serializers.ChoiceField(choices=services.ENTITIES)
    file = serializers.FileField()
    mapping = serializers.CharField(required=False, allow_blank=True, help_text="JSON: {field: column index}")
    duplicates = serializers.ChoiceField(choices=DuplicateMode.choices, default=DuplicateMode.SKIP)
    run = serializers.BooleanField(default=False)


class ImportRunSerializer(serializers.Serializer):
    mapping = serializers.DictField(child=serializers.IntegerField(min_value=0), required=False)
    duplicates = serializers.ChoiceField(choices=DuplicateMode.choices, required=False)


class PreviewRowSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    outcome = serializers.CharField()
    reason = serializers.CharField()
    duplicate = serializers.IntegerField(allow_null=True)


def _mapping(value) -> dict | None:
    if value in (None, ""):
        return None
    if isinstance(value, dict):
        return value
    try:
        found = json.loads(value)
    except ValueError:
        found = None
    if not isinstance(found, dict):
        raise Invalid(fields={"mapping": ["Send the mapping as a JSON object {field: column index}."]})
    return found


class ImportViewSet(viewsets.GenericViewSet):
    serializer_class = ImportSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    queryset = CrmImport.objects.none()

    def get_queryset(self):
        user = self.request.user
        imports = CrmImport.objects.all()
        if not rights.is_crm_admin(user):
            imports = imports.filter(created_by=user)
        allowed = [entity for entity in services.ENTITIES if rights.may(user, entity, "import")]
        return imports.filter(entity__in=allowed).defer("rows").order_by("-created_at", "-id")

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ImportSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(ImportSerializer(selectors.import_get(user=request.user, pk=pk)).data)

    @extend_schema(request=ImportUploadSerializer, responses={201: ImportSerializer})
    def create(self, request):
        form = ImportUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        crm_import = services.import_upload(actor=request.user, entity=data["entity"], upload=data["file"])
        mapping = _mapping(data.get("mapping"))
        if mapping is not None or data["run"]:
            crm_import = services.import_map(
                actor=request.user,
                crm_import=crm_import,
                mapping=mapping if mapping is not None else crm_import.mapping,
                duplicates=data["duplicates"],
            )
        if data["run"]:
            crm_import, _queued = services.import_start(actor=request.user, crm_import=crm_import)
        return Response(ImportSerializer(crm_import).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PreviewRowSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def preview(self, request, pk=None):
        crm_import = selectors.import_get(user=request.user, pk=pk)
        if crm_import.status == ImportStatus.UPLOADED:
            crm_import.status = ImportStatus.MAPPED  # a preview of the guessed mapping; nothing is saved
        plans = selectors.import_preview(user=request.user, crm_import=crm_import)
        rows = [
            {
                "number": plan.number,
                "outcome": plan.outcome,
                "reason": str(plan.reason),
                "duplicate": getattr(plan.duplicate, "pk", None),
            }
            for plan in plans
        ]
        return Response(PreviewRowSerializer(rows, many=True).data)

    @extend_schema(request=ImportRunSerializer, responses={200: ImportSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request, pk=None):
        crm_import = selectors.import_get(user=request.user, pk=pk)
        form = ImportRunSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if crm_import.status in (ImportStatus.UPLOADED, ImportStatus.MAPPED) and (
            "mapping" in data or "duplicates" in data or crm_import.status == ImportStatus.UPLOADED
        ):
            crm_import = services.import_map(
                actor=request.user,
                crm_import=crm_import,
                mapping=data.get("mapping", crm_import.mapping),
                duplicates=data.get("duplicates", crm_import.duplicates),
            )
        crm_import, _queued = services.import_start(actor=request.user, crm_import=crm_import)
        return Response(ImportSerializer(crm_import).data)


def register(router) -> None:
    """Register this feature's view sets on the CRM router."""
    router.register("imports", ImportViewSet, basename="crm-imports")


urls: list = []
