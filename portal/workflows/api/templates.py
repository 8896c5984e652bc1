"""API of the workflows app: process templates, read-only (/api/v1/workflows/templates/).

A person reads the templates they may start (what the start page offers); portal admins read every template,
inactive ones included. The detail carries the current version's form fields and route steps in the shape
`portal.workflows.definitions` defines; templates are changed on the admin pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from portal.core.permissions import get_visible, is_portal_admin

from ..choices import ApproverRule, ConditionOp, FieldType, StepAction, StepKind, StepMode, TemplateKind
from ..definitions import PURPOSES, field_defs
from ..models import ProcessTemplate
from ..selectors import templates as selectors


class WorkflowFieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    type = serializers.ChoiceField(choices=FieldType.choices)
    required = serializers.BooleanField()
    help = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField(), help_text="The options of a list field.")
    purpose = serializers.ChoiceField(
        choices=[("", "none"), *((p, p) for p in PURPOSES)],
        help_text="What the process copies the value to (lists, the payment register, the absence).",
    )


class WorkflowRuleSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ApproverRule.choices)
    levels = serializers.IntegerField(required=False, help_text="levels_up: how many levels up.")
    department = serializers.IntegerField(required=False, help_text="department_head: the department's id.")
    person = serializers.IntegerField(required=False, help_text="person: the person's id.")
    people = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="people: the people's ids."
    )
    group = serializers.IntegerField(required=False, help_text="group: the workgroup's id.")
    role = serializers.CharField(required=False, help_text="role: the role's code.")


class WorkflowConditionSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The code of a form field.")
    op = serializers.ChoiceField(choices=ConditionOp.choices)
    value = serializers.CharField()


class WorkflowDeadlineSerializer(serializers.Serializer):
    hours = serializers.IntegerField(required=False)
    workdays = serializers.IntegerField(required=False)


class WorkflowStepSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=StepKind.choices)
    rule = WorkflowRuleSerializer()
    mode = serializers.ChoiceField(choices=StepMode.choices)
    condition = WorkflowConditionSerializer(
        allow_null=True, help_text="The step is skipped when it does not hold."
    )
    deadline = WorkflowDeadlineSerializer(allow_null=True)
    actions = serializers.ListField(child=serializers.ChoiceField(choices=StepAction.choices))


class WorkflowTemplateSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=TemplateKind.choices)
    version = serializers.SerializerMethodField()

    class Meta:
        model = ProcessTemplate
        fields = ["id", "key", "kind", "name", "description", "icon", "is_active", "version"]

    def get_version(self, template) -> int | None:
        """The number of the current version (what a process started now follows)."""
        return template.current_version.number if template.current_version_id else None


class WorkflowTemplateDetailSerializer(WorkflowTemplateSerializer):
    fields = WorkflowFieldSerializer(many=True, read_only=True, source="api_fields")
    steps = WorkflowStepSerializer(many=True, read_only=True, source="api_steps")

    class Meta(WorkflowTemplateSerializer.Meta):
        fields = [*WorkflowTemplateSerializer.Meta.fields, "fields", "steps"]


def _with_definitions(template: ProcessTemplate) -> ProcessTemplate:
    """The current version's fields (every key present) and steps, for the detail serializer."""
    version = template.current_version
    template.api_fields = [
        {
            "key": f.key,
            "label": f.label,
            "type": f.type,
            "required": f.required,
            "help": f.help,
            "choices": list(f.choices),
            "purpose": f.purpose,
        }
        for f in (field_defs(version) if version is not None else [])
    ]
    template.api_steps = (
        [s for s in (version.steps or []) if isinstance(s, dict)] if version is not None else []
    )
    return template


@extend_schema_view(
    list=extend_schema(
        summary="The process templates I may start (portal admins: every template, inactive ones too)"
    ),
    retrieve=extend_schema(summary="One template with its current form fields and route steps"),
)
class TemplateViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ProcessTemplate.objects.none()
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def get_serializer_class(self):
        return WorkflowTemplateDetailSerializer if self.action == "retrieve" else WorkflowTemplateSerializer

    def get_queryset(self):
        user = self.request.user
        if is_portal_admin(user):
            return (
                ProcessTemplate.objects.visible_to(user)
                .select_related("current_version")
                .order_by("name", "id")
            )
        return selectors.templates_startable(user=user)

    def get_object(self):
        return _with_definitions(get_visible(self.get_queryset(), pk=self.kwargs["pk"]))


def register(router) -> None:
    """Register this feature's view sets on the workflows router."""
    router.register("templates", TemplateViewSet, basename="workflows-template")


urls: list = []
