"""CRM API: the PBX call event endpoint (/api/v1/crm/telephony/events/), authenticated by the connection's token.

The exchange posts one JSON event per change of a call (``ringing``, ``answered``, ``finished``; see
`crm.connectors.telephony`) with ``Authorization: Bearer <token>``. Refusals answer in the API's one error
shape: 401 without a token or with an unknown one, 400 naming each bad field, 404 for ``answered`` or
``finished`` of a call that never rang.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from ..choices import CallResult, CallState, Direction
from ..connectors.telephony import parse_call_event
from ..models import PbxConnection
from ..services import telephony as services


class PbxTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>`` of a PBX connection: `request.auth` is the connection."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after “Bearer ”."))
        try:
            connection = services.pbx_authenticate(token=parts[1].decode("ascii"))
        except (services.PbxTokenRefused, UnicodeDecodeError) as exc:
            raise exceptions.AuthenticationFailed(_("Unknown or inactive token.")) from exc
        return AnonymousUser(), connection

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="pbx"'


class PbxTokenScheme(OpenApiAuthenticationExtension):
    target_class = PbxTokenAuthentication
    name = "pbxToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The token of a PBX connection (CRM settings → Telephony), shown once when made.",
        }


class IsPbxConnection(BasePermission):
    """Only an exchange posts events. A signed-in person may still ask what the endpoint takes (OPTIONS) and
    hears 405 for a method it lacks, like at every other address of the API; anonymous callers get 401."""

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, PbxConnection):
            return True
        person = getattr(request, "user", None)
        lacking = request.method == "OPTIONS" or not hasattr(view, request.method.lower())
        if person and person.is_authenticated and lacking:
            return True
        raise exceptions.NotAuthenticated()  # 401 for a person's session too: only a token posts events


EVENT = inline_serializer(
    "CrmCallEvent",
    {
        "event": serializers.ChoiceField(choices=CallState.choices),
        "call_id": serializers.CharField(max_length=128, help_text="The exchange's id of the call."),
        "occurred_at": serializers.DateTimeField(required=False, help_text="ISO 8601 with an offset."),
        "direction": serializers.ChoiceField(choices=Direction.choices, required=False, help_text="ringing"),
        "caller": serializers.CharField(required=False, help_text="ringing: the calling number"),
        "called": serializers.CharField(required=False, help_text="ringing: the called number or extension"),
        "extension": serializers.CharField(
            required=False, help_text="ringing, answered: the employee's extension"
        ),
        "employee_email": serializers.EmailField(
            required=False, help_text="ringing, answered: the employee, when the extension is not mapped"
        ),
        "duration": serializers.IntegerField(required=False, help_text="finished: seconds of talk"),
        "status": serializers.ChoiceField(choices=CallResult.choices, required=False, help_text="finished"),
        "recording_url": serializers.URLField(required=False, help_text="finished"),
    },
)
TAKEN = inline_serializer(
    "CrmCallEventTaken",
    {
        "outcome": serializers.ChoiceField(choices=["created", "updated", "duplicate"]),
        "call": serializers.IntegerField(),
        "state": serializers.ChoiceField(choices=CallState.choices),
        "known": serializers.BooleanField(
            help_text="Whether the number belongs to a contact, company or lead."
        ),
        "employee": serializers.IntegerField(allow_null=True, help_text="The employee whose card pops up."),
    },
)


class CallEventView(APIView):
    """Call events of a PBX connection."""

    # A person's session only lets OPTIONS and the 405 of a lacking method through (see IsPbxConnection).
    authentication_classes = [PbxTokenAuthentication, SessionAuthentication]
    permission_classes = [IsPbxConnection]
    parser_classes = [JSONParser]
    # The token decides; a busy exchange posts more than the anonymous rate allows.
    throttle_classes: list = []

    @extend_schema(
        operation_id="crm_telephony_event",
        auth=[{"pbxToken": []}],  # only an exchange's token posts; the session only describes
        summary="Report a call event from a PBX",
        description=(
            "`ringing` creates the call (a repeat answers `duplicate`), finds the caller by the normalised "
            "number among contacts, companies and leads, and pops the caller's card up on the employee's open "
            "pages (the extension's person, else `employee_email`). `answered` records who picked up. "
            "`finished` records duration, result and recording and logs a call activity on the caller's "
            "records (a missed call too)."
        ),
        request=EVENT,
        responses={
            200: OpenApiResponse(TAKEN, description="Applied, or a repeat (outcome `duplicate`)"),
            201: OpenApiResponse(TAKEN, description="A new call (ringing)"),
            400: OpenApiResponse(description="Bad fields (`invalid`), named in `fields`"),
            401: OpenApiResponse(description="No token, or an unknown or inactive one"),
            404: OpenApiResponse(description="`answered`/`finished` of a call that never rang"),
        },
        examples=[
            OpenApiExample(
                "Ringing",
                request_only=True,
                value={
                    "event": "ringing",
                    "call_id": "c-1001",
                    "direction": "in",
                    "caller": "+79161234567",
                    "called": "+74950000000",
                    "extension": "101",
                },
            ),
            OpenApiExample(
                "Finished",
                request_only=True,
                value={
                    "event": "finished",
                    "call_id": "c-1001",
                    "duration": 95,
                    "status": "answered",
                    "recording_url": "https://pbx.example.com/rec/c-1001.mp3",
                },
            ),
        ],
        tags=["crm"],
    )
    def post(self, request):
        event = parse_call_event(request.data)
        taken = services.call_event_take(connection=request.auth, event=event)
        call = taken.call
        body = {
            "outcome": taken.outcome,
            "call": call.pk,
            "state": call.state,
            "known": bool(call.contact_id or call.company_id or call.lead_id),
            "employee": call.user_id,
        }
        return Response(body, status=201 if taken.outcome == "created" else 200)


def register(router) -> None:
    """No view sets: the event endpoint is a plain route below."""


urls: list = [
    path("telephony/events/", CallEventView.as_view(), name="crm-pbx-events"),
]
