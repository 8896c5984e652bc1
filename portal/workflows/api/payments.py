"""API of the workflows app: the payment register (/api/v1/workflows/payments/), the accountants' and the portal
admins' (404 for everyone else, as on the page). The list is the register's tab (`tab=unpaid`, the default, or
`paid`) with the process list's filters; `totals/` sums the tab by currency; `paid/` marks one payment paid."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core.api.pagination import StandardPagination

from ..models import Process
from ..selectors import payments as selectors
from ..services import payments as services
from .processes import WorkflowProcessSerializer

TAB = OpenApiParameter("tab", str, enum=list(selectors.TABS), description="Default: unpaid.")
FILTERS = [
    TAB,
    OpenApiParameter("q", str, description="Words of the title or counterparty."),
    OpenApiParameter("department", int),
    OpenApiParameter("amount_min", OpenApiTypes.DECIMAL),
    OpenApiParameter("amount_max", OpenApiTypes.DECIMAL),
]


class WorkflowPaymentSerializer(WorkflowProcessSerializer):
    paid_by = serializers.IntegerField(source="paid_by_id", allow_null=True, read_only=True)

    class Meta(WorkflowProcessSerializer.Meta):
        fields = [*WorkflowProcessSerializer.Meta.fields, "paid_by"]
        read_only_fields = fields


class WorkflowPaymentTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    count = serializers.IntegerField()


def _tab(request) -> str:
    tab = request.query_params.get("tab", "unpaid")
    return tab if tab in selectors.TABS else "unpaid"


@extend_schema_view(
    list=extend_schema(
        summary="The payment register: approved payments to pay (or paid)", parameters=FILTERS
    ),
    retrieve=extend_schema(summary="One payment of the register"),
)
class PaymentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = WorkflowPaymentSerializer
    pagination_class = StandardPagination
    filter_backends: list = []
    queryset = Process.objects.none()
    lookup_value_regex = r"\d+"

    # The register's rights are checked where the data is read (not in `initial`), so a method the view does
    # not have answers 405 and OPTIONS its description, as everywhere in the API.
    def get_queryset(self):
        selectors.require_register(self.request.user)
        params = self.request.query_params.copy()
        params.pop("scope", None)
        return selectors.payment_list(user=self.request.user, tab=_tab(self.request), filters=params)

    def get_object(self):
        selectors.require_register(self.request.user)
        return selectors.payment_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        summary="The tab's totals by currency",
        parameters=FILTERS,
        responses=WorkflowPaymentTotalSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def totals(self, request):
        rows = selectors.payment_totals(self.get_queryset())
        data = [
            {"currency": str(row["money"].currency), "amount": row["money"].amount, "count": row["count"]}
            for row in rows
        ]
        return Response(WorkflowPaymentTotalSerializer(data, many=True).data)

    @extend_schema(
        summary="Mark an approved payment paid (refused when it is paid already)",
        request=None,
        responses=WorkflowPaymentSerializer,
    )
    @action(detail=True, methods=["post"])
    def paid(self, request, pk=None):
        process = services.payment_mark_paid(actor=request.user, process=self.get_object())
        return Response(
            WorkflowPaymentSerializer(selectors.payment_get(user=request.user, pk=process.pk)).data
        )


def register(router) -> None:
    """Register this feature's view sets on the workflows router."""
    router.register("payments", PaymentViewSet, basename="workflows-payment")


urls: list = []
