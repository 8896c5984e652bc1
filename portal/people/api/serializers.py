"""Shapes of the people API. Serializers validate input and render output; the rules live in services."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import TIME_ZONE_CHOICES, GroupCreationPolicy, InvitationStatus
from ..models import ApiToken, Company, Department, Invitation, User


class DepartmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)


class PersonSerializer(serializers.ModelSerializer):
    """A person as the directory lists them (no per-row queries: the department comes joined)."""

    department = DepartmentRefSerializer(read_only=True, allow_null=True)
    photo_url = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "full_name",
            "position",
            "phone",
            "birthday",
            "department",
            "is_active",
            "photo_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_photo_url(self, person: User) -> str | None:
        if not person.photo:
            return None
        return reverse("people:photo", args=[person.pk])


class PersonDetailSerializer(PersonSerializer):
    """One person: the list's fields plus the supervisor (derived from the department tree) and
    preferences."""

    supervisor = serializers.SerializerMethodField()

    class Meta(PersonSerializer.Meta):
        fields = [
            *PersonSerializer.Meta.fields,
            "supervisor",
            "time_zone",
            "work_start",
            "work_end",
            "language",
            "is_staff",
            "date_joined",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_supervisor(self, person: User) -> int | None:
        from ..selectors import supervisor_of

        supervisor = supervisor_of(person)
        return supervisor.pk if supervisor else None


class PersonUpdateSerializer(serializers.Serializer):
    """Profile fields a PATCH may carry. Which of them the caller may change is the service's call."""

    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100, allow_blank=True)
    phone = serializers.CharField(max_length=50, allow_blank=True)
    birthday = serializers.DateField(allow_null=True)
    time_zone = serializers.ChoiceField(choices=TIME_ZONE_CHOICES)
    work_start = serializers.TimeField()
    work_end = serializers.TimeField()
    language = serializers.ChoiceField(choices=User._meta.get_field("language").choices)
    photo = serializers.FileField(allow_null=True, allow_empty_file=False)
    position = serializers.CharField(max_length=200, allow_blank=True)
    email = serializers.EmailField()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)

    def validate(self, attrs):
        if attrs.get("photo") is None and "photo" in attrs:
            attrs["photo"] = ""
        return attrs


class PersonCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    position = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    birthday = serializers.DateField(required=False, allow_null=True, default=None)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True, default=None
    )
    password = serializers.CharField(
        write_only=True, required=False, allow_null=True, default=None, style={"input_type": "password"}
    )
    time_zone = serializers.ChoiceField(
        choices=TIME_ZONE_CHOICES, required=False, allow_null=True, default=None
    )
    is_staff = serializers.BooleanField(required=False, default=False)


class PersonMoveSerializer(serializers.Serializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())


class SupervisorSerializer(serializers.Serializer):
    supervisor = PersonSerializer(allow_null=True, read_only=True)


# --- Departments ------------------------------------------------------------------------------------


class DepartmentSerializer(serializers.ModelSerializer):
    """A department in tree order: `parent` comes annotated by the query, `head` joined."""

    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    head = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Department
        fields = ["id", "name", "depth", "parent", "head", "members_count"]
        read_only_fields = fields


class DepartmentCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    parent = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    head = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )


class DepartmentUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)


class DepartmentMoveSerializer(serializers.Serializer):
    parent = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())


class DepartmentHeadSerializer(serializers.Serializer):
    head = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), allow_null=True)


class DepartmentTreeSerializer(serializers.Serializer):
    """One node of `selectors.department_tree`, with its children nested."""

    id = serializers.IntegerField(source="department.pk")
    name = serializers.CharField(source="department.name")
    depth = serializers.IntegerField(source="department.depth")
    head = PersonRefSerializer(source="department.head", allow_null=True)
    members_count = serializers.IntegerField(source="department.members_count")
    total = serializers.IntegerField(help_text="Active people of the department and its sub-tree.")
    children = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_children(self, node: dict) -> list[dict]:
        return DepartmentTreeSerializer(node["children"], many=True).data


# --- Invitations ------------------------------------------------------------------------------------


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation without its secret: the link is only ever mailed."""

    department = DepartmentRefSerializer(read_only=True)
    invited_by = PersonRefSerializer(read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=InvitationStatus.choices, read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "position",
            "department",
            "invited_by",
            "status",
            "sent_count",
            "last_sent_at",
            "expires_at",
            "accepted_at",
            "accepted_user",
            "revoked_at",
            "created_at",
        ]
        read_only_fields = fields


class EmailsField(serializers.Field):
    """A list of addresses, or one string of them separated by commas, semicolons or new lines."""

    default_error_messages = {
        "invalid": _("Give a list of e-mail addresses or one string of them."),
        "null_characters": _("Null characters are not allowed."),
    }

    def to_internal_value(self, data):
        from ..services import parse_emails

        if isinstance(data, list) and all(isinstance(item, str) for item in data):
            data = ",".join(data)
        if not isinstance(data, str):
            self.fail("invalid")
        if "\x00" in data:  # as DRF's CharField: the database cannot even look such a text up
            self.fail("null_characters")
        return parse_emails(data)

    def to_representation(self, value):
        return value


class InvitationCreateSerializer(serializers.Serializer):
    emails = extend_schema_field(
        {"oneOf": [{"type": "array", "items": {"type": "string", "format": "email"}}, {"type": "string"}]}
    )(EmailsField)()
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    position = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


# --- The company ------------------------------------------------------------------------------------


class CompanySerializer(serializers.ModelSerializer):
    # A plain string here: the time zone list is documented once, as TimeZoneEnum on people.
    default_time_zone = serializers.CharField(read_only=True)

    class Meta:
        model = Company
        fields = ["id", "name", "group_creation_policy", "default_time_zone", "created_at"]
        read_only_fields = fields


class CompanyUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    group_creation_policy = serializers.ChoiceField(choices=GroupCreationPolicy.choices, required=False)
    default_time_zone = serializers.CharField(
        max_length=64, required=False, help_text="An IANA time zone, e.g. Europe/Berlin."
    )


# --- Signing in -------------------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    label = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="What the token is for."
    )


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner's list shows it: never the key, only the characters it starts with."""

    class Meta:
        model = ApiToken
        fields = ["id", "label", "prefix", "created_at", "last_used_at", "expires_at"]
        read_only_fields = fields


class ApiTokenIssuedSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text="The key, shown this once: send it as `Authorization: Token <key>`."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    label = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="What the token is for."
    )
