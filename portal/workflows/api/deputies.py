"""API of deputies (under /api/v1/workflows/deputies/): my deputy periods and those in which I stand in for
someone (admins: ?all=1 for everyone's); set one (admins may name whose), take one back."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from portal.people.models import User

from ..models import Deputy
from ..selectors import deputies as selectors
from ..services import deputies as services


class DeputySerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user", read_only=True)
    deputy_name = serializers.CharField(source="deputy", read_only=True)

    class Meta:
        model = Deputy
        fields = ["id", "user", "user_name", "deputy", "deputy_name", "start", "end", "created_at"]
        read_only_fields = fields


class DeputyWriteSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="Whose deputy (default: mine)"
    )
    deputy = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    start = serializers.DateField()
    end = serializers.DateField()


@extend_schema_view(
    list=extend_schema(
        summary="My deputy periods, current and coming (admins: ?all=1 for everyone's)",
        parameters=[
            OpenApiParameter("all", bool, description="Everyone's (admins)"),
            OpenApiParameter("past", bool, description="Include the periods that are over"),
        ],
    ),
    retrieve=extend_schema(summary="One deputy period"),
    create=extend_schema(
        summary="Set a deputy for a period (mine; admins: anyone's)",
        request=DeputyWriteSerializer,
        responses={201: DeputySerializer},
    ),
    destroy=extend_schema(summary="Take a deputy period back", responses={204: None}),
)
class DeputyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DeputySerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Deputy.objects.none()
        params = self.request.query_params
        return selectors.deputy_list(
            user=self.request.user,
            everyone=params.get("all") in ("1", "true"),
            current=params.get("past") not in ("1", "true"),
        )

    def retrieve(self, request, *args, **kwargs):
        return Response(DeputySerializer(selectors.deputy_get(user=request.user, pk=kwargs["pk"])).data)

    def create(self, request, *args, **kwargs):
        data = DeputyWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        person = values.pop("user", None) or request.user
        row = services.deputy_set(actor=request.user, user=person, **values)
        return Response(DeputySerializer(row).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.deputy_delete(
            actor=request.user, deputy=selectors.deputy_get(user=request.user, pk=kwargs["pk"])
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router) -> None:
    router.register("deputies", DeputyViewSet, basename="workflows-deputy")


urls: list = []
