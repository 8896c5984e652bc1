"""CRM API: contacts (/api/v1/crm/contacts/), with their communications and companies nested.

Reads go through `visible_to` (a hidden contact answers 404 like a missing one), writes through
`crm.services.contacts` (the same rights as the pages). Creating a contact first looks for duplicates: when a
record with the same phone or e-mail exists, the answer is 409 with those records in `error.duplicates`; send
the request again with `?force=1` to create it anyway.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from portal.core.api.pagination import NewestFirstCursorPagination

from ..choices import CommunicationKind, CommunicationType, Entity, LeadSource
from ..filters.contacts import ContactFilterSet
from ..models import Company, Contact, ContactCompany
from ..selectors import contacts as selectors
from ..selectors.duplicates import duplicates_find
from ..services import contacts as services
from .fields import CustomValuesField


class CommunicationSerializer(serializers.Serializer):
    """A phone, e-mail, messenger, website or address; `normalized` is E.164 for phones, lowercase e-mails."""

    kind = serializers.ChoiceField(choices=CommunicationKind.choices)
    type = serializers.ChoiceField(choices=CommunicationType.choices, default=CommunicationType.WORK)
    value = serializers.CharField(max_length=500)
    normalized = serializers.CharField(read_only=True)


class CrmContactCompanySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="company_id", read_only=True)
    name = serializers.CharField(source="company.name", read_only=True)
    is_primary = serializers.BooleanField(read_only=True)
    role = serializers.CharField(read_only=True)


class CrmContactSerializer(serializers.ModelSerializer):
    """A contact as the API shows it; the companies listed are those the caller may see."""

    full_name = serializers.CharField(read_only=True)
    communications = CommunicationSerializer(many=True, read_only=True)
    companies = CrmContactCompanySerializer(source="visible_company_links", many=True, read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "first_name",
            "last_name",
            "middle_name",
            "full_name",
            "position",
            "birthday",
            "source",
            "responsible",
            "created_by",
            "comment",
            "custom",
            "communications",
            "companies",
            "created_at",
            "updated_at",
            "last_activity_at",
            "url",
        ]
        read_only_fields = fields


class CrmContactWriteSerializer(serializers.Serializer):
    """What a client sends to create or change a contact. `communications` and `companies` replace the
    current ones when given; the first company is the primary one. `responsible` defaults to the caller."""

    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    middle_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    position = serializers.CharField(max_length=200, required=False, allow_blank=True)
    birthday = serializers.DateField(required=False, allow_null=True)
    source = serializers.ChoiceField(choices=LeadSource.choices, required=False)
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    comment = serializers.CharField(required=False, allow_blank=True)
    custom = CustomValuesField(entity=Entity.CONTACT)
    communications = CommunicationSerializer(many=True, required=False)
    companies = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=50
    )


DUPLICATES_RESPONSE = OpenApiResponse(
    description="Possible duplicates, in the API's one error shape: `error.code` is `duplicates` and "
    "`error.duplicates` lists the records ({id, name, url}). Repeat with `?force=1` to create the record anyway."
)

FORCE = OpenApiParameter(
    "force", bool, description="Create even when records with the same phone, e-mail (or name) exist."
)


def duplicates_response(records) -> Response:
    """The 409 answer naming the possible duplicates (the project's error shape plus `duplicates`)."""
    return Response(
        {
            "error": {
                "status": status.HTTP_409_CONFLICT,
                "code": "duplicates",
                "message": _("Possible duplicates exist. Repeat with ?force=1 to create anyway."),
                "fields": {},
                "duplicates": [{"id": r.pk, "name": str(r), "url": r.get_absolute_url()} for r in records],
            }
        },
        status=status.HTTP_409_CONFLICT,
    )


def forced(request) -> bool:
    return request.query_params.get("force", "").lower() in ("1", "true", "yes")


def write_arguments(data: dict) -> dict:
    """Service keyword arguments from validated data (communications as plain dicts)."""
    arguments = dict(data)
    if "communications" in arguments:
        arguments["communications"] = [dict(item) for item in arguments["communications"]]
    return arguments


@extend_schema_view(
    list=extend_schema(summary="Contacts the caller may see, filtered like the contact list"),
    retrieve=extend_schema(summary="One contact with its communications and companies"),
    create=extend_schema(
        summary="Create a contact (409 with the possible duplicates unless ?force=1)",
        request=CrmContactWriteSerializer,
        parameters=[FORCE],
        responses={201: CrmContactSerializer, 409: DUPLICATES_RESPONSE},
    ),
    update=extend_schema(summary="Change a contact", request=CrmContactWriteSerializer),
    partial_update=extend_schema(
        summary="Change some of a contact's fields", request=CrmContactWriteSerializer
    ),
    destroy=extend_schema(summary="Delete a contact", responses={204: None}),
)
class ContactViewSet(viewsets.ModelViewSet):
    """Contacts with their phones, e-mails and companies."""

    serializer_class = CrmContactSerializer
    pagination_class = NewestFirstCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ContactFilterSet
    lookup_value_regex = r"\d+"
    queryset = Contact.objects.none()  # names the model for the schema; reads go through visible_to

    def get_queryset(self):
        user = self.request.user
        links = ContactCompany.objects.filter(company__in=Company.objects.visible_to(user).values("pk"))
        return (
            Contact.objects.visible_to(user)
            .select_related("responsible")
            .prefetch_related(
                "communications",
                Prefetch(
                    "company_links",
                    queryset=links.select_related("company").order_by("-is_primary", "id"),
                    to_attr="visible_company_links",
                ),
            )
        )

    def _out(self, contact: Contact, code=status.HTTP_200_OK) -> Response:
        # The change may have put the contact out of the caller's sight (another responsible person).
        fresh = self.get_queryset().filter(pk=contact.pk).first() or contact
        return Response(CrmContactSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        incoming = CrmContactWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = write_arguments(incoming.validated_data)
        if not forced(request):
            items = data.get("communications", [])
            found = duplicates_find(
                user=request.user,
                entity=Entity.CONTACT,
                phones=[i["value"] for i in items if i["kind"] == CommunicationKind.PHONE],
                emails=[i["value"] for i in items if i["kind"] == CommunicationKind.EMAIL],
            )
            if found:
                return duplicates_response(found)
        contact = services.contact_create(actor=request.user, **data)
        return self._out(contact, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        contact = selectors.contact_get(user=request.user, pk=kwargs["pk"])
        incoming = CrmContactWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        incoming.is_valid(raise_exception=True)
        contact = services.contact_update(
            actor=request.user, contact=contact, **write_arguments(incoming.validated_data)
        )
        return self._out(contact)

    def destroy(self, request, *args, **kwargs):
        contact = selectors.contact_get(user=request.user, pk=kwargs["pk"])
        services.contact_delete(actor=request.user, contact=contact)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router) -> None:
    router.register("contacts", ContactViewSet, basename="crm-contacts")


urls: list = []
