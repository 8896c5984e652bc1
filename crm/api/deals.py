"""CRM API: deals (/api/v1/crm/deals/): list with the deals' filters, read, create, change, delete, `move`
to a stage and `lines` (read and replace the line items). The same rights as the pages: hidden deals are 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from djmoney.money import Money
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core.api.pagination import StandardPagination
from portal.core.errors import NotAllowed

from .. import rights
from ..choices import Action, Entity
from ..models import Company, Contact, Deal, DealLine, Lead, Product, Stage
from ..selectors import deals as selectors
from ..services import deals as services
from .fields import CustomValuesField


class DealLineSerializer(serializers.ModelSerializer):
    price = serializers.DecimalField(source="price.amount", max_digits=16, decimal_places=2, read_only=True)
    currency = serializers.CharField(source="price.currency.code", read_only=True)
    total = serializers.SerializerMethodField()

    class Meta:
        model = DealLine
        fields = ["id", "product", "name", "quantity", "price", "currency", "discount", "total"]

    def get_total(self, line) -> str:
        return str(
            services.line_total(price=line.price.amount, quantity=line.quantity, discount=line.discount)
        )


class DealSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(source="amount.amount", max_digits=16, decimal_places=2, read_only=True)
    currency = serializers.CharField(source="amount.currency.code", read_only=True)
    stage_name = serializers.CharField(source="stage.name", read_only=True)
    lines = DealLineSerializer(many=True, read_only=True)

    class Meta:
        model = Deal
        fields = [
            "id",
            "title",
            "pipeline",
            "stage",
            "stage_name",
            "stage_kind",
            "stage_changed_at",
            "amount",
            "currency",
            "contact",
            "company",
            "lead",
            "responsible",
            "expected_close",
            "probability",
            "lost_reason",
            "closed_at",
            "source",
            "comment",
            "custom",
            "created_at",
            "updated_at",
            "lines",
        ]
        read_only_fields = fields


def _users():
    return get_user_model().objects.filter(is_active=True)


class DealLineWriteSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False, allow_null=True
    )
    name = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, default="1")
    price = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True)
    discount = serializers.DecimalField(max_digits=5, decimal_places=2, default="0")


class DealWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    stage = serializers.PrimaryKeyRelatedField(
        queryset=Stage.objects.select_related("pipeline"), required=False
    )
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, required=False)
    currency = serializers.ChoiceField(choices=[], required=False)
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.none(), required=False, allow_null=True
    )
    company = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.none(), required=False, allow_null=True
    )
    lead = serializers.PrimaryKeyRelatedField(queryset=Lead.objects.none(), required=False, allow_null=True)
    responsible = serializers.PrimaryKeyRelatedField(queryset=_users(), required=False)
    observers = serializers.PrimaryKeyRelatedField(queryset=_users(), many=True, required=False)
    expected_close = serializers.DateField(required=False, allow_null=True)
    probability = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    lost_reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    custom = CustomValuesField(entity=Entity.DEAL)
    lines = DealLineWriteSerializer(many=True, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = list(settings.CURRENCIES)
        for name, model in (("contact", Contact), ("company", Company), ("lead", Lead)):
            self.fields[name].queryset = model.objects.visible_to(user)


class DealMoveSerializer(serializers.Serializer):
    stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all())
    lost_reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class LinesSerializer(serializers.Serializer):
    lines = DealLineWriteSerializer(many=True)


def _money(data: dict, fallback: Money | None = None) -> Money | None:
    currency = data.get("currency") or (str(fallback.currency) if fallback else settings.DEFAULT_CURRENCY)
    if "amount" in data:
        return Money(data["amount"], currency)
    if fallback is not None and "currency" in data:
        return Money(fallback.amount, currency)
    return fallback if fallback is not None else Money(0, currency)


@extend_schema_view(
    list=extend_schema(
        summary="The deals you see, filtered as the list page filters them",
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("pipeline", int),
            OpenApiParameter("stage", int),
        ],
    ),
    retrieve=extend_schema(summary="One deal with its line items"),
    create=extend_schema(summary="Make a deal", request=DealWriteSerializer),
    update=extend_schema(
        summary="Change a deal's fields (its stage moves with `move`)", request=DealWriteSerializer
    ),
    partial_update=extend_schema(summary="Change some of a deal's fields", request=DealWriteSerializer),
    destroy=extend_schema(summary="Delete a deal"),
)
class DealViewSet(viewsets.ModelViewSet):
    serializer_class = DealSerializer
    pagination_class = StandardPagination
    filter_backends: list = []
    queryset = Deal.objects.none()
    lookup_value_regex = r"\d+"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not rights.may(request.user, Entity.DEAL, Action.VIEW) and self.action != "create":
            from portal.core.errors import NotFound

            raise NotFound()

    def get_queryset(self):
        queryset = selectors.deal_list(user=self.request.user, filters=self.request.query_params)
        if selectors.deal_filterset() is None:  # the minimal filters while the list feature is not there
            params = self.request.query_params
            for name in ("pipeline", "stage", "responsible"):
                value = params.get(name, "")
                if value.isdecimal():
                    queryset = queryset.filter(**{f"{name}_id": int(value)})
            if params.get("stage_kind"):
                queryset = queryset.filter(stage_kind=params["stage_kind"])
            if params.get("q"):
                queryset = queryset.filter(title__icontains=params["q"])
        return queryset.order_by("-created_at", "-id")

    def _deal(self, action_name: str = Action.VIEW) -> Deal:
        return selectors.deal_get(user=self.request.user, pk=self.kwargs["pk"], action=action_name)

    def _out(self, deal: Deal, code=status.HTTP_200_OK) -> Response:
        fresh = selectors.deal_list(user=self.request.user).filter(pk=deal.pk).first()
        return Response(DealSerializer(fresh or deal).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._out(self._deal())

    def create(self, request, *args, **kwargs):
        if not rights.may(request.user, Entity.DEAL, Action.ADD):
            raise NotAllowed()
        data = DealWriteSerializer(data=request.data, user=request.user)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        stage = values.pop("stage", None)
        deal = services.deal_create(
            actor=request.user,
            title=values["title"],
            pipeline=stage.pipeline if stage else None,
            stage=stage,
            amount=_money(values),
            contact=values.get("contact"),
            company=values.get("company"),
            lead=values.get("lead"),
            responsible=values.get("responsible"),
            observers=values.get("observers") or (),
            expected_close=values.get("expected_close"),
            probability=values.get("probability"),
            lines=[dict(line) for line in values.get("lines") or []],
            comment=values.get("comment", ""),
            custom=values.get("custom"),
            lost_reason=values.get("lost_reason", ""),
        )
        return self._out(deal, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        deal = self._deal(Action.EDIT)
        current = {
            "title": deal.title,
            "contact": deal.contact_id,
            "company": deal.company_id,
            "lead": deal.lead_id,
            "responsible": deal.responsible_id,
            "expected_close": deal.expected_close,
            "probability": deal.probability,
            "comment": deal.comment,
        }
        data = DealWriteSerializer(data={**current, **request.data}, user=request.user)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        services.deal_update(
            actor=request.user,
            deal=deal,
            title=values["title"],
            amount=_money(values, deal.amount) if ("amount" in values or "currency" in values) else None,
            contact=values.get("contact"),
            company=values.get("company"),
            lead=values.get("lead"),
            responsible=values.get("responsible"),
            expected_close=values.get("expected_close"),
            probability=values.get("probability"),
            comment=values.get("comment", ""),
            custom=values.get("custom"),
        )
        if "observers" in request.data:
            services.deal_observers_set(
                actor=request.user, deal=deal, observers=values.get("observers") or ()
            )
        return self._out(deal)

    def destroy(self, request, *args, **kwargs):
        services.deal_delete(actor=request.user, deal=self._deal(Action.DELETE))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Move the deal to a stage (a lost one needs `lost_reason`)", request=DealMoveSerializer
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        deal = self._deal()
        data = DealMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deal = services.deal_move(actor=request.user, deal=deal, **data.validated_data)
        return self._out(deal)

    @extend_schema(methods=["GET"], summary="The deal's line items", responses=DealLineSerializer(many=True))
    @extend_schema(
        methods=["PUT"],
        summary="Replace the line items (the amount becomes their total)",
        request=LinesSerializer,
        responses=DealSerializer,
    )
    @action(detail=True, methods=["get", "put"], pagination_class=None, filter_backends=[])
    def lines(self, request, pk=None):
        if request.method != "PUT":  # GET, and HEAD like it
            deal = self._deal()
            return Response(DealLineSerializer(deal.lines.all(), many=True).data)
        deal = self._deal(Action.EDIT)
        data = LinesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.deal_lines_set(
            actor=request.user, deal=deal, lines=[dict(x) for x in data.validated_data["lines"]]
        )
        return self._out(deal)


def register(router) -> None:
    router.register("deals", DealViewSet, basename="crm-deal")


urls: list = []
