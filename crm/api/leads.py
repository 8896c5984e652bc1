"""CRM API: leads (/api/v1/crm/leads/): list (the lead list's filters), read, create (with the duplicate
check), change, delete, the status actions (`take`, `junk`, `reopen`) and `convert`.

Reads go through `visible_to` (a hidden lead answers 404 like a missing one), writes through
`crm.services.leads` and `crm.services.conversions` (the same rights as the pages).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from djmoney.money import Money
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core.api.pagination import NewestFirstCursorPagination

from ..choices import Action, CommunicationKind, Entity, LeadSource
from ..filters.leads import LeadFilterSet
from ..models import Communication, Company, Contact, Lead, Pipeline
from ..selectors import leads as selectors
from ..selectors.duplicates import duplicates_find
from ..services import conversions
from ..services import leads as services
from .contacts import DUPLICATES_RESPONSE, FORCE, CommunicationSerializer, duplicates_response, forced
from .fields import CustomValuesField

CURRENCIES = [(code, code) for code in settings.CURRENCIES]


class LeadSerializer(serializers.ModelSerializer):
    """A lead as the API shows it; `deals` are the ids of the deals it became."""

    communications = CommunicationSerializer(many=True, read_only=True)
    amount = serializers.DecimalField(
        source="amount.amount", max_digits=16, decimal_places=2, read_only=True, allow_null=True
    )
    currency = serializers.CharField(source="amount.currency.code", read_only=True, allow_null=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "title",
            "status",
            "junk_reason",
            "source",
            "source_detail",
            "first_name",
            "last_name",
            "company_name",
            "position",
            "amount",
            "currency",
            "comment",
            "utm",
            "custom",
            "responsible",
            "created_by",
            "communications",
            "contact",
            "company",
            "taken_at",
            "converted_at",
            "last_activity_at",
            "created_at",
            "updated_at",
            "url",
        ]
        read_only_fields = fields


class LeadWriteSerializer(serializers.Serializer):
    """What a client sends to create or change a lead. `communications` replace the current ones when given;
    `responsible` defaults to the caller on create; `amount` with `currency` (the portal's default currency
    when left out)."""

    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=LeadSource.choices, required=False)
    source_detail = serializers.CharField(max_length=300, required=False, allow_blank=True)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    company_name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    position = serializers.CharField(max_length=200, required=False, allow_blank=True)
    amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    currency = serializers.ChoiceField(choices=CURRENCIES, required=False)
    comment = serializers.CharField(required=False, allow_blank=True)
    utm = serializers.DictField(child=serializers.CharField(max_length=200), required=False)
    custom = CustomValuesField(entity=Entity.LEAD)
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    communications = CommunicationSerializer(many=True, required=False)

    def arguments(self, fallback: Money | None = None) -> dict:
        """Service keyword arguments (the amount as Money, communications as plain dicts)."""
        data = dict(self.validated_data)
        currency = data.pop("currency", None)
        if "amount" in data or currency:
            amount = data.pop("amount", fallback.amount if fallback is not None else None)
            data["amount"] = (
                Money(amount, currency or (str(fallback.currency) if fallback else settings.DEFAULT_CURRENCY))
                if amount is not None
                else None
            )
        if "communications" in data:
            data["communications"] = [
                {"kind": i["kind"], "type": i["type"], "value": i["value"]} for i in data["communications"]
            ]
        return data


class JunkSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class ConvertSerializer(serializers.Serializer):
    """What the lead becomes: a new contact (`make_contact`) or an existing one (`contact`), the same for the
    company, and a deal in `pipeline` (the default pipeline when left out)."""

    make_contact = serializers.BooleanField(default=False)
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True
    )
    make_company = serializers.BooleanField(default=False)
    company = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.all(), required=False, allow_null=True
    )
    make_deal = serializers.BooleanField(default=False)
    pipeline = serializers.PrimaryKeyRelatedField(
        queryset=Pipeline.objects.filter(is_active=True), required=False, allow_null=True
    )
    deal_title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    currency = serializers.ChoiceField(choices=CURRENCIES, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            # Only records the caller sees can be chosen; others are "not found" like missing ones.
            self.fields["contact"].queryset = Contact.objects.visible_to(user)
            self.fields["company"].queryset = Company.objects.visible_to(user)

    def arguments(self) -> dict:
        data = dict(self.validated_data)
        currency = data.pop("currency", None) or settings.DEFAULT_CURRENCY
        amount = data.pop("amount", None)
        data["amount"] = Money(amount, currency) if amount is not None else None
        return data


class ConversionResultSerializer(serializers.Serializer):
    lead = LeadSerializer()
    contact = serializers.IntegerField(source="contact.pk", allow_null=True)
    company = serializers.IntegerField(source="company.pk", allow_null=True)
    deal = serializers.IntegerField(source="deal.pk", allow_null=True)
    created = serializers.ListField(child=serializers.CharField())


@extend_schema_view(
    list=extend_schema(summary="Leads the caller may see, filtered like the lead list"),
    retrieve=extend_schema(summary="One lead with its communications"),
    create=extend_schema(
        summary="Create a lead (409 with the possible duplicates unless ?force=1)",
        request=LeadWriteSerializer,
        parameters=[FORCE],
        responses={201: LeadSerializer, 409: DUPLICATES_RESPONSE},
    ),
    update=extend_schema(summary="Change a lead", request=LeadWriteSerializer),
    partial_update=extend_schema(summary="Change some of a lead's fields", request=LeadWriteSerializer),
    destroy=extend_schema(summary="Delete a lead", responses={204: None}),
)
class LeadViewSet(viewsets.ModelViewSet):
    """Leads: inquiries not yet qualified."""

    serializer_class = LeadSerializer
    pagination_class = NewestFirstCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = LeadFilterSet
    lookup_value_regex = r"\d+"
    queryset = Lead.objects.none()  # names the model for the schema; reads go through visible_to

    def get_queryset(self):
        return (
            Lead.objects.visible_to(self.request.user)
            .select_related("responsible")
            .prefetch_related(
                Prefetch("communications", queryset=Communication.objects.order_by("kind", "sort", "id"))
            )
        )

    def _lead(self, action_name: str = Action.VIEW) -> Lead:
        return selectors.lead_get(user=self.request.user, pk=self.kwargs["pk"], action=action_name)

    def _out(self, lead: Lead, code=status.HTTP_200_OK) -> Response:
        # The change may have put the lead out of the caller's sight (no responsible person, or another).
        fresh = self.get_queryset().filter(pk=lead.pk).first() or lead
        return Response(LeadSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        incoming = LeadWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.arguments()
        if not forced(request):
            items = data.get("communications", [])
            phones = [i["value"] for i in items if i["kind"] == CommunicationKind.PHONE]
            emails = [i["value"] for i in items if i["kind"] == CommunicationKind.EMAIL]
            found = []
            if phones or emails:
                found = duplicates_find(user=request.user, entity=Entity.LEAD, phones=phones, emails=emails)
            if found:
                return duplicates_response(found)
        lead = services.lead_create(actor=request.user, **data)
        return self._out(lead, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        lead = self._lead()
        incoming = LeadWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        incoming.is_valid(raise_exception=True)
        lead = services.lead_update(actor=request.user, lead=lead, **incoming.arguments(lead.amount))
        return self._out(lead)

    def destroy(self, request, *args, **kwargs):
        services.lead_delete(actor=request.user, lead=self._lead())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Take a new lead in work (status: in progress)", request=None, responses=LeadSerializer
    )
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        return self._out(services.lead_take(actor=request.user, lead=self._lead()))

    @extend_schema(
        summary="Mark a lead as junk, saying why", request=JunkSerializer, responses=LeadSerializer
    )
    @action(detail=True, methods=["post"])
    def junk(self, request, pk=None):
        lead = self._lead()
        incoming = JunkSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        return self._out(
            services.lead_junk(actor=request.user, lead=lead, reason=incoming.validated_data["reason"])
        )

    @extend_schema(
        summary="Open a junk or in-progress lead again (status: new)", request=None, responses=LeadSerializer
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        lead = self._lead()
        return self._out(services.lead_set_status(actor=request.user, lead=lead, status="new"))

    @extend_schema(
        summary="Convert a lead into a contact, a company and/or a deal (one transaction)",
        request=ConvertSerializer,
        responses=ConversionResultSerializer,
    )
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        lead = self._lead()
        incoming = ConvertSerializer(data=request.data, user=request.user)
        incoming.is_valid(raise_exception=True)
        result = conversions.lead_convert(actor=request.user, lead=lead, **incoming.arguments())
        body = {
            "lead": LeadSerializer(self.get_queryset().get(pk=lead.pk)).data,
            "contact": result.contact.pk if result.contact else None,
            "company": result.company.pk if result.company else None,
            "deal": result.deal.pk if result.deal else None,
            "created": [str(entity) for entity in result.created],
        }
        return Response(body, status=status.HTTP_200_OK)


def register(router) -> None:
    router.register("leads", LeadViewSet, basename="crm-leads")


urls: list = []
