"""Spaces in the API (/api/v1/kb/spaces/): the spaces I read, one space with my role, create and change (the
same services and rights as the pages), and the page tree of a space in one answer."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core.api.pagination import StandardPagination

from ..choices import EveryoneAccess, PageLanguage, SpaceKind
from ..models import Space
from ..selectors.pages import space_tree
from ..selectors.spaces import space_get, space_list, space_role, space_roles_prime
from ..services import spaces as services


class KbSpaceSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=SpaceKind.choices)
    everyone_access = serializers.ChoiceField(choices=EveryoneAccess.choices)
    language = serializers.ChoiceField(choices=PageLanguage.choices)
    responsible_name = serializers.CharField(source="responsible.__str__", read_only=True)
    my_role = serializers.SerializerMethodField()
    # Empty for spaces made by people (only the built-in ones have a key): a plain string, not a slug pattern.
    key = serializers.CharField(read_only=True)

    class Meta:
        model = Space
        fields = [
            "id", "key", "kind", "title", "description", "icon", "home_page", "responsible", "responsible_name",
            "owner", "department", "workgroup", "everyone_access", "language", "moderated", "my_role",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_my_role(self, space) -> str | None:
        """read, edit or admin: what I may do in the space."""
        request = self.context.get("request")
        return space_role(user=request.user, space=space) if request else None


class KbSpaceWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=SpaceKind.choices, default=SpaceKind.COMPANY)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    icon = serializers.CharField(required=False, default="bi-journal-text")
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False
    )
    everyone_access = serializers.ChoiceField(choices=EveryoneAccess.choices, default=EveryoneAccess.READ)
    language = serializers.ChoiceField(choices=PageLanguage.choices, default=PageLanguage.ENGLISH)
    moderated = serializers.BooleanField(default=False)
    department = serializers.IntegerField(
        required=False, allow_null=True, help_text="A department space's department."
    )
    workgroup = serializers.IntegerField(
        required=False, allow_null=True, help_text="A workgroup space's workgroup."
    )


class KbSpaceUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    icon = serializers.CharField(required=False)
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False
    )
    everyone_access = serializers.ChoiceField(choices=EveryoneAccess.choices, required=False)
    language = serializers.ChoiceField(choices=PageLanguage.choices, required=False)
    moderated = serializers.BooleanField(required=False)


class KbTreeNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    position = serializers.IntegerField()
    status = serializers.CharField()
    depth = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(summary="The spaces I may read"),
    retrieve=extend_schema(summary="One space, with my role in it"),
    create=extend_schema(
        summary="Make a space (admins any; anyone a personal one; a department's head its space)",
        request=KbSpaceWriteSerializer,
        responses={201: KbSpaceSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a space (its administrators)",
        request=KbSpaceUpdateSerializer,
        responses={200: KbSpaceSerializer},
    ),
)
class SpaceViewSet(viewsets.GenericViewSet):
    serializer_class = KbSpaceSerializer
    pagination_class = StandardPagination
    filter_backends: list = []
    queryset = Space.objects.none()
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return space_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        space_roles_prime(user=request.user, spaces=page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(space_get(user=request.user, pk=pk)).data)

    def create(self, request, *args, **kwargs):
        body = KbSpaceWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        from portal.groups.models import Workgroup
        from portal.people.models import Department

        department = Department.objects.filter(pk=data.pop("department", None) or 0).first()
        workgroup = (
            Workgroup.objects.visible_to(request.user).filter(pk=data.pop("workgroup", None) or 0).first()
        )
        space = services.space_create(actor=request.user, department=department, workgroup=workgroup, **data)
        return Response(self.get_serializer(space).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        space = space_get(user=request.user, pk=pk)
        body = KbSpaceUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        space = services.space_update(actor=request.user, space=space, **body.validated_data)
        return Response(self.get_serializer(space).data)

    @extend_schema(
        summary="The space's page tree, in reading order (one query)",
        responses={200: KbTreeNodeSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def tree(self, request, pk=None):
        from ..selectors.pages import tree_flat

        space = space_get(user=request.user, pk=pk)
        return Response(
            KbTreeNodeSerializer(tree_flat(space_tree(user=request.user, space=space)), many=True).data
        )


def register(router) -> None:
    router.register("spaces", SpaceViewSet, basename="kb-space")


urls: list = []
