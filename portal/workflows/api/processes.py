"""API of the workflows app: processes (/api/v1/workflows/processes/).

The list takes the process list page's filters (`scope` mine / waiting / all, template, kind, status, requester,
department with sub-departments, submitted dates, amounts, `q`); the detail carries the route as resolved (steps
with their assignments), the history and the files. `POST` starts a process of a template with its form's values
in the shape `portal.workflows.definitions` documents (JSON, or multipart with `data` as a JSON text and the files
named by field key, `<lines key>-<n>-receipt` for a line's receipt); `act`, `withdraw` and `resubmit` are the
page's actions, and `replace-file` (multipart `field` and `file`) is the page's new version of a contract's draft,
which starts the approval again. The same form checks the values as on the pages, the same services act, with the
same rights: a process the caller does not see is 404. A decision someone else made first answers 409
`already_decided`."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from portal.core.api.pagination import StandardPagination
from portal.core.errors import Invalid
from portal.core.permissions import get_visible

from ..choices import ProcessStatus, StepAction, TemplateKind
from ..definitions import field_defs, purpose_field
from ..forms.processes import ProcessForm, form_input
from ..models import Process, ProcessTemplate
from ..selectors import processes as selectors


def _services():
    from ..services import processes

    return processes


class AlreadyDecided(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("Already decided.")
    default_code = "already_decided"


# Documented on every action that runs through `_service_call` (the shared error shape is filled in by the
# schema hook).
ALREADY_DECIDED = OpenApiResponse(
    description="Someone decided first: `already_decided`, saying who and when."
)


def _service_call(call, *args, **kwargs):
    """Run a service; a decision someone made first is a 409 with its own code (the loser is told)."""
    try:
        return call(*args, **kwargs)
    except Invalid as exc:
        if exc.code == "already_decided":
            raise AlreadyDecided(exc.message, code="already_decided") from exc
        raise


# --- serializers --------------------------------------------------------------------------------------------


class WorkflowProcessAssignmentSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    user_name = serializers.CharField(source="user.__str__")
    reason = serializers.CharField()
    instead_of = serializers.IntegerField(source="instead_of_id", allow_null=True)
    decision = serializers.CharField(help_text='"" while undecided; approve / reject / return / informed.')
    decided_at = serializers.DateTimeField(allow_null=True)
    active = serializers.BooleanField()


class WorkflowProcessStepSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField()
    index = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    mode = serializers.CharField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    assignments = WorkflowProcessAssignmentSerializer(many=True, source="assignments.all")


class WorkflowProcessActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    actor_name = serializers.SerializerMethodField()
    on_behalf_of = serializers.IntegerField(source="on_behalf_of_id", allow_null=True)
    step = serializers.IntegerField(source="step_id", allow_null=True)
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_actor_name(self, item) -> str:
        return str(item.actor) if item.actor_id else ""


class WorkflowProcessFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    field = serializers.CharField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    download_url = serializers.CharField()


class WorkflowCurrentStepSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    waiting_for = serializers.SerializerMethodField()

    def get_waiting_for(self, step) -> list[int]:
        return [a.user_id for a in getattr(step, "pending", [])]


class WorkflowProcessSerializer(serializers.ModelSerializer):
    template_name = serializers.CharField(source="template.name", read_only=True)
    requester_name = serializers.CharField(source="requester.__str__", read_only=True)
    amount = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    current_step = serializers.SerializerMethodField()

    class Meta:
        model = Process
        fields = [
            "id",
            "title",
            "template",
            "template_name",
            "kind",
            "status",
            "round",
            "requester",
            "requester_name",
            "submitted_at",
            "finished_at",
            "amount",
            "currency",
            "counterparty",
            "due_date",
            "paid_at",
            "current_step",
        ]
        read_only_fields = fields

    # A decimal as text ("500.00"), as DRF writes decimals: the schema says so.
    @extend_schema_field(serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True))
    def get_amount(self, process) -> str | None:
        return str(process.amount.amount) if process.amount is not None else None

    def get_currency(self, process) -> str:
        return str(process.amount.currency) if process.amount is not None else ""

    @extend_schema_field(WorkflowCurrentStepSerializer(allow_null=True))
    def get_current_step(self, process):
        if process.status != ProcessStatus.RUNNING or process.current_step is None:
            return None
        return WorkflowCurrentStepSerializer(process.current_step).data


class WorkflowProcessDetailSerializer(WorkflowProcessSerializer):
    data = serializers.JSONField(read_only=True, help_text="The form's values by field key (definitions.py).")
    steps = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(WorkflowProcessSerializer.Meta):
        fields = [
            *WorkflowProcessSerializer.Meta.fields,
            "data",
            "steps",
            "history",
            "files",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(WorkflowProcessStepSerializer(many=True))
    def get_steps(self, process):
        return WorkflowProcessStepSerializer(selectors.process_steps(process), many=True).data

    @extend_schema_field(WorkflowProcessActionSerializer(many=True))
    def get_history(self, process):
        return WorkflowProcessActionSerializer(selectors.process_history(process), many=True).data

    @extend_schema_field(WorkflowProcessFileSerializer(many=True))
    def get_files(self, process):
        rows = [row for group in selectors.process_files(process).values() for row in group]
        return WorkflowProcessFileSerializer(rows, many=True).data

    def get_allowed_actions(self, process) -> list[str]:
        request = self.context.get("request")
        return list(_services().allowed_actions(request.user, process)) if request else []


class WorkflowProcessStartSerializer(serializers.Serializer):
    template = serializers.IntegerField(help_text="The id of a template the caller may start.")
    data = serializers.JSONField(
        help_text="The form's values by field key, as `portal.workflows.definitions` documents them (multipart: "
        "a JSON text; the files are parts named by field key)."
    )


class WorkflowProcessResubmitSerializer(serializers.Serializer):
    data = serializers.JSONField(help_text="The edited form's values (files not sent are kept).")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class WorkflowProcessActSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=StepAction.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    step = serializers.IntegerField(
        required=False, allow_null=True, help_text="The step the caller saw; another one is already decided."
    )


class WorkflowProcessWithdrawSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class WorkflowProcessReplaceFileSerializer(serializers.Serializer):
    field = serializers.CharField(
        max_length=100, help_text="The key of the form's revised file field (a contract's draft: `draft`)."
    )
    file = serializers.FileField(
        use_url=False, help_text="The new version, checked as the page checks it (size limit, refused types)."
    )


def _json_data(value):
    if isinstance(value, str):
        try:
            value = json.loads(value or "{}")
        except ValueError as exc:
            raise exceptions.ValidationError({"data": [_("Not readable as JSON.")]}) from exc
    if not isinstance(value, dict):
        raise exceptions.ValidationError({"data": [_("Send the form's values as an object by field key.")]})
    return value


def _checked(form: ProcessForm) -> tuple[dict, dict]:
    """The form's values, or a 400 naming each bad field (a line's problems under `<lines key>-<n>-<field>`)."""
    if form.is_valid():
        return form.cleaned_values()
    errors = {key: [str(m) for m in messages] for key, messages in form.errors.items()}
    for key, formset in form.formsets.items():
        for n, line in enumerate(formset.forms):
            for name, messages in line.errors.items():
                errors[f"{key}-{n}-{name}"] = [str(m) for m in messages]
        if formset.non_form_errors():
            errors.setdefault(key, []).extend(str(m) for m in formset.non_form_errors())
    raise exceptions.ValidationError(errors)


# --- the view set -------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="The processes you see, filtered as the list page filters them",
        parameters=[
            OpenApiParameter("scope", str, enum=["mine", "waiting", "all"], description="Default: all."),
            OpenApiParameter("q", str, description="Words of the title or counterparty."),
            OpenApiParameter("template", int),
            OpenApiParameter("kind", str, enum=TemplateKind.values),
            OpenApiParameter("status", str, enum=ProcessStatus.values, many=True),
            OpenApiParameter("requester", int),
            OpenApiParameter(
                "department", int, description="The requester's department, sub-departments too."
            ),
            OpenApiParameter("submitted_from", OpenApiTypes.DATE),
            OpenApiParameter("submitted_to", OpenApiTypes.DATE),
            OpenApiParameter("amount_min", OpenApiTypes.DECIMAL),
            OpenApiParameter("amount_max", OpenApiTypes.DECIMAL),
        ],
    ),
    retrieve=extend_schema(summary="One process: its form, route (steps and who acts), history and files"),
    create=extend_schema(
        summary="Start a process of a template with its form's values",
        request={
            "application/json": WorkflowProcessStartSerializer,
            "multipart/form-data": WorkflowProcessStartSerializer,
        },
        responses={201: WorkflowProcessDetailSerializer},
    ),
)
class ProcessViewSet(viewsets.GenericViewSet):
    serializer_class = WorkflowProcessSerializer
    pagination_class = StandardPagination
    filter_backends: list = []
    queryset = Process.objects.none()
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.process_list(user=self.request.user, filters=self.request.query_params)

    def _process(self) -> Process:
        return selectors.process_get(user=self.request.user, pk=self.kwargs["pk"])

    def _out(self, process: Process, code=status.HTTP_200_OK) -> Response:
        fresh = (
            selectors.with_list_related(Process.objects.filter(pk=process.pk)).select_related("version").get()
        )
        return Response(
            WorkflowProcessDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return self._out(self._process())

    def create(self, request, *args, **kwargs):
        body = WorkflowProcessStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        template = get_visible(
            ProcessTemplate.objects.startable_by(request.user).select_related("current_version"),
            pk=body.validated_data["template"],
        )
        data, files = form_input(
            template.current_version, _json_data(body.validated_data["data"]), request.FILES
        )
        form = ProcessForm(version=template.current_version, user=request.user, data=data, files=files)
        values, uploads = _checked(form)
        process = _services().process_start(
            actor=request.user, template=template, data=values, uploads=uploads
        )
        return self._out(process, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve, reject, return for rework or comment (a comment is required to reject or return)",
        request=WorkflowProcessActSerializer,
        responses={200: WorkflowProcessDetailSerializer, 409: ALREADY_DECIDED},
    )
    @action(detail=True, methods=["post"])
    def act(self, request, pk=None):
        process = self._process()
        body = WorkflowProcessActSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        process = _service_call(
            _services().process_act,
            actor=request.user,
            process=process,
            action=values["action"],
            comment=values.get("comment", ""),
            step_id=values.get("step"),
        )
        return self._out(process)

    @extend_schema(
        summary="Withdraw your request (while it runs or is returned)",
        request=WorkflowProcessWithdrawSerializer,
        responses={200: WorkflowProcessDetailSerializer, 409: ALREADY_DECIDED},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        process = self._process()
        body = WorkflowProcessWithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        process = _service_call(
            _services().process_withdraw,
            actor=request.user,
            process=process,
            comment=body.validated_data.get("comment", ""),
        )
        return self._out(process)

    @extend_schema(
        summary="Resubmit your request returned for rework, with the edited form",
        request={
            "application/json": WorkflowProcessResubmitSerializer,
            "multipart/form-data": WorkflowProcessResubmitSerializer,
        },
        responses={200: WorkflowProcessDetailSerializer, 409: ALREADY_DECIDED},
    )
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        process = self._process()
        body = WorkflowProcessResubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data, files = form_input(process.version, _json_data(body.validated_data["data"]), request.FILES)
        form = ProcessForm(
            version=process.version,
            user=request.user,
            data=data,
            files=files,
            initial=process.data,
            process=process,
        )
        values, uploads = _checked(form)
        process = _service_call(
            _services().process_resubmit,
            actor=request.user,
            process=process,
            data=values,
            uploads=uploads,
            comment=body.validated_data.get("comment", ""),
        )
        return self._out(process)

    @extend_schema(
        summary="Upload a new version of the revised file (a contract's draft): the approval starts again",
        description="For the requester, or an approver of the step now active, while the request runs or is "
        "returned (`replace_file` is then among `allowed_actions`). The older versions are kept.",
        request={"multipart/form-data": WorkflowProcessReplaceFileSerializer},
        responses={
            200: WorkflowProcessDetailSerializer,
            400: OpenApiResponse(
                description="`field` is not the form's revised file, or `file` is missing, empty, too large "
                "or of a refused type: nothing is stored."
            ),
            403: OpenApiResponse(
                description="The caller sees the request but is neither its requester nor an approver of "
                "the step now active."
            ),
            409: ALREADY_DECIDED,
        },
    )
    @action(detail=True, methods=["post"], url_path="replace-file", parser_classes=[MultiPartParser])
    def replace_file(self, request, pk=None):
        process = self._process()
        body = WorkflowProcessReplaceFileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        field = body.validated_data["field"]
        # The service names a wrong field and a refused upload alike after the form's field: the field is
        # checked here first, so that each problem is told under the part of the request that has it.
        revised = purpose_field(field_defs(process.version), "revised_file")
        if revised is None or revised.key != field:
            raise exceptions.ValidationError(
                {"field": [_("This file cannot be replaced with a new version.")]}
            )
        try:
            _service_call(
                _services().process_file_replace,
                actor=request.user,
                process=process,
                field=field,
                upload=body.validated_data["file"],
            )
        except Invalid as exc:
            if field not in exc.fields:
                raise
            errors = {("file" if key == field else key): messages for key, messages in exc.fields.items()}
            raise exceptions.ValidationError(errors) from exc
        return self._out(process)


def register(router) -> None:
    """Register this feature's view sets on the workflows router."""
    router.register("processes", ProcessViewSet, basename="workflows-process")


urls: list = []
