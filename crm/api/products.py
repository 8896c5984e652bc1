"""CRM API: the product catalogue (/api/v1/crm/products/): read for every employee, write for CRM admins."""

from __future__ import annotations

from django.conf import settings
from djmoney.money import Money
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from portal.core.api.pagination import StandardPagination

from ..models import Product
from ..selectors import products as selectors
from ..services import products as services


class ProductSerializer(serializers.ModelSerializer):
    price = serializers.DecimalField(source="price.amount", max_digits=16, decimal_places=2, read_only=True)
    currency = serializers.CharField(source="price.currency.code", read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "sku",
            "price",
            "currency",
            "description",
            "is_active",
            "created_at",
            "updated_at",
        ]


class ProductWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=300)
    sku = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    price = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    currency = serializers.ChoiceField(choices=[], required=False)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = list(settings.CURRENCIES)

    def values(self) -> dict:
        data = dict(self.validated_data)
        data["price"] = Money(data["price"], data.pop("currency", settings.DEFAULT_CURRENCY))
        return data


@extend_schema_view(
    list=extend_schema(
        summary="The products (the active ones; ?active=0 for the others, ?q= by name or SKU)"
    ),
    retrieve=extend_schema(summary="One product"),
    create=extend_schema(summary="Add a product (CRM admins)", request=ProductWriteSerializer),
    update=extend_schema(summary="Change a product (CRM admins)", request=ProductWriteSerializer),
    partial_update=extend_schema(summary="Change a product (CRM admins)", request=ProductWriteSerializer),
)
class ProductViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The catalogue used in deal lines and by the store intake. Products are deactivated, not deleted."""

    serializer_class = ProductSerializer
    pagination_class = StandardPagination
    filter_backends: list = []
    queryset = Product.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        active = self.request.query_params.get("active", "1") not in ("0", "false")
        return selectors.product_list(
            user=self.request.user, q=self.request.query_params.get("q", ""), active=active
        )

    def retrieve(self, request, *args, **kwargs):
        return Response(ProductSerializer(selectors.product_get(user=request.user, pk=kwargs["pk"])).data)

    def create(self, request, *args, **kwargs):
        data = ProductWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.values()
        active = values.pop("is_active")
        product = services.product_create(actor=request.user, **values)
        if not active:
            product = services.product_set_active(actor=request.user, product=product, active=False)
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        product = selectors.product_get(user=request.user, pk=kwargs["pk"])
        current = {
            "name": product.name,
            "sku": product.sku,
            "price": product.price.amount,
            "currency": str(product.price.currency),
            "description": product.description,
            "is_active": product.is_active,
        }
        if isinstance(request.data, dict):
            data = ProductWriteSerializer(data={**current, **request.data})
        else:  # a JSON array or number: the serializer's own "not an object" error, a 400
            data = ProductWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_update(actor=request.user, product=product, **data.values())
        return Response(ProductSerializer(product).data)


def register(router) -> None:
    router.register("products", ProductViewSet, basename="crm-product")


urls: list = []
