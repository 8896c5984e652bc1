"""The people API: thin view sets over the people selectors and services.

Reads go through selectors (already permission-filtered; hidden objects answer 404), writes through
services; their ValidationError / PermissionDenied become the API's JSON errors (portal.core.api.errors).
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from portal.core.errors import NotFound
from portal.core.permissions import get_visible

from .. import selectors, services
from ..filters import DepartmentFilterSet, InvitationFilterSet, PersonFilterSet
from ..lockout import LoginLockedOut
from ..models import ApiToken, Department, User
from . import serializers as s

NOT_FOUND = OpenApiResponse(description="Missing, or hidden from the caller.")
FORBIDDEN = OpenApiResponse(description="The caller may see the object but not do this.")
INVALID = OpenApiResponse(description="Invalid input: `error.fields` names what is wrong.")


# --- People -----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="The directory: people the caller may see"),
    retrieve=extend_schema(summary="One person", responses={200: s.PersonDetailSerializer, 404: NOT_FOUND}),
)
class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """People of the company. Everyone signed in reads the directory; a person edits their own profile,
    admins every profile; admins and heads (within their sub-tree) add and move people."""

    filterset_class = PersonFilterSet
    ordering_fields = ["last_name", "first_name", "email", "position", "birthday", "date_joined"]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[User]:
        return selectors.person_list(user=self.request.user)

    def get_object(self) -> User:
        return selectors.person_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer_class(self):
        if self.action in ("list", "subordinates"):
            return s.PersonSerializer
        return s.PersonDetailSerializer

    def _detail(self, person: User) -> Response:
        person = selectors.person_get(user=self.request.user, pk=person.pk)
        return Response(s.PersonDetailSerializer(person, context=self.get_serializer_context()).data)

    def _update(self, person: User) -> Response:
        data = s.PersonUpdateSerializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        services.person_update(actor=self.request.user, person=person, **data.validated_data)
        return self._detail(person)

    @extend_schema(
        summary="Add a person (admins; heads into their sub-tree)",
        request=s.PersonCreateSerializer,
        responses={201: s.PersonDetailSerializer, 400: INVALID, 403: FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        data = s.PersonCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = services.person_create(actor=request.user, **data.validated_data)
        response = self._detail(person)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        summary="Change a profile (one's own contact details; admins: everything)",
        request=s.PersonUpdateSerializer,
        responses={200: s.PersonDetailSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def partial_update(self, request, *args, **kwargs):
        return self._update(self.get_object())

    @extend_schema(methods=["GET"], summary="The caller's own profile", filters=False)
    @extend_schema(
        methods=["PATCH"],
        summary="Change the caller's own profile",
        request=s.PersonUpdateSerializer,
        responses={200: s.PersonDetailSerializer, 400: INVALID, 403: FORBIDDEN},
        filters=False,
    )
    @action(detail=False, methods=["get", "patch"], pagination_class=None, filter_backends=[])
    def me(self, request):
        if request.method == "PATCH":
            return self._update(request.user)
        return self._detail(request.user)

    @extend_schema(
        summary="Move a person to another department",
        request=s.PersonMoveSerializer,
        responses={200: s.PersonDetailSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        person = self.get_object()
        data = s.PersonMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.person_move(actor=request.user, person=person, department=data.validated_data["department"])
        return self._detail(person)

    @extend_schema(
        summary="Deactivate a person (admins): they can no longer sign in",
        request=None,
        responses={200: s.PersonDetailSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        person = services.person_set_active(actor=request.user, person=self.get_object(), active=False)
        return self._detail(person)

    @extend_schema(
        summary="Reactivate a person (admins)",
        request=None,
        responses={200: s.PersonDetailSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        person = services.person_set_active(actor=request.user, person=self.get_object(), active=True)
        return self._detail(person)

    @extend_schema(
        summary="The people this person supervises",
        parameters=[
            OpenApiParameter(
                "recursive", bool, description="The whole sub-tree instead of direct subordinates only."
            )
        ],
        responses={200: s.PersonSerializer(many=True), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def subordinates(self, request, pk=None):
        person = self.get_object()
        recursive = request.query_params.get("recursive", "").lower() in ("1", "true", "yes")
        people = selectors.subordinates_of(person, recursive=recursive) & self.get_queryset()
        page = self.paginate_queryset(self.filter_queryset(people.select_related("department")))
        return self.get_paginated_response(s.PersonSerializer(page, many=True).data)

    @extend_schema(
        summary="This person's supervisor (null for the head of the company)",
        responses={200: s.SupervisorSerializer, 404: NOT_FOUND},
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def supervisor(self, request, pk=None):
        supervisor = selectors.supervisor_of(self.get_object())
        return Response(s.SupervisorSerializer({"supervisor": supervisor}).data)


# --- Departments ------------------------------------------------------------------------------------


def _with_parent(queryset: QuerySet[Department]) -> QuerySet[Department]:
    """Annotate each department with its parent's id, in the same query (the parent's path is the
    department's path without its last step)."""
    parent = Department.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Department.steplen)
    ).values("pk")[:1]
    return queryset.annotate(parent_id=Subquery(parent))


@extend_schema_view(
    list=extend_schema(summary="Departments in tree order"),
    retrieve=extend_schema(summary="One department", responses={200: s.DepartmentSerializer, 404: NOT_FOUND}),
)
class DepartmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The department tree. Everyone signed in reads it; admins, and heads within their sub-tree, change it."""

    serializer_class = s.DepartmentSerializer
    filterset_class = DepartmentFilterSet
    ordering_fields = ["path", "name", "members_count"]
    ordering = ["path"]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Department]:
        return _with_parent(selectors.department_list(user=self.request.user))

    def get_object(self) -> Department:
        return self._get(self.kwargs["pk"])

    def _get(self, pk) -> Department:
        return get_visible(self.get_queryset(), pk=pk)

    def _detail(self, department: Department, code: int = status.HTTP_200_OK) -> Response:
        return Response(s.DepartmentSerializer(self._get(department.pk)).data, status=code)

    @extend_schema(
        summary="Add a department",
        request=s.DepartmentCreateSerializer,
        responses={201: s.DepartmentSerializer, 400: INVALID, 403: FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        data = s.DepartmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        department = services.department_create(actor=request.user, **data.validated_data)
        return self._detail(department, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Rename a department",
        request=s.DepartmentUpdateSerializer,
        responses={200: s.DepartmentSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def partial_update(self, request, *args, **kwargs):
        department = self.get_object()
        data = s.DepartmentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.department_update(actor=request.user, department=department, **data.validated_data)
        return self._detail(department)

    @extend_schema(
        summary="Remove an empty department",
        responses={204: None, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def destroy(self, request, *args, **kwargs):
        services.department_delete(actor=request.user, department=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Move a department (with its sub-tree) under another one",
        request=s.DepartmentMoveSerializer,
        responses={200: s.DepartmentSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        department = self.get_object()
        data = s.DepartmentMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.department_move(
            actor=request.user, department=department, parent=data.validated_data["parent"]
        )
        return self._detail(department)

    @extend_schema(
        summary="Set (or clear, with null) the head of a department",
        request=s.DepartmentHeadSerializer,
        responses={200: s.DepartmentSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    # Not named `head`: a view set's method of that name would answer every HEAD request of its routes.
    @action(detail=True, methods=["post"], url_path="head", url_name="head")
    def set_head(self, request, pk=None):
        department = self.get_object()
        data = s.DepartmentHeadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.department_set_head(
            actor=request.user, department=department, head=data.validated_data["head"]
        )
        return self._detail(department)

    @extend_schema(
        summary="The whole tree, nested, with head counts of each sub-tree",
        responses={200: s.DepartmentTreeSerializer(many=True)},
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def tree(self, request):
        return Response(
            s.DepartmentTreeSerializer(selectors.department_tree(user=request.user), many=True).data
        )


# --- Invitations ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Invitations the caller may manage"),
    retrieve=extend_schema(summary="One invitation", responses={200: s.InvitationSerializer, 404: NOT_FOUND}),
)
class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Invitations by e-mail. Admins manage all; a head those into their sub-tree; anyone those they sent.
    Links and secrets never leave the server except in the invitation mail."""

    serializer_class = s.InvitationSerializer
    filterset_class = InvitationFilterSet
    ordering_fields = ["created_at", "email", "expires_at"]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.invitation_list(user=self.request.user)

    def get_object(self):
        return selectors.invitation_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        summary="Invite one or many people into a department",
        request=s.InvitationCreateSerializer,
        responses={201: s.InvitationSerializer(many=True), 400: INVALID, 403: FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        data = s.InvitationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitations = services.invitation_send(actor=request.user, **data.validated_data)
        return Response(s.InvitationSerializer(invitations, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Send the invitation again with a fresh link (the old link stops working)",
        request=None,
        responses={200: s.InvitationSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        invitation = services.invitation_resend(actor=request.user, invitation=self.get_object())
        return Response(s.InvitationSerializer(self._reread(invitation)).data)

    @extend_schema(
        summary="Withdraw the invitation",
        request=None,
        responses={200: s.InvitationSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        invitation = services.invitation_revoke(actor=request.user, invitation=self.get_object())
        return Response(s.InvitationSerializer(self._reread(invitation)).data)

    def _reread(self, invitation):
        try:
            return selectors.invitation_get(user=self.request.user, pk=invitation.pk)
        except NotFound:  # e.g. a head resent an invitation they may act on but no longer see
            return invitation


# --- The company ------------------------------------------------------------------------------------


class CompanyView(APIView):
    """The company and its portal-wide settings: everyone signed in reads them, admins change them."""

    @extend_schema(summary="The company", responses={200: s.CompanySerializer, 404: NOT_FOUND})
    def get(self, request):
        return Response(s.CompanySerializer(self._company()).data)

    @extend_schema(
        summary="Change the company's name and portal-wide settings (admins)",
        request=s.CompanyUpdateSerializer,
        responses={200: s.CompanySerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def patch(self, request):
        company = self._company()
        data = s.CompanyUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        company = services.company_update(actor=request.user, company=company, **data.validated_data)
        return Response(s.CompanySerializer(company).data)

    @staticmethod
    def _company():
        company = selectors.company_get()
        if company is None:
            raise Http404("The portal is not registered yet.")
        return company


# --- Signing in -------------------------------------------------------------------------------------

LOCKED_OUT = OpenApiResponse(
    description="Too many failed attempts to sign in from this address or for this account: `locked_out`, "
    "with Retry-After."
)


class TokenView(APIView):
    """Exchange an e-mail and password for a new API token (send it as `Authorization: Token <key>`).

    Every call makes a new token; it expires after LUMEN_API_TOKEN_TTL_DAYS and stops working when the
    password changes. Failed attempts count towards the same lock as the login form.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        summary="Sign in for an API token",
        request=s.TokenRequestSerializer,
        responses={200: s.ApiTokenIssuedSerializer, 400: INVALID, 429: LOCKED_OUT},
    )
    def post(self, request):
        data = s.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Django's request, not DRF's wrapper: axes marks a locked-out attempt on the request it is given,
        # and its middleware reads the mark there.
        http_request = request._request
        user = authenticate(
            http_request,
            username=data.validated_data["email"].strip().lower(),
            password=data.validated_data["password"],
        )
        if getattr(http_request, "axes_locked_out", False):
            raise LoginLockedOut()
        if user is None or not user.is_active:
            raise serializers.ValidationError({"non_field_errors": [_("Wrong e-mail or password.")]})
        token, key = services.api_token_create(actor=user, person=user, label=data.validated_data["label"])
        return Response(s.ApiTokenIssuedSerializer(_issued(token, key)).data, status=status.HTTP_200_OK)


def _issued(token: ApiToken, key: str) -> ApiToken:
    token.token = key
    return token


@extend_schema_view(
    list=extend_schema(summary="The caller's API tokens that still work (never their keys)"),
    create=extend_schema(
        summary="Make an API token for the caller (the key is in this answer only)",
        request=s.ApiTokenCreateSerializer,
        responses={201: s.ApiTokenIssuedSerializer, 400: INVALID},
    ),
    destroy=extend_schema(
        summary="Revoke one of the caller's API tokens", responses={204: None, 404: NOT_FOUND}
    ),
)
class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The caller's own API tokens. Nobody sees or revokes somebody else's (404); admins sign a person out
    everywhere instead, which revokes all of theirs."""

    serializer_class = s.ApiTokenSerializer
    lookup_value_regex = r"\d+"
    filter_backends: list = []
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[ApiToken]:
        return selectors.api_token_list(user=self.request.user)

    def get_object(self) -> ApiToken:
        return selectors.api_token_get(user=self.request.user, pk=self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        data = s.ApiTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, key = services.api_token_create(
            actor=request.user, person=request.user, label=data.validated_data["label"]
        )
        return Response(s.ApiTokenIssuedSerializer(_issued(token, key)).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.api_token_revoke(actor=request.user, token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
