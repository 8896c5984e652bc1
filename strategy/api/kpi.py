"""KPI API under /api/v1/strategy/: KPI cards (strategy managers make and change them; holders, their supervisors
and strategy managers read them), computing a card's scores for a period, and the scores (the page's FilterSet)
with the supervisor's confirmation."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core.errors import Invalid, NotAllowed

from ..filters.kpi import KpiScoreFilterSet
from ..models import KpiCard, KpiScore
from ..models.indicators import PeriodKind
from ..models.kpi import HolderKind
from ..selectors import kpi as selectors
from ..services import kpi as services


class KpiLineSerializer(serializers.Serializer):
    indicator = serializers.IntegerField()
    weight = serializers.DecimalField(max_digits=7, decimal_places=2, default=1)
    cap = serializers.DecimalField(max_digits=7, decimal_places=2, default=100)
    target = serializers.DecimalField(max_digits=18, decimal_places=4, required=False, allow_null=True)


class KpiCardSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id", allow_null=True, read_only=True)
    department = serializers.IntegerField(source="department_id", allow_null=True, read_only=True)
    lines = serializers.SerializerMethodField()

    class Meta:
        model = KpiCard
        fields = [
            "id", "name", "holder_kind", "person", "position", "department", "include_subdepartments", "period",
            "is_active", "lines",
        ]  # fmt: skip

    def get_lines(self, card) -> list[dict]:
        lines = list(card.lines.all())
        if any(not hasattr(line, "hidden") for line in lines):
            selectors.kpi_cards_masked(user=self.context["request"].user, cards=[lines])
        return [
            {
                "indicator": None if line.hidden else line.indicator_id,
                "weight": str(line.weight),
                "cap": str(line.cap),
                "target": None if line.target is None or line.hidden else str(line.target),
                "hidden": line.hidden,
            }
            for line in lines
        ]


class KpiCardWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    holder_kind = serializers.ChoiceField(choices=HolderKind.choices)
    person = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    position = serializers.CharField(max_length=200, required=False, allow_blank=True)
    department = serializers.IntegerField(required=False, allow_null=True)
    include_subdepartments = serializers.BooleanField(required=False)
    period = serializers.ChoiceField(choices=PeriodKind.choices, required=False)
    is_active = serializers.BooleanField(required=False)
    lines = KpiLineSerializer(many=True, required=False)

    def to_service(self) -> dict:
        from portal.people.models import Department

        data = dict(self.validated_data)
        if "department" in data:
            pk = data["department"]
            data["department"] = None if pk is None else Department.objects.filter(pk=pk).first()
            if pk is not None and data["department"] is None:
                raise Invalid(fields={"department": ["No such department."]})
        return data


class KpiScoreSerializer(serializers.ModelSerializer):
    card = serializers.IntegerField(source="card_id", read_only=True)
    person = serializers.IntegerField(source="person_id", read_only=True)
    confirmed_by = serializers.IntegerField(source="confirmed_by_id", allow_null=True, read_only=True)

    class Meta:
        model = KpiScore
        fields = [
            "id", "card", "person", "period_start", "period_end", "score", "lines", "status", "computed_at",
            "confirmed_by", "confirmed_at",
        ]  # fmt: skip


class KpiComputeSerializer(serializers.Serializer):
    period = serializers.DateField(
        required=False, help_text="Any day of the period (default: the current one)."
    )


class KpiComputeResultSerializer(serializers.Serializer):
    changed = serializers.IntegerField()


class _MasksHiddenIndicators:
    """Serialises what it reads with the lines of indicators the caller does not see masked (`_mask`, one query
    for the whole page)."""

    def _mask(self, items: list) -> None:
        raise NotImplementedError

    def get_serializer(self, *args, **kwargs):
        if args and "data" not in kwargs:
            items = list(args[0]) if kwargs.get("many") else [args[0]]
            self._mask(items)
            args = (items if kwargs.get("many") else items[0], *args[1:])
        return super().get_serializer(*args, **kwargs)


@extend_schema_view(
    list=extend_schema(summary="The KPI cards the caller sees"),
    retrieve=extend_schema(summary="One KPI card with its lines"),
    create=extend_schema(
        summary="Make a KPI card (strategy managers)",
        request=KpiCardWriteSerializer,
        responses={201: KpiCardSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a KPI card (strategy managers)",
        request=KpiCardWriteSerializer,
        responses=KpiCardSerializer,
    ),
    destroy=extend_schema(
        summary="Delete a KPI card and its scores (strategy managers)", responses={204: None}
    ),
)
class KpiCardViewSet(
    _MasksHiddenIndicators,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = KpiCardSerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = KpiCard.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return KpiCard.objects.none()
        return selectors.kpi_card_list(user=self.request.user).prefetch_related("lines")

    def _card(self) -> KpiCard:
        return selectors.kpi_card_get(user=self.request.user, pk=self.kwargs["pk"])

    def _read(self, card) -> dict:
        return KpiCardSerializer(
            self.get_queryset().get(pk=card.pk), context=self.get_serializer_context()
        ).data

    def _mask(self, cards: list) -> None:
        selectors.kpi_cards_masked(user=self.request.user, cards=cards)

    def create(self, request, *args, **kwargs):
        if not services.may_manage_kpi(request.user):
            raise NotAllowed()
        data = KpiCardWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.to_service()
        values.pop("is_active", None)
        card = services.kpi_card_create(actor=request.user, lines=values.pop("lines", []), **values)
        return Response(self._read(card), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        card = self._card()
        data = KpiCardWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = data.to_service()
        card = services.kpi_card_update(
            actor=request.user, card=card, lines=values.pop("lines", None), **values
        )
        return Response(self._read(card))

    def destroy(self, request, *args, **kwargs):
        services.kpi_card_delete(actor=request.user, card=self._card())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Compute the card's scores of a period now (strategy managers); confirmed ones stay",
        request=KpiComputeSerializer,
        responses=KpiComputeResultSerializer,
    )
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def compute(self, request, pk=None):
        card = self._card()
        data = KpiComputeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        period = data.validated_data.get("period") or timezone.localdate()
        changed = services.kpi_scores_compute(actor=request.user, period=period, card_ids=[card.pk])
        return Response({"changed": changed})


@extend_schema_view(
    list=extend_schema(
        summary="KPI scores the caller sees (their own, their people's; strategy managers: all)"
    ),
    retrieve=extend_schema(summary="One KPI score with its lines"),
)
class KpiScoreViewSet(
    _MasksHiddenIndicators, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = KpiScoreSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = KpiScoreFilterSet
    lookup_value_regex = r"\d+"
    queryset = KpiScore.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return KpiScore.objects.none()
        return selectors.kpi_score_list(user=self.request.user)

    def _mask(self, scores: list) -> None:
        selectors.kpi_scores_masked(user=self.request.user, scores=scores)

    @extend_schema(
        summary="Confirm a score of a closed period (the person's supervisor, strategy managers)",
        request=None,
        responses=KpiScoreSerializer,
    )
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def confirm(self, request, pk=None):
        score = selectors.kpi_score_get(user=request.user, pk=pk)
        score = services.kpi_score_confirm(actor=request.user, score=score)
        return Response(self.get_serializer(score).data)


def register(router) -> None:
    router.register("kpi-cards", KpiCardViewSet, basename="strategy-kpi-card")
    router.register("kpi-scores", KpiScoreViewSet, basename="strategy-kpi-score")


urls: list = []
