"""API of the workflows app: automation rules (under /api/v1/workflows/).

`rules/` lists, reads, makes, changes and deletes the rules of the scopes the caller may set rules on (the
others do not exist: 404); `rules/catalogue/?scope=` says which triggers, conditions and actions a scope
offers; `rule-runs/` reads the run log. The rule's `conditions` and `actions` are the JSON the services check
(portal/workflows/definitions.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core.api.pagination import StandardPagination

from ..choices import RuleRunStatus
from ..models import AutomationRule, RuleRun
from ..selectors import rules as selectors
from ..services import rules as services


class RuleSerializer(serializers.ModelSerializer):
    runs_total = serializers.IntegerField(read_only=True, default=0)
    runs_done = serializers.IntegerField(read_only=True, default=0)
    runs_waiting = serializers.IntegerField(read_only=True, default=0)
    runs_failed = serializers.IntegerField(read_only=True, default=0)
    conditions = serializers.JSONField(read_only=True)
    actions = serializers.JSONField(read_only=True)

    class Meta:
        model = AutomationRule
        fields = [
            "id",
            "name",
            "scope",
            "trigger",
            "conditions",
            "actions",
            "is_active",
            "created_by",
            "last_error",
            "last_error_at",
            "runs_total",
            "runs_done",
            "runs_waiting",
            "runs_failed",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RuleWriteSerializer(serializers.Serializer):
    """A rule as the services take it; `scope` only when making one."""

    scope = serializers.CharField(max_length=100, required=False)
    name = serializers.CharField(max_length=200)
    trigger = serializers.CharField(max_length=100)
    conditions = serializers.JSONField(required=False, default=list)
    actions = serializers.JSONField()
    is_active = serializers.BooleanField(required=False, default=True)


class RuleRunSerializer(serializers.ModelSerializer):
    object = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    log = serializers.JSONField(read_only=True)
    data = serializers.JSONField(read_only=True)

    class Meta:
        model = RuleRun
        fields = [
            "id",
            "rule",
            "object_id",
            "event_id",
            "object",
            "url",
            "status",
            "position",
            "next_at",
            "data",
            "log",
            "error",
            "actor",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_object(self, run) -> str:
        return selectors.run_object(run)[0]

    def get_url(self, run) -> str:
        return selectors.run_object(run)[1]


CATALOGUE = inline_serializer(
    name="RuleCatalogue",
    fields={
        "scope": serializers.CharField(),
        "label": serializers.CharField(),
        "triggers": serializers.ListField(child=serializers.DictField()),
    },
)


def _catalogue(*, user, scope: str) -> dict:
    label = selectors.scope_require(user=user, scope=scope)
    triggers = []
    for trigger in selectors.triggers_of_kind(selectors.scope_kind(scope)):
        triggers.append(
            {
                "key": trigger.key,
                "label": str(trigger.label),
                "conditions": [
                    {
                        "field": str(name),
                        "label": str(field_label),
                        "kind": str(kind),
                        "choices": [
                            {"value": v, "label": lbl}
                            for v, lbl in selectors.trigger_choices(trigger, str(name))
                        ],
                    }
                    for name, field_label, kind in trigger.conditions
                ],
                "actions": [
                    {
                        "key": act.key,
                        "label": str(act.label),
                        "params": [
                            {
                                "name": spec["name"],
                                "label": str(spec["label"]),
                                "kind": spec["kind"],
                                "required": spec["required"],
                                "when": list(spec["when"]) if spec["when"] else None,
                                "choices": [
                                    {"value": v, "label": lbl}
                                    for v, lbl in selectors.action_choices(act, spec["name"], user=user)
                                ]
                                if spec["kind"] in ("choice", "template")
                                else [],
                            }
                            for spec in map(selectors.field_spec, act.fields)
                        ],
                    }
                    for act in selectors.actions_for(trigger.key)
                ],
            }
        )
    return {"scope": scope, "label": label, "triggers": triggers}


SCOPE = OpenApiParameter("scope", OpenApiTypes.STR, description='A scope such as "group:12" or "stage:5"')


@extend_schema_view(
    list=extend_schema(
        summary="Automation rules of the scopes you may set rules on",
        parameters=[SCOPE, OpenApiParameter("trigger", OpenApiTypes.STR, description="Only this trigger")],
    ),
    retrieve=extend_schema(summary="One rule with its run counts"),
    create=extend_schema(summary="Make a rule on a scope", request=RuleWriteSerializer),
    update=extend_schema(summary="Change a rule", request=RuleWriteSerializer),
    partial_update=extend_schema(summary="Change some of a rule", request=RuleWriteSerializer),
    destroy=extend_schema(summary="Delete a rule with its runs"),
)
class RuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Automation rules ("robots"): when a trigger happens in a scope and the conditions hold, run the actions.
    Rules run with the rights of their author (the person who last saved them)."""

    serializer_class = RuleSerializer
    pagination_class = StandardPagination
    filter_backends: list = []
    queryset = AutomationRule.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        params = self.request.query_params
        return selectors.rule_list(
            user=self.request.user, scope=params.get("scope") or None, trigger=params.get("trigger") or None
        )

    def _get(self, pk) -> AutomationRule:
        return selectors.rule_get(user=self.request.user, pk=pk, with_counts=True)

    def retrieve(self, request, *args, **kwargs):
        return Response(RuleSerializer(self._get(kwargs["pk"])).data)

    def create(self, request, *args, **kwargs):
        data = RuleWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        scope = values.pop("scope", "")
        if not scope:
            raise serializers.ValidationError({"scope": [_("Name the scope of the rule.")]})
        rule = services.rule_create(actor=request.user, scope=scope, **values)
        return Response(RuleSerializer(self._get(rule.pk)).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        rule = self._get(kwargs["pk"])
        current = {
            "name": rule.name,
            "trigger": rule.trigger,
            "conditions": rule.conditions,
            "actions": rule.actions,
            "is_active": rule.is_active,
        }
        incoming = dict(request.data) if kwargs.get("partial") else request.data
        data = RuleWriteSerializer(data={**current, **incoming} if kwargs.get("partial") else incoming)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("scope", None)  # a rule stays on its scope
        services.rule_update(actor=request.user, rule=rule, **values)
        return Response(RuleSerializer(self._get(rule.pk)).data)

    def destroy(self, request, *args, **kwargs):
        services.rule_delete(actor=request.user, rule=self._get(kwargs["pk"]))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="What a scope offers: its triggers, their conditions and actions",
        parameters=[SCOPE],
        responses=CATALOGUE,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def catalogue(self, request):
        return Response(_catalogue(user=request.user, scope=request.query_params.get("scope", "")))


@extend_schema_view(
    list=extend_schema(
        summary="Runs of the rules you may see, newest first",
        parameters=[
            OpenApiParameter("rule", OpenApiTypes.INT, description="Only this rule's runs"),
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=RuleRunStatus.values, description="Only runs in it"
            ),
        ],
    ),
    retrieve=extend_schema(summary="One run with its log"),
)
class RuleRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The run log of the automation rules: one run per (rule, object, event)."""

    serializer_class = RuleRunSerializer
    pagination_class = StandardPagination
    filter_backends: list = []
    queryset = RuleRun.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        params = self.request.query_params
        rule = params.get("rule")
        status_ = params.get("status")
        return selectors.run_list_all(
            user=self.request.user,
            rule_id=int(rule) if rule and rule.isdigit() else None,
            status=status_ if status_ in RuleRunStatus.values else None,
        )

    def retrieve(self, request, *args, **kwargs):
        return Response(RuleRunSerializer(selectors.run_get(user=request.user, pk=kwargs["pk"])).data)


def register(router) -> None:
    """Register this feature's view sets on the workflows router."""
    router.register("rules", RuleViewSet, basename="workflows-rule")
    router.register("rule-runs", RuleRunViewSet, basename="workflows-rule-run")


urls: list = []
