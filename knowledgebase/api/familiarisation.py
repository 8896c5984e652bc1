"""API of familiarisation under /api/v1/kb/: campaigns (list with `CampaignFilterSet` as the page, start one,
its progress per person, close it) and reading requests (`ReadingFilterSet`: what the caller may see of
them; `mine`, the caller's reading list; `confirm`, "I have read and understood" a page). A campaign of a
space the caller cannot read is 404."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ..filters.familiarisation import CampaignFilterSet, ReadingFilterSet
from ..models.familiarisation import Campaign, ReadingAssignment, ReadingState
from ..models.pages import Page
from ..selectors import familiarisation as selectors
from ..selectors.discussion import page_readable
from ..selectors.spaces import space_get
from ..services import familiarisation as services


class KbCampaignSerializer(serializers.ModelSerializer):
    pages = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    departments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    groups = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    people = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    asked = serializers.IntegerField(read_only=True, default=0, help_text="Requests (person x page).")
    confirmed = serializers.IntegerField(read_only=True, default=0, help_text="Requests confirmed.")

    class Meta:
        model = Campaign
        fields = [
            "id",
            "space",
            "title",
            "message",
            "deadline",
            "status",
            "pages",
            "departments",
            "groups",
            "people",
            "newcomers",
            "question",
            "options",
            "created_by",
            "created_at",
            "asked",
            "confirmed",
        ]
        read_only_fields = fields


class KbCampaignCreateSerializer(serializers.Serializer):
    space = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    pages = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    subtree = serializers.BooleanField(default=False)
    departments = serializers.ListField(child=serializers.IntegerField(), default=list)
    groups = serializers.ListField(child=serializers.IntegerField(), default=list)
    people = serializers.ListField(child=serializers.IntegerField(), default=list)
    newcomers = serializers.BooleanField(default=False)
    deadline = serializers.DateField()
    message = serializers.CharField(required=False, allow_blank=True, default="")
    question = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    options = serializers.ListField(child=serializers.CharField(max_length=200), default=list)
    answer = serializers.IntegerField(required=False, allow_null=True, min_value=0, help_text="From 0.")


class KbProgressRowSerializer(serializers.Serializer):
    page = serializers.IntegerField(source="page_id")
    state = serializers.CharField(source="reading_state")
    due_on = serializers.DateField()
    confirmed_at = serializers.DateTimeField(allow_null=True)


class KbProgressSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk")
    name = serializers.CharField(source="person.__str__")
    state = serializers.ChoiceField(choices=ReadingState.choices)
    read = serializers.IntegerField()
    total = serializers.IntegerField()
    pages = KbProgressRowSerializer(source="rows", many=True)


class KbReadingSerializer(serializers.ModelSerializer):
    page_title = serializers.CharField(source="page.title", read_only=True)
    campaign_title = serializers.CharField(source="campaign.title", read_only=True)

    class Meta:
        model = ReadingAssignment
        fields = [
            "id",
            "campaign",
            "campaign_title",
            "page",
            "page_title",
            "user",
            "assigned_at",
            "due_on",
            "confirmed_at",
            "asked_again_at",
        ]
        read_only_fields = fields


class KbConfirmSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    answers = serializers.DictField(
        child=serializers.IntegerField(min_value=0),
        required=False,
        default=dict,
        help_text="{campaign id: the chosen answer (from 0)} for campaigns that ask a question.",
    )


def _ids(queryset, ids):
    found = list(queryset.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise serializers.ValidationError("unknown ids")
    return found


@extend_schema_view(
    list=extend_schema(summary="Familiarisation campaigns the caller may see (?space=, ?status=, ?mine=)"),
    retrieve=extend_schema(summary="One campaign"),
    create=extend_schema(
        summary="Start a campaign (an editor of the space): everyone in the audience is asked at once",
        request=KbCampaignCreateSerializer,
        responses={201: KbCampaignSerializer},
    ),
)
class CampaignViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = KbCampaignSerializer
    filterset_class = CampaignFilterSet
    ordering_fields = ["created_at", "deadline", "id"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Campaign.objects.none()
        return selectors.campaign_list(user=self.request.user).prefetch_related(
            "pages", "departments", "groups", "people"
        )

    def _campaign(self) -> Campaign:
        return selectors.campaign_get(user=self.request.user, pk=self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        from django.contrib.auth import get_user_model

        from portal.groups.models import Workgroup
        from portal.people.models import Department

        data = KbCampaignCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        space = space_get(user=request.user, pk=values.pop("space"))
        try:
            values["pages"] = _ids(Page.objects.visible_to(request.user).filter(space=space), values["pages"])
            values["departments"] = _ids(Department.objects.visible_to(request.user), values["departments"])
            values["groups"] = _ids(Workgroup.objects.visible_to(request.user), values["groups"])
            values["people"] = _ids(get_user_model().objects.filter(is_active=True), values["people"])
        except serializers.ValidationError:
            raise serializers.ValidationError(
                {"audience": ["Unknown pages, departments, groups or people."]}
            ) from None
        campaign = services.campaign_create(actor=request.user, space=space, **values)
        answer = self.get_queryset().get(pk=campaign.pk)
        return Response(KbCampaignSerializer(answer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The progress per person (?state=read|pending|overdue): all for its editors, their people for "
        "a supervisor, oneself for the others",
        responses=KbProgressSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def progress(self, request, pk=None):
        campaign = self._campaign()
        state = request.query_params.get("state", "")
        lines = selectors.campaign_progress(
            user=request.user, campaign=campaign, state=state if state in ReadingState.values else ""
        )
        return Response(KbProgressSerializer(lines, many=True).data)

    @extend_schema(summary="Close the campaign (its editors)", request=None, responses=KbCampaignSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        campaign = services.campaign_close(actor=request.user, campaign=self._campaign())
        return Response(KbCampaignSerializer(self.get_queryset().get(pk=campaign.pk)).data)


@extend_schema_view(
    list=extend_schema(
        summary="Reading requests the caller may see: their own, their people's, their campaigns' "
        "(?campaign=, ?page_id=, ?user=, ?state=)"
    ),
    retrieve=extend_schema(summary="One reading request"),
)
class ReadingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = KbReadingSerializer
    filterset_class = ReadingFilterSet
    ordering_fields = ["due_on", "id"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReadingAssignment.objects.none()
        return (
            ReadingAssignment.objects.visible_to(self.request.user)
            .select_related("page", "campaign")
            .order_by("due_on", "id")
        )

    @extend_schema(
        summary="My reading list: what I am asked to read and have not confirmed yet",
        responses=KbReadingSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def mine(self, request):
        queryset = self.filter_queryset(selectors.reading_list(user=request.user))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(KbReadingSerializer(page, many=True).data)

    @extend_schema(
        summary='"I have read and understood" a page: confirms the caller\'s open requests to read it',
        request=KbConfirmSerializer,
        responses=KbReadingSerializer(many=True),
    )
    @action(detail=False, methods=["post"])
    def confirm(self, request):
        data = KbConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        page = page_readable(request.user, data.validated_data["page"])
        rows = services.reading_confirm(actor=request.user, page=page, answers=data.validated_data["answers"])
        return Response(KbReadingSerializer(rows, many=True).data)


def register(router) -> None:
    router.register("campaigns", CampaignViewSet, basename="kb-campaign")
    router.register("reading", ReadingViewSet, basename="kb-reading")


urls: list = []
