"""Fields and small reference shapes shared by the tasks API's serializers: ids resolved among the
objects the caller may see, people, tags by id or name."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.groups.models import Workgroup

from ...choices import TaskStatus
from ...models import Tag, Task

User = get_user_model()


class GroupRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class TaskRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=TaskStatus.choices, read_only=True)


class _VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """An id among the objects the caller may see; hidden and missing read alike ("does not exist")."""

    model: type = None  # type: ignore[assignment]

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", self.model.objects.all())  # names the model for the schema
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.visible_to(self.context["request"].user)


class VisibleTaskField(_VisibleRelatedField):
    model = Task


class VisibleGroupField(_VisibleRelatedField):
    """A workgroup the caller may see; the services decide whether they may put tasks or tags in it."""

    model = Workgroup


class VisibleTagField(_VisibleRelatedField):
    model = Tag


class ActivePersonField(serializers.PrimaryKeyRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.filter(is_active=True))
        super().__init__(**kwargs)


class PeopleField(serializers.ListField):
    """A list of active people's ids, read in one query and kept in the order given (duplicates dropped)."""

    child = serializers.IntegerField(min_value=1)

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        ids = list(dict.fromkeys(super().to_internal_value(data)))
        found = User.objects.filter(is_active=True).in_bulk(ids)
        missing = [i for i in ids if i not in found]
        if missing:
            message = ngettext(
                "No active person has the id {ids}.", "No active person has the ids {ids}.", len(missing)
            )
            raise serializers.ValidationError(
                message.format(ids=", ".join(map(str, missing))), code="unknown"
            )
        return [found[i] for i in ids]


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "maxLength": 60}]})
class TagRefField(serializers.Field):
    """A tag given by id (one of the caller's tags) or by name (found or made by `services.tags_resolve`)."""

    default_error_messages = {
        "invalid": _("A tag is an id or a name."),
        "blank": _("A tag name cannot be empty."),
        "too_long": _("A tag name has at most 60 characters."),
        "null_characters": _("Null characters are not allowed."),
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, int):
            return data
        name = data.strip()
        if not name:
            self.fail("blank")
        if "\x00" in name:  # as DRF's CharField: the database cannot even look such a name up
            self.fail("null_characters")
        if len(name) > 60:
            self.fail("too_long")
        return name

    def to_representation(self, value):
        return value


class TagListField(serializers.ListField):
    """Tags by id or name: ids must be among the caller's tags; names are resolved by the service later."""

    child = TagRefField()

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        refs = list(dict.fromkeys(super().to_internal_value(data)))
        ids = [r for r in refs if isinstance(r, int)]
        found = Tag.objects.visible_to(self.context["request"].user).in_bulk(ids) if ids else {}
        missing = [i for i in ids if i not in found]
        if missing:
            message = ngettext(
                "You have no tag with the id {ids}.", "You have no tag with the ids {ids}.", len(missing)
            )
            raise serializers.ValidationError(
                message.format(ids=", ".join(map(str, missing))), code="unknown"
            )
        return [found[r] if isinstance(r, int) else r for r in refs]


class TagIdsField(TagListField):
    """Tags by id only (bulk changes do not make tags)."""

    child = serializers.IntegerField(min_value=1)
