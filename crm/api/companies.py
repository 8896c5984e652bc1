"""CRM API: companies (/api/v1/crm/companies/), with their communications nested.

The same rules as contacts (`crm.api.contacts`): reads through `visible_to`, writes through
`crm.services.companies`, and creating answers 409 with the possible duplicates (the same phone or e-mail,
or a very similar name) unless `?force=1`.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from portal.core.api.pagination import NewestFirstCursorPagination

from ..choices import CommunicationKind, Entity, LeadSource
from ..filters.companies import CompanyFilterSet
from ..models import Company, CompanyKind
from ..selectors import companies as selectors
from ..selectors.duplicates import duplicates_find
from ..services import companies as services
from .contacts import (
    DUPLICATES_RESPONSE,
    FORCE,
    CommunicationSerializer,
    duplicates_response,
    forced,
    write_arguments,
)
from .fields import CustomValuesField


class CrmCompanySerializer(serializers.ModelSerializer):
    communications = CommunicationSerializer(many=True, read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Company
        fields = [
            "id",
            "name",
            "kind",
            "industry",
            "employees",
            "tax_id",
            "source",
            "responsible",
            "created_by",
            "comment",
            "custom",
            "communications",
            "created_at",
            "updated_at",
            "last_activity_at",
            "url",
        ]
        read_only_fields = fields


class CrmCompanyWriteSerializer(serializers.Serializer):
    """What a client sends to create or change a company; `communications` replace the current ones when
    given; `responsible` defaults to the caller."""

    name = serializers.CharField(max_length=300, required=True)
    kind = serializers.ChoiceField(choices=CompanyKind.choices, required=False)
    industry = serializers.CharField(max_length=200, required=False, allow_blank=True)
    employees = serializers.IntegerField(
        min_value=0, max_value=2_147_483_647, required=False, allow_null=True
    )
    tax_id = serializers.CharField(max_length=50, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=LeadSource.choices, required=False)
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    comment = serializers.CharField(required=False, allow_blank=True)
    custom = CustomValuesField(entity=Entity.COMPANY)
    communications = CommunicationSerializer(many=True, required=False)


@extend_schema_view(
    list=extend_schema(summary="Companies the caller may see, filtered like the company list"),
    retrieve=extend_schema(summary="One company with its communications"),
    create=extend_schema(
        summary="Create a company (409 with the possible duplicates unless ?force=1)",
        request=CrmCompanyWriteSerializer,
        parameters=[FORCE],
        responses={201: CrmCompanySerializer, 409: DUPLICATES_RESPONSE},
    ),
    update=extend_schema(summary="Change a company", request=CrmCompanyWriteSerializer),
    partial_update=extend_schema(
        summary="Change some of a company's fields", request=CrmCompanyWriteSerializer
    ),
    destroy=extend_schema(summary="Delete a company", responses={204: None}),
)
class CompanyViewSet(viewsets.ModelViewSet):
    """Companies with their phones, e-mails and addresses."""

    serializer_class = CrmCompanySerializer
    pagination_class = NewestFirstCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = CompanyFilterSet
    lookup_value_regex = r"\d+"
    queryset = Company.objects.none()  # names the model for the schema; reads go through visible_to

    def get_queryset(self):
        return (
            Company.objects.visible_to(self.request.user)
            .select_related("responsible")
            .prefetch_related("communications")
        )

    def _out(self, company: Company, code=status.HTTP_200_OK) -> Response:
        # The change may have put the company out of the caller's sight (another responsible person).
        fresh = self.get_queryset().filter(pk=company.pk).first() or company
        return Response(CrmCompanySerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        incoming = CrmCompanyWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = write_arguments(incoming.validated_data)
        if not forced(request):
            items = data.get("communications", [])
            found = duplicates_find(
                user=request.user,
                entity=Entity.COMPANY,
                name=data["name"],
                phones=[i["value"] for i in items if i["kind"] == CommunicationKind.PHONE],
                emails=[i["value"] for i in items if i["kind"] == CommunicationKind.EMAIL],
            )
            if found:
                return duplicates_response(found)
        company = services.company_create(actor=request.user, **data)
        return self._out(company, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        company = selectors.company_get(user=request.user, pk=kwargs["pk"])
        incoming = CrmCompanyWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        incoming.is_valid(raise_exception=True)
        company = services.company_update(
            actor=request.user, company=company, **write_arguments(incoming.validated_data)
        )
        return self._out(company)

    def destroy(self, request, *args, **kwargs):
        company = selectors.company_get(user=request.user, pk=kwargs["pk"])
        services.company_delete(actor=request.user, company=company)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router) -> None:
    router.register("companies", CompanyViewSet, basename="crm-companies")


urls: list = []
